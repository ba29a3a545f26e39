package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The trie walk's mask equals a brute-force check of every token on its own, on real vocabularies
 * (SentencePiece with byte fallback, GPT-2 byte-level BPE, Llama 3's 128k byte-level BPE), along random
 * walks through several grammars; control tokens are never allowed, end tokens exactly where the grammar
 * may end.
 */
class TokenMaskTest {
    private static final Path SHARED = Path.of(System.getProperty("stellar.shared", "../shared"));

    static Stream<String> vocabularies() {
        return Stream.of("models/stories260K.gguf", "testdata/llama-vocab/ggml-vocab-gpt-2.gguf",
                "testdata/llama-vocab/llama3-bpe-vocab.rebuilt.gguf");
    }

    static Tokenizer tokenizer(String file) throws IOException {
        try (GgufFile gguf = GgufFile.open(SHARED.resolve(file))) {
            return Tokenizer.fromGguf(gguf.metadata());
        }
    }

    static List<Grammar> grammars() {
        return List.of(
                Grammar.jsonObject(),
                Grammar.jsonSchema(TestSchemas.ALL.get(29), true),
                Grammar.jsonSchema(TestSchemas.ALL.get(31), true),
                Grammar.gbnf("root ::= (\"héllo\" | [α-ω]+ | \"<tool_call>\" [0-9]{1,3}) (\" \" root)?"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void trieMaskEqualsBruteForceAlongRandomWalks(String file) throws IOException {
        Tokenizer tok = tokenizer(file);
        TokenBytes vocab = TokenBytes.of(tok);
        long[] mask = new long[vocab.maskWords()];
        int states = 0;
        for (Grammar g : grammars()) {
            int walks = tok.vocabSize() > 100_000 ? 1 : 2; // the brute-force side costs V advances per state
            for (int walk = 0; walk < walks; walk++) {
                Random rnd = new Random(31L * walk + g.hashCode() % 7);
                GrammarMatcher m = new GrammarMatcher(g, vocab);
                int steps = tok.vocabSize() > 100_000 ? 16 : 30;
                for (int step = 0; step < steps; step++) {
                    m.fillMask(mask);
                    states++;
                    List<Integer> allowed = new ArrayList<>();
                    for (int t = 0; t < tok.vocabSize(); t++) {
                        boolean bit = ((mask[t >>> 6] >>> t) & 1L) != 0;
                        if (m.isAllowed(t) != bit) { // message built only on failure: this runs V times a state
                            fail(file + " " + g + " step " + step + " token " + t + " '" + tok.tokenText(t)
                                    + "': mask says " + bit);
                        }
                        if (bit && tok.isControl(t)) {
                            assertTrue(tok.isEndOfGeneration(t) && m.canEnd(), "control token " + t + " allowed");
                        }
                        if (bit && !tok.isEndOfGeneration(t)) {
                            allowed.add(t);
                        }
                    }
                    if (allowed.isEmpty()) {
                        assertTrue(m.canEnd(), "a dead end must be the end of the grammar");
                        break;
                    }
                    int pick = allowed.get(rnd.nextInt(allowed.size()));
                    assertTrue(m.accept(pick));
                }
            }
        }
        assertTrue(states >= 60, "walked " + states + " states");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void endTokensOnlyWhereTheGrammarMayEnd(String file) throws IOException {
        Tokenizer tok = tokenizer(file);
        TokenBytes vocab = TokenBytes.of(tok);
        int eos = tok.eos().orElseThrow();
        GrammarMatcher m = new GrammarMatcher(Grammar.gbnf("root ::= \"a\" \"b\"?"), vocab);
        long[] mask = new long[vocab.maskWords()];
        m.fillMask(mask);
        assertFalse(bit(mask, eos));
        assertFalse(m.accept(eos), "end before the grammar can end");
        for (int t = 0; t < tok.vocabSize(); t++) {
            if ("a".equals(new String(tok.pieceBytes(t, false)))) {
                assertTrue(m.accept(t));
                break;
            }
        }
        assertTrue(m.canEnd());
        assertFalse(m.isComplete(), "\"b\" may still follow");
        m.fillMask(mask);
        assertTrue(bit(mask, eos));
    }

    private static boolean bit(long[] mask, int t) {
        return ((mask[t >>> 6] >>> t) & 1L) != 0;
    }
}
