package io.stellarchat.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Prompt text of about a given number of tokens, different for every request, so that the prefix cache
 * finds nothing to reuse unless the benchmark asks for a shared prefix. Words are drawn from a fixed list
 * with a random generator seeded per request (so two runs send the same prompts); the words-to-tokens ratio
 * is measured once on the server's own tokenizer ({@code POST /tokenize}, which both StellarChat and
 * llama-server answer), else assumed to be {@link #DEFAULT_TOKENS_PER_WORD}.
 */
final class PromptText {
    /** A common ratio for English prose under Llama-style BPE vocabularies. */
    static final double DEFAULT_TOKENS_PER_WORD = 1.3;

    private static final String[] WORDS = ("the a an river mountain city garden window letter morning evening "
            + "winter summer market teacher doctor farmer sailor painter child friend neighbour stranger village "
            + "forest bridge station library kitchen harbour island desert valley castle tower road path field "
            + "storm rain snow wind sun moon star cloud fire stone water bread apple orange lamp clock mirror "
            + "door key book song story question answer reason plan journey voice silence music picture colour "
            + "walked carried opened found lost remembered noticed wondered built painted wrote read sang "
            + "followed crossed climbed watched heard asked answered waited smiled laughed slowly quietly "
            + "suddenly carefully early late always never often again together alone quickly gently "
            + "old young small large bright dark warm cold quiet busy strange simple careful happy tired "
            + "and but so because while after before when then until near behind under over across through "
            + "with without into from about").split(" ");

    private final double tokensPerWord;
    private final long seed;

    PromptText(double tokensPerWord, long seed) {
        if (!(tokensPerWord > 0.1 && tokensPerWord < 20)) {
            throw new IllegalArgumentException("implausible tokens per word: " + tokensPerWord);
        }
        this.tokensPerWord = tokensPerWord;
        this.seed = seed;
    }

    double tokensPerWord() {
        return tokensPerWord;
    }

    /**
     * About {@code tokens} tokens of text; the same {@code stream} gives the same text, different streams
     * differ from their first words.
     */
    String text(int tokens, long stream) {
        int words = Math.max(1, (int) Math.round(tokens / tokensPerWord));
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stream);
        StringBuilder sb = new StringBuilder(words * 7);
        boolean capital = true;
        for (int i = 0; i < words; i++) {
            String w = WORDS[random.nextInt(WORDS.length)];
            if (capital) {
                w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                capital = false;
            }
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(w);
            if (i % 12 == 11 || i == words - 1) {
                sb.append('.');
                capital = true;
            }
        }
        return sb.toString();
    }

    /**
     * Tokens per word of the server's tokenizer, from {@code POST /tokenize} on a sample of this text;
     * {@link #DEFAULT_TOKENS_PER_WORD} when the server has no such endpoint.
     */
    static double measureTokensPerWord(HttpClient http, URI base, ObjectMapper json, long seed) {
        PromptText probe = new PromptText(1.0, seed);
        String sample = probe.text(400, -7);
        int words = sample.split(" ").length;
        try {
            HttpRequest req = HttpRequest.newBuilder(base.resolve("/tokenize")).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.createObjectNode().put("content", sample).toString()))
                    .build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return DEFAULT_TOKENS_PER_WORD;
            }
            JsonNode tokens = json.readTree(r.body()).get("tokens");
            if (tokens == null || !tokens.isArray() || tokens.isEmpty()) {
                return DEFAULT_TOKENS_PER_WORD;
            }
            return (double) tokens.size() / words;
        } catch (IOException e) {
            return DEFAULT_TOKENS_PER_WORD;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DEFAULT_TOKENS_PER_WORD;
        }
    }
}
