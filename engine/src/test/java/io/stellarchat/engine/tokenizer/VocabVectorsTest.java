package io.stellarchat.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * llama.cpp's tokenizer test vectors ({@code test-tokenizer-0}): for each vocab GGUF with {@code .inp/.out}
 * files, every input string must tokenize (no BOS, no special parsing) to exactly llama.cpp's ids.
 */
class VocabVectorsTest {
    static final Path SHARED = Path.of(System.getProperty("stellar.shared", "../shared"));
    static final Path VOCABS = SHARED.resolve("testdata/llama-vocab");
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    /** The vocab files whose vectors must pass; a missing or unreadable file fails the test. */
    static Stream<String> vocabFiles() {
        return Stream.of("ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf", "llama3-bpe-vocab.rebuilt.gguf",
                "qwen2-bpe-vocab.rebuilt.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-coder.gguf",
                "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-falcon.gguf", "ggml-vocab-starcoder.gguf",
                "ggml-vocab-refact.gguf", "ggml-vocab-mpt.gguf", "ggml-vocab-bert-bge.gguf",
                // the copies under models/vocab (same vectors, separate files)
                "models/vocab/ggml-vocab-llama-spm.gguf", "models/vocab/ggml-vocab-gpt-2.gguf",
                "models/vocab/ggml-vocab-bert-bge.gguf");
    }

    static Tokenizer tokenizer(String file) {
        return CACHE.computeIfAbsent(file, f -> {
            try {
                return Tokenizer.create(TestVocab.load(path(f)));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + f, e);
            }
        });
    }

    static Path path(String file) {
        return file.startsWith("models/") ? SHARED.resolve(file) : VOCABS.resolve(file);
    }

    record Case(String input, int[] expected) {}

    static List<Case> cases(String file) throws IOException {
        String inp = Files.readString(path(file + ".inp"), StandardCharsets.UTF_8);
        List<String> lines = Files.readAllLines(path(file + ".out"), StandardCharsets.UTF_8);
        String[] inputs = inp.split("\n__ggml_vocab_test__\n", -1);
        assertEquals("", inputs[inputs.length - 1], "the .inp file ends with a separator");
        assertEquals(lines.size(), inputs.length - 1, file + ": one .out line per input");
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            int[] ids = l.isEmpty() ? new int[0] : Arrays.stream(l.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(inputs[i], ids));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabFiles")
    void tokenIdsMatchLlamaCpp(String file) throws IOException {
        Tokenizer tok = tokenizer(file);
        List<String> failures = new ArrayList<>();
        List<Case> cases = cases(file);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            int[] got = tok.encode(c.input(), false, false);
            if (!Arrays.equals(c.expected(), got)) {
                failures.add("#" + i + " " + escape(c.input()) + "\n   expected " + Arrays.toString(c.expected())
                        + "\n   got      " + Arrays.toString(got));
            }
        }
        assertTrue(failures.isEmpty(), file + ": " + failures.size() + "/" + cases.size() + " differ:\n"
                + String.join("\n", failures));
    }

    /**
     * llama.cpp's ids decode back to the input. Vocabularies that clean up tokenization spaces (most BPE ones)
     * change " ," and the like, so those inputs are left out for them. WordPiece (BERT) normalizes text and is
     * not expected to round-trip.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabFiles")
    void decodingTheExpectedIdsGivesBackTheInput(String file) throws IOException {
        Tokenizer tok = tokenizer(file);
        org.junit.jupiter.api.Assumptions.assumeFalse(((GgufTokenizer) tok).normalizesText(), "WordPiece is lossy");
        boolean cleans = ((GgufTokenizer) tok).cleansSpaces();
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Case c : cases(file)) {
            String want = c.input();
            if (cleans && (want.contains(" ?") || want.contains(" !") || want.contains(" .") || want.contains(" ,")
                    || want.contains(" '"))) {
                continue;
            }
            checked++;
            String back = tok.decode(c.expected(), true);
            if (!back.equals(want)) {
                failures.add(escape(want) + " -> " + escape(back));
            }
        }
        assertTrue(checked >= 40, "most inputs are checked");
        assertTrue(failures.isEmpty(), file + ": round trip differs:\n" + String.join("\n", failures));
    }

    /** llama-2-tiny-random.gguf carries the full Llama-2 vocabulary: same tokens, so the same vectors pass. */
    @org.junit.jupiter.api.Test
    void llama2TinyRandomHasTheLlama2VocabularyAndPassesItsVectors() throws IOException {
        Vocabulary tiny = TestVocab.load(SHARED.resolve("models/llama-2-tiny-random.gguf"));
        Vocabulary spm = TestVocab.load(VOCABS.resolve("ggml-vocab-llama-spm.gguf"));
        assertArrayEquals(spm.tokens(), tiny.tokens());
        assertArrayEquals(spm.scores(), tiny.scores());
        assertArrayEquals(spm.tokenTypes(), tiny.tokenTypes());
        Tokenizer tok = Tokenizer.create(tiny);
        for (Case c : cases("ggml-vocab-llama-spm.gguf")) {
            assertArrayEquals(c.expected(), tok.encode(c.input(), false, false), escape(c.input()));
        }
    }

    /**
     * Vocabularies without vectors (gpt-neox: no {@code tokenizer.ggml.pre}, so llama.cpp's default
     * pre-tokenizer; baichuan: SPM) load and round-trip text.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"ggml-vocab-gpt-neox.gguf", "ggml-vocab-baichuan.gguf"})
    void vocabulariesWithoutVectorsLoadAndRoundTrip(String file) {
        Tokenizer tok = tokenizer(file);
        String text = "Hello world\n\n  indented 123456 ü 中文 🦙";
        int[] ids = tok.encode(text, false, false);
        assertTrue(ids.length > 5);
        assertEquals(text, tok.decode(ids, true));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp == '\n') {
                b.append("\\n");
            } else if (cp == '\t') {
                b.append("\\t");
            } else if (cp < 0x20 || cp > 0x7E) {
                b.append(String.format("\\u{%X}", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append('"').toString();
    }
}
