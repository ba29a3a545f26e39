package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.stellarchat.server.cli.StellarService;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * The OpenAI-compatible API driven by the official OpenAI Java SDK against a real server on port 0 serving
 * the trained {@code stories260K} model. Exact outputs are checked against the greedy continuation of BOS
 * documented in {@code shared/models/README.md} (a NumPy reference forward pass and llama2.c's README).
 */
class OpenAiSdkTest {
    static final String MODEL = StoriesServer.MODEL;
    /** Greedy continuation of BOS alone, 32 tokens (shared/models/README.md, "Golden vector"). */
    static final String GOLDEN_32 =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One";

    @TempDir
    static Path emptyDir;
    static StellarService service;
    static OpenAIClient client;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        service = StoriesServer.start(emptyDir, 16);
        port = service.port();
        client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("unused")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (service != null) {
            service.close();
        }
    }

    static ChatCompletionCreateParams.Builder chat(String user) {
        return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(user);
    }

    static CompletionCreateParams.Builder completion(String prompt) {
        return CompletionCreateParams.builder().model(MODEL).prompt(prompt);
    }

    // ---- completions: exact text against the documented greedy output ---------------------------------

    @Test
    void greedyCompletionOfEmptyPromptMatchesTheReferenceContinuation() {
        Completion c = client.completions().create(completion("").maxTokens(32).temperature(0.0).build());
        assertEquals(1, c.choices().size());
        assertEquals(GOLDEN_32, c.choices().getFirst().text().strip());
        assertEquals("length", c.choices().getFirst().finishReason().asString());
        var usage = c.usage().orElseThrow();
        assertEquals(1, usage.promptTokens(), "the empty prompt is BOS alone");
        assertEquals(32, usage.completionTokens());
        assertEquals(33, usage.totalTokens());
        assertEquals(MODEL, c.model());
        assertTrue(c.id().startsWith("cmpl-"), c.id());
    }

    @Test
    void streamedCompletionConcatenatesToTheSameText() {
        StringBuilder text = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        try (StreamResponse<Completion> s = client.completions().createStreaming(
                completion("").maxTokens(32).temperature(0.0).build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> {
                text.append(ch.text());
                ch._finishReason().asKnown().ifPresent(f -> finishes.add(f.asString()));
            }));
        }
        assertEquals(GOLDEN_32, text.toString().strip());
        assertEquals(List.of("length"), finishes);
    }

    @Test
    void maxTokensEndsWithLengthAndAPrefixOfTheReference() {
        Completion c = client.completions().create(completion("").maxTokens(5).temperature(0.0).build());
        String text = c.choices().getFirst().text().strip();
        assertEquals("length", c.choices().getFirst().finishReason().asString());
        assertEquals(5, c.usage().orElseThrow().completionTokens());
        assertFalse(text.isEmpty());
        assertTrue(GOLDEN_32.startsWith(text), text);
        assertTrue(text.length() < "Once upon a time, there was".length(), text);
    }

    @Test
    void stopSequenceCutsTheTextBeforeItAndReportsStop() {
        Completion c = client.completions().create(completion("").maxTokens(32).temperature(0.0).stop("Lily").build());
        assertEquals("Once upon a time, there was a little girl named", c.choices().getFirst().text().strip());
        assertEquals("stop", c.choices().getFirst().finishReason().asString());
        assertTrue(c.usage().orElseThrow().completionTokens() < 32);

        // Streamed, the text held back while it could still become the stop sequence never reaches the client.
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> st = client.completions().createStreaming(
                completion("").maxTokens(32).temperature(0.0).stop("Lily").build())) {
            st.stream().forEach(chunk -> chunk.choices().forEach(x -> streamed.append(x.text())));
        }
        assertEquals(c.choices().getFirst().text(), streamed.toString());

        ChatCompletion chat = client.chat().completions().create(
                chat("Tell me a story.").maxCompletionTokens(60).temperature(0.0).stop(".").build());
        ChatCompletion.Choice ch = chat.choices().getFirst();
        assertFalse(ch.message().content().orElseThrow().contains("."), ch.message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, ch.finishReason());
    }

    // ---- chat -----------------------------------------------------------------------------------------

    @Test
    void chatNonStreamingIsDeterministicWhenGreedyAndMatchesTheStream() {
        ChatCompletionCreateParams params = chat("Once upon a time").maxTokens(24).temperature(0.0).build();
        ChatCompletion a = client.chat().completions().create(params);
        ChatCompletion b = client.chat().completions().create(params);
        assertTrue(a.id().startsWith("chatcmpl-"), a.id());
        assertEquals(MODEL, a.model());
        assertEquals(1, a.choices().size());
        String text = a.choices().getFirst().message().content().orElseThrow();
        assertFalse(text.isBlank());
        assertEquals(text, b.choices().getFirst().message().content().orElseThrow());
        var usage = a.usage().orElseThrow();
        assertTrue(usage.promptTokens() > 1);
        assertTrue(usage.completionTokens() >= 1 && usage.completionTokens() <= 24, usage.toString());
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());

        // The same request streamed, with usage: every chunk but the last has usage null; the last has no choices.
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                chat("Once upon a time").maxTokens(24).temperature(0.0)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            chunks = s.stream().toList();
        }
        assertTrue(chunks.size() >= 3, "role chunk, content, finish, usage: " + chunks.size());
        ChatCompletionChunk last = chunks.getLast();
        assertTrue(last.choices().isEmpty(), "the usage chunk has no choices");
        var streamedUsage = last.usage().orElseThrow();
        assertEquals(usage.promptTokens(), streamedUsage.promptTokens());
        assertEquals(usage.completionTokens(), streamedUsage.completionTokens());
        StringBuilder streamed = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        for (ChatCompletionChunk c : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(c.usage().isEmpty(), "usage before the last chunk: " + c);
            assertTrue(c._usage().isNull(), "usage is sent as null: " + c._usage());
            assertEquals(chunks.getFirst().id(), c.id());
            assertEquals(chunks.getFirst().created(), c.created());
            assertEquals(1, c.choices().size());
            c.choices().getFirst().delta().content().ifPresent(streamed::append);
            c.choices().getFirst().finishReason().ifPresent(f -> finishes.add(f.asString()));
        }
        assertEquals("assistant", chunks.getFirst().choices().getFirst().delta().role().orElseThrow().asString());
        assertEquals(text, streamed.toString());
        assertEquals(List.of(a.choices().getFirst().finishReason().asString()), finishes);
    }

    @Test
    void nTwoGivesTwoIndexedChoicesAndSummedUsage() {
        ChatCompletion c = client.chat().completions().create(
                chat("Hello").n(2).maxTokens(12).temperature(1.0).seed(7).build());
        assertEquals(2, c.choices().size());
        assertEquals(0, c.choices().get(0).index());
        assertEquals(1, c.choices().get(1).index());
        for (ChatCompletion.Choice ch : c.choices()) {
            assertFalse(ch.message().content().orElseThrow().isEmpty());
        }
        var usage = c.usage().orElseThrow();
        assertTrue(usage.completionTokens() >= 2 && usage.completionTokens() <= 24, usage.toString());
    }

    @Test
    void streamedNTwoWithUsageCountsBothChoices() {
        List<Completion> chunks;
        try (StreamResponse<Completion> s = client.completions().createStreaming(completion("").n(2).maxTokens(6)
                .temperature(0.0).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            chunks = s.stream().toList();
        }
        StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
        for (Completion c : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(c.usage().isEmpty());
            c.choices().forEach(ch -> text[(int) ch.index()].append(ch.text()));
        }
        assertEquals(text[0].toString(), text[1].toString(), "greedy: both choices are the same");
        assertTrue(GOLDEN_32.startsWith(text[0].toString().strip()), text[0].toString());
        var usage = chunks.getLast().usage().orElseThrow();
        assertTrue(chunks.getLast().choices().isEmpty());
        assertEquals(12, usage.completionTokens());
        assertEquals(1, usage.promptTokens(), "the prompt is counted once");
    }

    @Test
    void sameSeedSameTextDifferentSeedDifferentText() {
        String a = sampled(1234);
        String b = sampled(1234);
        assertEquals(a, b, "same seed and temperature > 0 must reproduce the text");
        // Two other seeds: at temperature 1.2 over 40 tokens, both matching would be a broken seed.
        assertTrue(!sampled(99).equals(a) || !sampled(4321).equals(a), "different seeds gave the same text: " + a);
    }

    private static String sampled(long seed) {
        return client.chat().completions().create(
                        chat("Once upon a time").maxTokens(40).temperature(1.2).seed(seed).build())
                .choices().getFirst().message().content().orElseThrow();
    }

    @Test
    void logprobsWithTopAlternativesAreConsistent() {
        ChatCompletion c = client.chat().completions().create(
                chat("Once upon a time").maxTokens(8).temperature(0.0).logprobs(true).topLogprobs(3).build());
        ChatCompletion.Choice ch = c.choices().getFirst();
        List<ChatCompletionTokenLogprob> content = ch.logprobs().orElseThrow().content().orElseThrow();
        assertEquals(c.usage().orElseThrow().completionTokens(), content.size());
        StringBuilder joined = new StringBuilder();
        for (ChatCompletionTokenLogprob t : content) {
            joined.append(t.token());
            assertTrue(t.logprob() <= 0, "a log-probability is <= 0: " + t.logprob());
            assertEquals(3, t.topLogprobs().size());
            // Greedy: the chosen token is the most likely one, so it heads the alternatives.
            assertEquals(t.token(), t.topLogprobs().getFirst().token());
            assertEquals(t.logprob(), t.topLogprobs().getFirst().logprob(), 1e-5);
            double mass = 0;
            for (int i = 0; i < 3; i++) {
                mass += Math.exp(t.topLogprobs().get(i).logprob());
                if (i > 0) {
                    assertTrue(t.topLogprobs().get(i).logprob() <= t.topLogprobs().get(i - 1).logprob());
                }
            }
            assertTrue(mass <= 1.0 + 1e-4, "probabilities sum to at most 1: " + mass);
            assertEquals(List.copyOf(toLongs(t.token())), t.bytes().orElseThrow());
        }
        assertEquals(ch.message().content().orElseThrow(), joined.toString());
    }

    @Test
    void streamedLogprobsCoverEveryTokenOnce() {
        ChatCompletionCreateParams.Builder p = chat("Once upon a time").maxTokens(10).temperature(0.0)
                .logprobs(true).topLogprobs(2);
        ChatCompletion whole = client.chat().completions().create(p.build());
        List<ChatCompletionTokenLogprob> expected = whole.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        List<ChatCompletionTokenLogprob> streamed = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p.build())) {
            s.stream().forEach(c -> c.choices().forEach(ch -> ch.logprobs()
                    .flatMap(ChatCompletionChunk.Choice.Logprobs::content).ifPresent(streamed::addAll)));
        }
        assertEquals(expected.stream().map(ChatCompletionTokenLogprob::token).toList(),
                streamed.stream().map(ChatCompletionTokenLogprob::token).toList());
        for (int i = 0; i < expected.size(); i++) {
            // Not bit-identical: two runs of the forward pass differ in the 7th digit (threaded reductions).
            assertEquals(expected.get(i).logprob(), streamed.get(i).logprob(), 1e-4);
            assertEquals(2, streamed.get(i).topLogprobs().size());
        }
    }

    @Test
    void logprobBytesAreTheTokensOwnBytesForByteFallbackTokens() {
        // Token 229 is the byte-fallback token <0xE2> (ids 3..258 are <0x00>..<0xFF>): alone it is not valid
        // UTF-8, so its text is U+FFFD and only `bytes` carries the real byte.
        ChatCompletion c = client.chat().completions().create(chat("Hi").maxTokens(2).temperature(0.0)
                .logprobs(true).topLogprobs(2)
                .putAdditionalBodyProperty("logit_bias", JsonValue.from(java.util.Map.of("229", 100))).build());
        List<ChatCompletionTokenLogprob> content = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertEquals(2, content.size());
        for (ChatCompletionTokenLogprob t : content) {
            assertEquals("\uFFFD", t.token());
            assertEquals(List.of(0xE2L), t.bytes().orElseThrow());
            assertEquals(List.of(0xE2L), t.topLogprobs().getFirst().bytes().orElseThrow());
        }
    }

    private static List<Long> toLongs(String s) {
        List<Long> out = new ArrayList<>();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            out.add((long) (b & 0xFF));
        }
        return out;
    }

    // ---- embeddings -----------------------------------------------------------------------------------

    @Test
    void embeddingsAreUnitLength64AndBase64DecodesToTheSameFloats() {
        CreateEmbeddingResponse f = client.embeddings().create(EmbeddingCreateParams.builder().model(MODEL)
                .input("The cat sat on the mat.").encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
        List<Float> v = f.data().getFirst().embedding();
        assertEquals(64, v.size());
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        assertEquals(1.0, Math.sqrt(norm), 1e-4);
        assertTrue(f.usage().promptTokens() > 1);

        CreateEmbeddingResponse b = client.embeddings().create(EmbeddingCreateParams.builder().model(MODEL)
                .input("The cat sat on the mat.").encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        var value = b.data().getFirst().embeddingValue();
        assertTrue(value.isBase64(), "base64 was asked for: " + value);
        String b64 = value.asBase64();
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(64 * 4, bytes.remaining());
        for (int i = 0; i < 64; i++) {
            assertEquals(v.get(i), bytes.getFloat(), 0f, "component " + i);
        }

        List<Float> other = client.embeddings().create(EmbeddingCreateParams.builder().model(MODEL)
                .input("A dog ran in the park.").encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build())
                .data().getFirst().embedding();
        double cos = 0;
        for (int i = 0; i < 64; i++) {
            cos += v.get(i) * other.get(i);
        }
        assertTrue(cos < 0.9999, "different texts, different embeddings: cos " + cos);
    }

    // ---- models ---------------------------------------------------------------------------------------

    @Test
    void modelsListAndRetrieve() {
        List<Model> models = client.models().list().data();
        assertEquals(List.of(MODEL), models.stream().map(Model::id).toList());
        Model m = client.models().retrieve(MODEL);
        assertEquals(MODEL, m.id());
        assertEquals("stellarchat", m.ownedBy());
        assertEquals(MODEL, client.models().retrieve("stories").id(), "an alias names the same model");
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.models().retrieve("no-such-model"));
        assertEquals("model_not_found", e.code().orElseThrow());
    }

    // ---- errors ---------------------------------------------------------------------------------------

    @Test
    void unknownModelIsNotFoundWithItsCode() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-nothing").addUserMessage("hi").build()));
        assertEquals(404, e.statusCode());
        assertEquals("model_not_found", e.code().orElseThrow());
        assertEquals("model", e.param().orElseThrow());
    }

    @Test
    void wrongTypeIsBadRequestNamingTheParameter() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                chat("hi").putAdditionalBodyProperty("max_tokens", JsonValue.from("ten")).build()));
        assertEquals(400, e.statusCode());
        assertEquals("max_tokens", e.param().orElseThrow());
        assertEquals("invalid_request_error", e.type().orElseThrow());
    }

    @Test
    void promptPlusMaxTokensOverTheContextIsContextLengthExceeded() {
        int ctx = service.models().find(MODEL).orElseThrow().contextLength();
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.completions().create(
                completion("").maxTokens(ctx + 100).build()));
        assertEquals("context_length_exceeded", e.code().orElseThrow());
        String msg = e.getMessage();
        assertTrue(msg.contains(Integer.toString(ctx)), msg);
        assertTrue(msg.contains(Integer.toString(ctx + 101)), "prompt (1) + max_tokens: " + msg);
        assertEquals("prompt", e.param().orElseThrow());

        BadRequestException chatError = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(chat("hi").maxCompletionTokens(ctx).build()));
        assertEquals("context_length_exceeded", chatError.code().orElseThrow());
        assertEquals("messages", chatError.param().orElseThrow());
        assertTrue(chatError.getMessage().contains(Integer.toString(ctx)), chatError.getMessage());
    }
}
