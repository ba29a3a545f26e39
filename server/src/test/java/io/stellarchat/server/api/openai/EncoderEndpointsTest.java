package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.model.synth.SyntheticModelWriter;
import io.stellarchat.engine.model.synth.SyntheticShape;
import io.stellarchat.engine.model.synth.SyntheticType;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoder models behind the real service on port 0: {@code /v1/embeddings} through the official OpenAI Java SDK,
 * {@code /v1/rerank} (and its aliases) and Ollama's {@code /api/embed} over plain HTTP. The models are random-weight
 * {@code bert} (mean pooling), {@code bert} with a classifier head (rank pooling) and {@code nomic-bert}, written
 * by the engine's synthetic writer with the BERT vocabulary; expected values are computed by loading the same
 * files in the engine directly (the engine's agreement with llama.cpp is {@code EncoderReferenceTest}'s job).
 */
class EncoderEndpointsTest {
    private static final Path VOCAB = Path.of(System.getProperty("stellar.shared", "../shared"),
            "models", "vocab", "ggml-vocab-bert-bge.gguf");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static StellarService service;
    static OpenAIClient client;
    static HttpClient http;
    static Model embedder;
    static Model reranker;

    @BeforeAll
    static void start() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Path bert = dir.resolve("bert.gguf");
        Path rank = dir.resolve("rank.gguf");
        Path nomic = dir.resolve("nomic.gguf");
        new SyntheticModelWriter("bert", SyntheticShape.of("bert", "tiny"), SyntheticType.F32, 11).write(VOCAB, bert);
        new SyntheticModelWriter("bert", SyntheticShape.of("bert", "tiny-rerank"), SyntheticType.F32, 12).write(VOCAB, rank);
        new SyntheticModelWriter("nomic-bert", SyntheticShape.of("nomic-bert", "tiny"), SyntheticType.Q8_0, 13).write(VOCAB, nomic);
        StellarConfig d = StellarConfig.defaults();
        ModelsConfig mc = new ModelsConfig(models, List.of(
                new ModelEntry("mini-embed", bert, List.of(), 0),
                new ModelEntry("mini-rerank", rank, List.of(), 0),
                new ModelEntry("nomic-mini", nomic, List.of(), 0)));
        EngineConfig engine = new EngineConfig(2, 0, 16, Duration.ofSeconds(30), Duration.ofSeconds(5));
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(), mc, engine, d.data(), d.database(), d.metrics());
        service = new StellarService(config, ModelRegistry.load(mc, engine), List.of());
        service.start();
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + service.port() + "/v1").apiKey("unused")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        http = HttpClient.newHttpClient();
        embedder = Model.load(bert, ModelOptions.defaults().withThreads(1));
        reranker = Model.load(rank, ModelOptions.defaults().withThreads(1));
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (http != null) http.close();
        if (service != null) service.close();
        if (embedder != null) embedder.close();
        if (reranker != null) reranker.close();
    }

    private static EmbeddingCreateParams.Builder embed(String model, String... texts) {
        return EmbeddingCreateParams.builder().model(model).inputOfArrayOfStrings(List.of(texts))
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT);
    }

    private static float[] engineVector(Model m, String text) {
        return m.encoder().encode(List.of(m.tokenizer().encode(text, true, false)), true)[0];
    }

    private static float[] floats(List<Float> v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        return out;
    }

    @Test
    void embeddingsOfAnEncoderAreItsPooledUnitVectorsWithTokenCountsInUsage() {
        String[] texts = {"what is the capital of france?", "Paris is the capital of France.", "bananas"};
        CreateEmbeddingResponse r = client.embeddings().create(embed("mini-embed", texts).build());
        assertEquals(3, r.data().size());
        long tokens = 0;
        for (int i = 0; i < texts.length; i++) {
            float[] got = floats(r.data().get(i).embedding());
            assertEquals(i, r.data().get(i).index());
            assertArrayEquals(engineVector(embedder, texts[i]), got, 1e-6f, "input " + i);
            tokens += embedder.tokenizer().encode(texts[i], true, false).length;
        }
        assertEquals(tokens, r.usage().promptTokens());
        assertEquals(tokens, r.usage().totalTokens());
    }

    @Test
    void base64CarriesTheSameLittleEndianFloats() {
        List<Float> f = client.embeddings().create(embed("nomic-mini", "hello there").build()).data().getFirst().embedding();
        var b = client.embeddings().create(embed("nomic-mini", "hello there")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build()).data().getFirst().embeddingValue();
        assertTrue(b.isBase64());
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b.asBase64())).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(64 * 4, bytes.remaining());
        for (int i = 0; i < 64; i++) assertEquals(f.get(i), bytes.getFloat(), 0f, "component " + i);
    }

    @Test
    void dimensionsKeepTheLeadingValuesRenormalisedAndMoreThanTheWidthIsRefused() {
        float[] full = floats(client.embeddings().create(embed("mini-embed", "matryoshka dolls").build()).data().getFirst().embedding());
        float[] cut = floats(client.embeddings().create(embed("mini-embed", "matryoshka dolls").dimensions(16).build())
                .data().getFirst().embedding());
        assertEquals(16, cut.length);
        double ss = 0;
        for (int i = 0; i < 16; i++) ss += full[i] * full[i];
        double norm = 0;
        for (int i = 0; i < 16; i++) {
            assertEquals(full[i] / Math.sqrt(ss), cut[i], 1e-6, "component " + i);
            norm += cut[i] * cut[i];
        }
        assertEquals(1.0, norm, 1e-5);
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.embeddings().create(embed("mini-embed", "x").dimensions(65).build()));
        assertEquals("dimensions", e.param().orElseThrow());
    }

    @Test
    void anInputLongerThanTheContextIsRefusedUnlessTruncateIsSet() {
        String longText = "word ".repeat(300); // 302 tokens with [CLS] and [SEP]; the context is 128
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.embeddings().create(embed("mini-embed", longText).build()));
        assertEquals("context_length_exceeded", e.code().orElseThrow());
        assertTrue(e.getMessage().contains("128"), e.getMessage());

        CreateEmbeddingResponse r = client.embeddings().create(embed("mini-embed", longText)
                .putAdditionalBodyProperty("truncate", JsonValue.from(true)).build());
        assertEquals(128, r.usage().promptTokens());
        int[] ids = embedder.tokenizer().encode(longText, true, false);
        int[] cut = java.util.Arrays.copyOf(ids, 128);
        cut[127] = ids[ids.length - 1]; // the [SEP] stays at the end
        assertArrayEquals(embedder.encoder().encode(List.of(cut), true)[0], floats(r.data().getFirst().embedding()), 1e-6f);
    }

    @Test
    void theEmbeddingCacheAnswersARepeatedInputAndKeepsDimensionsApart() throws Exception {
        String text = "cached " + System.nanoTime();
        String body = "{\"model\":\"mini-embed\",\"input\":[\"" + text + "\"]}";
        HttpResponse<String> first = raw("/v1/embeddings", body);
        HttpResponse<String> again = raw("/v1/embeddings", body);
        assertEquals("miss", first.headers().firstValue("X-Stellar-Cache").orElse(""));
        assertEquals("hit", again.headers().firstValue("X-Stellar-Cache").orElse(""));
        assertEquals(JSON.readTree(first.body()).at("/data/0/embedding"), JSON.readTree(again.body()).at("/data/0/embedding"));
        HttpResponse<String> cut = raw("/v1/embeddings", body.replace("{", "{\"dimensions\":8,"));
        assertEquals("miss", cut.headers().firstValue("X-Stellar-Cache").orElse(""));
        assertEquals(8, JSON.readTree(cut.body()).at("/data/0/embedding").size());
    }

    private static HttpResponse<String> raw(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRerankerHasNoEmbeddingsAndEncodersDoNotChat() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.embeddings().create(embed("mini-rerank", "x").build()));
        assertEquals("model", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("/v1/rerank"), e.getMessage());
        BadRequestException chat = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("mini-embed")
                        .addUserMessage("hi").build()));
        assertEquals("model", chat.param().orElseThrow());
        assertTrue(chat.getMessage().contains("does not generate"), chat.getMessage());
    }

    // ---- rerank ---------------------------------------------------------------------------------------

    private static JsonNode post(String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void rerankScoresEachPairWithTheCrossEncoderSortedAndCutToTopN() throws Exception {
        String query = "capital of france";
        List<String> docs = List.of("Paris is the capital of France.", "Bananas are yellow.", "Berlin is in Germany.",
                "The Eiffel tower");
        JsonNode r = post("/v1/rerank", JSON.writeValueAsString(java.util.Map.of("model", "mini-rerank", "query", query,
                "documents", docs, "top_n", 3, "return_documents", true)), 200);
        JsonNode results = r.get("results");
        assertEquals(3, results.size());
        // Expected: sigmoid of the engine's logit for [CLS] query [SEP] document [SEP].
        int[] q = reranker.tokenizer().encode(query, true, false);
        List<Double> want = new ArrayList<>();
        int tokens = 0;
        for (String d : docs) {
            int[] dt = reranker.tokenizer().encode(d, true, false);
            int[] pair = new int[q.length + dt.length - 1];
            System.arraycopy(q, 0, pair, 0, q.length);
            System.arraycopy(dt, 1, pair, q.length, dt.length - 1);
            tokens += pair.length;
            float logit = reranker.encoder().encode(List.of(pair), false)[0][0];
            want.add(1 / (1 + Math.exp(-logit)));
        }
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode x : results) {
            int i = x.get("index").asInt();
            double s = x.get("relevance_score").asDouble();
            assertEquals(want.get(i), s, 1e-6, "document " + i);
            assertTrue(s > 0 && s < 1);
            assertTrue(s <= previous, "sorted by descending score");
            previous = s;
            assertEquals(docs.get(i), x.get("document").get("text").asText());
        }
        double lowest = want.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        for (JsonNode x : results) assertTrue(x.get("relevance_score").asDouble() > lowest || docs.size() <= 3);
        assertEquals(tokens, r.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void rerankAliasesTakeDocumentObjectsAndOmitDocumentsUnlessAsked() throws Exception {
        for (String path : List.of("/rerank", "/v2/rerank")) {
            JsonNode r = post(path, "{\"model\":\"mini-rerank\",\"query\":\"q\",\"documents\":[{\"text\":\"a\"},\"b\"]}", 200);
            assertEquals(2, r.get("results").size(), path);
            assertFalse(r.get("results").get(0).has("document"), path);
        }
    }

    @Test
    void rerankWithAnEmbeddingModelRanksByCosineSimilarity() throws Exception {
        JsonNode r = post("/v1/rerank", "{\"model\":\"mini-embed\",\"query\":\"green apples\",\"documents\":"
                + "[\"red trucks on the road\",\"green apples\",\"a quiet harbour\"]}", 200);
        JsonNode top = r.get("results").get(0);
        assertEquals(1, top.get("index").asInt(), r.toString());
        assertEquals(1.0, top.get("relevance_score").asDouble(), 1e-5);
    }

    @Test
    void rerankErrorsNameTheField() throws Exception {
        JsonNode missing = post("/v1/rerank", "{\"model\":\"mini-rerank\",\"query\":\"q\"}", 400);
        assertEquals("documents", missing.get("error").get("param").asText());
        JsonNode wrong = post("/v1/rerank", "{\"model\":\"mini-rerank\",\"query\":\"q\",\"documents\":[1]}", 400);
        assertEquals("documents[0]", wrong.get("error").get("param").asText());
        JsonNode topN = post("/v1/rerank", "{\"model\":\"mini-rerank\",\"query\":\"q\",\"documents\":[\"a\"],\"top_n\":0}", 400);
        assertEquals("top_n", topN.get("error").get("param").asText());
        String longDoc = "word ".repeat(300);
        JsonNode tooLong = post("/v1/rerank", "{\"model\":\"mini-rerank\",\"query\":\"q\",\"documents\":[\"" + longDoc + "\"]}", 400);
        assertEquals("context_length_exceeded", tooLong.get("error").get("code").asText());
        JsonNode cut = post("/v1/rerank", "{\"model\":\"mini-rerank\",\"query\":\"q\",\"truncate\":true,\"documents\":[\""
                + longDoc + "\"]}", 200);
        assertEquals(128, cut.get("usage").get("prompt_tokens").asInt());
        JsonNode unknown = post("/v1/rerank", "{\"model\":\"nope\",\"query\":\"q\",\"documents\":[\"a\"]}", 404);
        assertEquals("model", unknown.get("error").get("param").asText());
    }

    // ---- Ollama -----------------------------------------------------------------------------------------

    @Test
    void ollamaEmbedServesEncodersAndTruncatesByDefault() throws Exception {
        JsonNode r = post("/api/embed", "{\"model\":\"mini-embed\",\"input\":[\"hello world\",\"" + "word ".repeat(300) + "\"]}", 200);
        JsonNode first = r.get("embeddings").get(0);
        float[] want = engineVector(embedder, "hello world");
        assertEquals(want.length, first.size());
        for (int i = 0; i < want.length; i++) assertEquals(want[i], first.get(i).floatValue(), 1e-6f);
        assertEquals(4 + 128, r.get("prompt_eval_count").asInt());
        post("/api/embed", "{\"model\":\"mini-embed\",\"truncate\":false,\"input\":\"" + "word ".repeat(300) + "\"}", 400);
        JsonNode show = post("/api/show", "{\"model\":\"mini-embed\"}", 200);
        assertEquals("[\"embedding\"]", show.get("capabilities").toString());
    }
}
