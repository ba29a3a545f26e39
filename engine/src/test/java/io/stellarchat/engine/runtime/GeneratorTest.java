package io.stellarchat.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End-to-end generation on the trained stories260K model against llama.cpp's greedy continuations. */
class GeneratorTest {
    private static final Path SHARED = Path.of(System.getProperty("stellar.shared", "../shared"));
    private static Model model;
    private static Generator generator;
    private static JsonNode pack;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(SHARED.resolve("models/stories260K.gguf"), ModelOptions.defaults().withThreads(2));
        generator = new Generator(model);
        pack = new ObjectMapper().readTree(SHARED.resolve("testdata/engine/stories260K.json").toFile());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationRequest greedy(int[] prompt, int maxTokens, List<String> stop) {
        return new GenerationRequest(prompt, SamplingParams.greedy(), maxTokens, stop, false, 512);
    }

    @Test
    void greedyContinuationsEqualLlamaCpp() {
        for (JsonNode cs : pack.get("cases")) {
            if (!cs.has("prompt")) {
                continue;
            }
            String prompt = cs.get("prompt").asText();
            int[] tokens = model.tokenizer().encode(prompt, true, false);
            int[] expectedPrompt = ints(cs.get("tokens"));
            assertEquals(java.util.Arrays.toString(expectedPrompt), java.util.Arrays.toString(tokens), prompt);
            List<Integer> ids = new ArrayList<>();
            StringBuilder streamed = new StringBuilder();
            GenerationRequest req = new GenerationRequest(tokens, SamplingParams.greedy(),
                    cs.get("n_generate").asInt(), List.of(), true, 512);
            GenerationResult r = generator.generate(req, new CancellationToken(), e -> {
                switch (e) {
                    case GenerationEvent.Token t -> {
                        ids.add(t.token());
                        streamed.append(t.text());
                    }
                    case GenerationEvent.Tail t -> streamed.append(t.text());
                }
            });
            List<Integer> expected = new ArrayList<>();
            cs.get("llamacpp").get("greedy").forEach(g -> expected.add(g.get("id").asInt()));
            assertEquals(expected, ids, prompt);
            assertEquals(cs.get("llamacpp").get("continuation_text").asText(), streamed.toString(), prompt);
            assertEquals(streamed.toString(), r.text());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(tokens.length, r.usage().promptTokens());
            assertEquals(expected.size(), r.usage().completionTokens());
        }
    }

    @Test
    void stopSequenceEndsGenerationAndIsNotEmitted() {
        int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
        StringBuilder streamed = new StringBuilder();
        GenerationResult r = generator.generate(greedy(prompt, 64, List.of("Lily")), new CancellationToken(),
                e -> streamed.append(e instanceof GenerationEvent.Token t ? t.text() : ((GenerationEvent.Tail) e).text()));
        assertEquals(FinishReason.STOP_SEQUENCE, r.finishReason());
        assertEquals(", there was a little girl named ", r.text());
        assertEquals(r.text(), streamed.toString());
    }

    @Test
    void cancellationStopsAtTheNextToken() {
        int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
        CancellationToken cancel = new CancellationToken();
        int[] seen = {0};
        GenerationResult r = generator.generate(greedy(prompt, 64, List.of()), cancel, e -> {
            if (e instanceof GenerationEvent.Token && ++seen[0] == 5) {
                cancel.cancel();
            }
        });
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(5, r.usage().completionTokens());
    }

    @Test
    void maxTokensEndsWithLength() {
        int[] prompt = model.tokenizer().encode("The little cat", true, false);
        GenerationResult r = generator.generate(greedy(prompt, 3, List.of()), new CancellationToken(), e -> { });
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(3, r.usage().completionTokens());
    }

    @Test
    void promptLongerThanContextFailsWithBothNumbers() {
        int[] prompt = new int[40];
        java.util.Arrays.fill(prompt, 300);
        GenerationRequest req = new GenerationRequest(prompt, SamplingParams.greedy(), 10, List.of(), false, 32);
        ContextOverflowException e = assertThrows(ContextOverflowException.class,
                () -> generator.generate(req, new CancellationToken(), ev -> { }));
        assertTrue(e.getMessage().contains("40") && e.getMessage().contains("32"), e.getMessage());
    }

    @Test
    void sameSeedSameTextOtherSeedOtherText() {
        int[] prompt = model.tokenizer().encode("Lily and Tom", true, false);
        SamplingParams p = SamplingParams.defaults().withTemperature(1.5f).withTopK(0).withTopP(1f).withMinP(0f);
        String a = generator.generate(new GenerationRequest(prompt, p.withSeed(7), 48, List.of(), true, 512),
                new CancellationToken(), e -> { }).text();
        String b = generator.generate(new GenerationRequest(prompt, p.withSeed(7), 48, List.of(), true, 512),
                new CancellationToken(), e -> { }).text();
        String c = generator.generate(new GenerationRequest(prompt, p.withSeed(8), 48, List.of(), true, 512),
                new CancellationToken(), e -> { }).text();
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertFalse(a.isEmpty());
    }

    /**
     * Regression: the same request gave log-probabilities that differed in the last bits while the JIT was
     * still compiling the kernels (reduceLanes may add lanes in any order, and interpreted and compiled code
     * used different orders). Repeats span the interpreted, C1 and C2 forms of the kernels in a fresh JVM.
     */
    @Test
    void repeatedRequestsGiveBitIdenticalLogprobs() {
        int[] prompt = model.tokenizer().encode("The little cat", true, false);
        GenerationRequest req = new GenerationRequest(prompt, SamplingParams.greedy().withTopLogprobs(3), 12,
                List.of(), true, 512);
        List<Float> first = null;
        for (int run = 0; run < 25; run++) {
            List<Float> lps = new ArrayList<>();
            generator.generate(req, new CancellationToken(), e -> {
                if (e instanceof GenerationEvent.Token t) {
                    lps.add(t.logprob());
                    t.top().forEach(a -> lps.add(a.logprob()));
                }
            });
            if (first == null) {
                first = lps;
            } else {
                assertEquals(first, lps, "run " + run);
            }
        }
    }

    private static int[] ints(JsonNode arr) {
        int[] r = new int[arr.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = arr.get(i).asInt();
        }
        return r;
    }
}
