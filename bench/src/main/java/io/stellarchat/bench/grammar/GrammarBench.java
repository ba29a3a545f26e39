package io.stellarchat.bench.grammar;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.sampling.Grammar;
import io.stellarchat.engine.sampling.GrammarMatcher;
import io.stellarchat.engine.sampling.TokenBytes;
import io.stellarchat.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Constrained-decoding costs: compile time of a 50-property JSON Schema, and the time to compute one token
 * mask along a realistic decode (the tokens of a schema-valid document, as a model would emit them).
 *
 * <p>Run: {@code ./stellar bench grammar [vocab.gguf]} (default: Llama 3's 128k byte-level BPE vocabulary
 * from {@code ../shared/testdata/llama-vocab}). Prints compile time (cold = first in the JVM, then p50/p99
 * of distinct schemas so the compile cache never answers), the vocabulary-trie build time, and mask time
 * per token p50/p99/max for a first document (empty mask cache: every new automaton state walks the trie)
 * and a second one with other values (warm cache), each against the baseline of one pass over the mask
 * words (the copy every decode step pays anyway).
 */
public final class GrammarBench {
    private GrammarBench() {}

    static String schema(int props, String description) {
        return schema(props, description, true);
    }

    /** {@code props} properties cycling string, integer 0..1000, boolean, enum, array of numbers. */
    static String schema(int props, String description, boolean boundedStrings) {
        StringBuilder sb = new StringBuilder("{\"type\":\"object\",\"description\":\"" + description
                + "\",\"properties\":{");
        List<String> required = new ArrayList<>();
        for (int i = 0; i < props; i++) {
            if (i > 0) {
                sb.append(',');
            }
            String type = switch (i % 5) {
                case 0 -> boundedStrings ? "{\"type\":\"string\",\"maxLength\":40}" : "{\"type\":\"string\"}";
                case 1 -> "{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000}";
                case 2 -> "{\"type\":\"boolean\"}";
                case 3 -> "{\"enum\":[\"low\",\"medium\",\"high\"]}";
                default -> "{\"type\":\"array\",\"items\":{\"type\":\"number\"},\"maxItems\":4}";
            };
            sb.append("\"field_").append(i).append("\":").append(type);
            if (i % 3 != 2) {
                required.add("\"field_" + i + "\"");
            }
        }
        return sb.append("},\"required\":[").append(String.join(",", required))
                .append("],\"additionalProperties\":false}").toString();
    }

    static String document(int props, int variant) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < props; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            String value = switch (i % 5) {
                case 0 -> "\"" + (variant == 0 ? "the quick brown fox" : "jumps over the lazy dog " + i) + "\"";
                case 1 -> Integer.toString((i * 37 + variant * 11) % 1000);
                case 2 -> variant == 0 ? "true" : "false";
                case 3 -> variant == 0 ? "\"medium\"" : "\"high\"";
                default -> variant == 0 ? "[1.5, 2, -3.25]" : "[]";
            };
            sb.append("\"field_").append(i).append("\": ").append(value);
        }
        return sb.append('}').toString();
    }

    public static void main(String[] args) throws Exception {
        Path vocabFile = Path.of(args.length > 0 ? args[0] : "../shared/testdata/llama-vocab/llama3-bpe-vocab.rebuilt.gguf");
        int props = 50;

        long t0 = System.nanoTime();
        Grammar.jsonSchema(schema(props, "cold"), true);
        double cold = (System.nanoTime() - t0) / 1e6;
        for (int i = 0; i < 30; i++) {
            Grammar.jsonSchema(schema(props, "warm-up " + i), true);
        }
        double[] compile = new double[50];
        for (int i = 0; i < compile.length; i++) {
            long s = System.nanoTime();
            Grammar.jsonSchema(schema(props, "run " + i), true);
            compile[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(compile);
        System.out.printf("compile %d-property schema: cold %.2f ms, warm p50 %.2f ms, p99 %.2f ms%n", props, cold,
                compile[compile.length / 2], compile[compile.length - 1]);

        Tokenizer tok;
        try (GgufFile gguf = GgufFile.open(vocabFile)) {
            tok = Tokenizer.fromGguf(gguf.metadata());
        }
        long b0 = System.nanoTime();
        TokenBytes vocab = TokenBytes.of(tok);
        System.out.printf("vocabulary %s: %d tokens, trie built in %.1f ms%n", vocabFile.getFileName(),
                tok.vocabSize(), (System.nanoTime() - b0) / 1e6);

        long[] mask = new long[vocab.maskWords()];
        // JIT warm-up on another grammar (own caches), so "cold" below means a new schema on a warm server
        Grammar warm = Grammar.jsonSchema(schema(props, "jit warm-up"), true);
        for (int variant = 0; variant < 3; variant++) {
            GrammarMatcher m = new GrammarMatcher(warm, vocab);
            for (int t : tok.encode(document(props, variant), false, false)) {
                m.fillMask(mask);
                m.accept(t);
            }
        }
        for (boolean bounded : new boolean[] {true, false}) {
        System.out.println(bounded ? "strings with maxLength 40:" : "strings without maxLength:");
        Grammar g = Grammar.jsonSchema(schema(props, "masks", bounded), true);
        for (int variant = 0; variant < 3; variant++) {
            String doc = document(props, variant);
            int[] tokens = tok.encode(doc, false, false);
            GrammarMatcher m = new GrammarMatcher(g, vocab);
            double[] times = new double[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                long s = System.nanoTime();
                m.fillMask(mask);
                times[i] = (System.nanoTime() - s) / 1e3;
                if (!m.accept(tokens[i])) {
                    throw new IllegalStateException("document token " + i + " refused: " + doc);
                }
            }
            if (!m.isComplete()) {
                throw new IllegalStateException("document did not complete the grammar");
            }
            long s = System.nanoTime();
            long sink = 0;
            for (int i = 0; i < 100; i++) {
                for (long w : mask) {
                    sink += w;
                }
            }
            double pass = (System.nanoTime() - s) / 1e3 / 100;
            Arrays.sort(times);
            System.out.printf("doc %d (%s cache): %d tokens, mask p50 %.1f us, p99 %.1f us, max %.1f us "
                            + "(baseline mask pass %.2f us) [%s]%n",
                    variant, variant == 0 ? "cold" : "warm", tokens.length, times[times.length / 2],
                    times[(int) Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)],
                    times[times.length - 1], pass, m.maskStats() + (sink == 42 ? "" : ""));
        }
        }
    }
}
