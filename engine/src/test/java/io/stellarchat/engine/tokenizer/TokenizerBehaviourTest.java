package io.stellarchat.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Special tokens, BOS/EOS, end-of-generation, decoding rules and the stories260K prompts. */
class TokenizerBehaviourTest {
    static final Path SHARED = VocabVectorsTest.SHARED;

    static Tokenizer stories() throws IOException {
        return TestVocab.tokenizer(SHARED.resolve("models/stories260K.gguf"));
    }

    static Tokenizer vocab(String file) {
        return VocabVectorsTest.tokenizer(file);
    }

    // ---- stories260K (testdata/engine/README.md, stories260K.json) ----------------------------------------

    @Test
    void stories260kPromptsTokenizeLikeLlamaCppWithBos() throws IOException {
        Tokenizer tok = stories();
        JsonNode cases = new ObjectMapper().readTree(SHARED.resolve("testdata/engine/stories260K.json").toFile()).get("cases");
        int checked = 0;
        for (JsonNode c : cases) {
            if (!c.has("prompt")) {
                continue;
            }
            int[] want = ids(c.get("tokens"));
            assertArrayEquals(want, tok.encode(c.get("prompt").asText(), true, false), c.get("name").asText());
            checked++;
        }
        assertEquals(3, checked, "P1-P3");
        // The README's table, literally.
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tok.encode("Once upon a time", true, false));
        assertArrayEquals(new int[] {1, 317, 269, 274, 287, 263, 377, 267, 265, 282, 295, 433, 426},
                tok.encode("Lily and Tom went to the park.", true, false));
        assertArrayEquals(new int[] {1, 291, 376, 280, 294}, tok.encode("The little cat", true, false));
    }

    @Test
    void stories260kFullTextKeepsTheSpaceAfterBosAndContinuationStreamsPieceByPiece() throws IOException {
        Tokenizer tok = stories();
        JsonNode cases = new ObjectMapper().readTree(SHARED.resolve("testdata/engine/stories260K.json").toFile()).get("cases");
        for (JsonNode c : cases) {
            if (!c.has("prompt")) {
                continue;
            }
            int[] prompt = ids(c.get("tokens"));
            int[] generated = c.get("llamacpp").get("greedy").findValues("id").stream().mapToInt(JsonNode::asInt).toArray();
            int[] all = IntStream.concat(Arrays.stream(prompt), Arrays.stream(generated)).toArray();
            String name = c.get("name").asText();
            assertEquals(c.get("llamacpp").get("full_text").asText(), tok.decode(all, true), name + " full_text");
            StreamingDetokenizer d = tok.newDetokenizer();
            StringBuilder streamed = new StringBuilder();
            for (int id : generated) {
                streamed.append(d.push(id));
            }
            streamed.append(d.flush());
            assertEquals(c.get("llamacpp").get("continuation_text").asText(), streamed.toString(), name + " continuation");
        }
    }

    @Test
    void stories260kGoldenGreedyIdsDecodeToTheReadmeText() throws IOException {
        int[] ids = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267,
                337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385};
        assertEquals(" Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One",
                stories().decode(IntStream.concat(IntStream.of(1), Arrays.stream(ids)).toArray(), true));
    }

    @Test
    void spmDecodeDropsTheAddedSpaceOnlyWhenTheFirstTokenIsText() throws IOException {
        Tokenizer tok = stories();
        int[] noBos = tok.encode("Once upon a time", false, false);
        assertArrayEquals(new int[] {403, 407, 261, 378}, noBos);
        assertEquals("Once upon a time", tok.decode(noBos, true));
        assertEquals(" Once upon a time", tok.decode(tok.encode("Once upon a time", true, false), true));
        assertEquals("<s> Once upon a time", tok.decode(tok.encode("Once upon a time", true, false), false));
    }

    // ---- metadata ---------------------------------------------------------------------------------------

    @Test
    void metadataDefaultsFollowLlamaCpp() throws IOException {
        // stories260K: no add_bos_token (llama default: add), seperator/padding ids 4294967295 = none.
        Vocabulary stories = TestVocab.load(SHARED.resolve("models/stories260K.gguf"));
        assertEquals(new Vocabulary.SpecialTokens(OptionalInt.of(1), OptionalInt.of(2), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.of(0), OptionalInt.empty(), OptionalInt.empty()), stories.special());
        assertEquals(new Vocabulary.Flags(true, false, false, true, true, true), stories.flags());
        assertEquals(512, stories.size());
        // gpt-2: gpt2 model, no add_bos_token: no BOS added; no space prefix.
        Vocabulary gpt2 = TestVocab.load(VocabVectorsTest.VOCABS.resolve("ggml-vocab-gpt-2.gguf"));
        assertFalse(gpt2.flags().addBos());
        assertFalse(gpt2.flags().addSpacePrefix());
        assertEquals(50000, gpt2.merges().length);
        assertEquals("gpt-2", gpt2.pre());
        // llama-bpe: the llama3 profile adds BOS; the file says so too.
        assertTrue(TestVocab.load(VocabVectorsTest.VOCABS.resolve("llama3-bpe-vocab.rebuilt.gguf")).flags().addBos());
        // bert: [CLS] 101 as BOS, [SEP] 102, lowercase + strip accents by default.
        Vocabulary bert = TestVocab.load(VocabVectorsTest.VOCABS.resolve("ggml-vocab-bert-bge.gguf"));
        assertEquals(OptionalInt.of(101), bert.special().bos());
        assertEquals(OptionalInt.of(102), bert.special().sep());
        assertEquals(OptionalInt.of(100), bert.special().unk());
        assertTrue(bert.flags().addSep() && bert.flags().lowercase() && bert.flags().stripAccents());
    }

    // ---- special tokens ---------------------------------------------------------------------------------

    @Test
    void controlTokensAreParsedOnlyWhenAsked() {
        Tokenizer tok = vocab("llama3-bpe-vocab.rebuilt.gguf");
        int[] parsed = tok.encode("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true, true);
        assertEquals(128000, parsed[0]);
        assertEquals(128006, parsed[1]);
        assertEquals(128009, parsed[parsed.length - 1]);
        int[] literal = tok.encode("<|eot_id|>", false, false);
        assertTrue(literal.length > 1, "as plain text it is several tokens");
        assertFalse(Arrays.stream(literal).anyMatch(id -> id >= 128000));
        assertEquals("<|eot_id|>", tok.decode(literal, true));
    }

    @Test
    void userDefinedTokensAreAlwaysParsedControlTokensRenderEmpty() {
        Tokenizer tok = vocab("qwen2-bpe-vocab.rebuilt.gguf");
        int[] ids = tok.encode("a<tool_call>b<|im_end|>", false, false);
        assertEquals(151657, ids[1], "<tool_call> is user-defined: split out even without parseSpecial");
        assertFalse(Arrays.stream(ids).anyMatch(id -> id == 151645), "<|im_end|> is control: not parsed");
        int[] special = tok.encode("<|im_start|>user\nhi<|im_end|>", false, true);
        assertEquals(151644, special[0]);
        assertEquals(151645, special[special.length - 1]);
        assertEquals("user\nhi", tok.decode(special, true));
        assertEquals("<|im_start|>user\nhi<|im_end|>", tok.decode(special, false));
        assertEquals(0, tok.encode("", true, false).length, "qwen2 adds no BOS");
    }

    @Test
    void phi3SpecialTokensSwallowTheWhitespaceAfterThem() {
        // llama.cpp sets RSTRIP on Phi-3's special tokens (general.name contains "phi3"), as its HF tokenizer does.
        Tokenizer phi3 = vocab("ggml-vocab-phi-3.gguf");
        int[] tight = phi3.encode("<|user|>Hi<|end|>", false, true);
        assertEquals(32010, tight[0]);
        assertEquals(32007, tight[tight.length - 1]);
        assertArrayEquals(tight, phi3.encode("<|user|>\n  Hi<|end|>", false, true));
        assertTrue(phi3.isEndOfGeneration(32007));
        assertTrue(phi3.isEndOfGeneration(32000));
    }

    @Test
    void oneTokenizerServesConcurrentRequests() throws Exception {
        Tokenizer tok = vocab("llama3-bpe-vocab.rebuilt.gguf");
        String text = "Concurrency: the same input, the same ids, from every thread. 1234567 🦙";
        int[] want = tok.encode(text, true, false);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var futures = IntStream.range(0, 8).mapToObj(i -> pool.submit(() -> {
                for (int k = 0; k < 50; k++) {
                    assertArrayEquals(want, tok.encode(text, true, false));
                }
                return true;
            })).toList();
            for (var f : futures) {
                assertTrue(f.get());
            }
        }
    }

    @Test
    void bosAndEosFollowTheMetadata() {
        Tokenizer llama3 = vocab("llama3-bpe-vocab.rebuilt.gguf");
        assertEquals(OptionalInt.of(128000), llama3.bos());
        assertEquals(OptionalInt.of(128009), llama3.eos());
        assertTrue(llama3.addsBos());
        assertArrayEquals(new int[] {128000}, llama3.encode("", true, false));
        Tokenizer spm = vocab("ggml-vocab-llama-spm.gguf");
        assertEquals(OptionalInt.of(1), spm.bos());
        assertArrayEquals(new int[] {1}, spm.encode("", true, false));
        assertArrayEquals(new int[0], spm.encode("", false, false));
        Tokenizer qwen = vocab("qwen2-bpe-vocab.rebuilt.gguf");
        assertFalse(qwen.addsBos());
        assertEquals(OptionalInt.of(151643), qwen.pad());
    }

    @Test
    void endOfGenerationCoversEosEotEomAndKnownTexts() {
        Tokenizer llama3 = vocab("llama3-bpe-vocab.rebuilt.gguf");
        for (int id : new int[] {128001, 128008, 128009}) { // <|end_of_text|>, <|eom_id|>, <|eot_id|>
            assertTrue(llama3.isEndOfGeneration(id), "id " + id);
        }
        assertFalse(llama3.isEndOfGeneration(128006)); // <|start_header_id|>
        assertFalse(llama3.isEndOfGeneration(13));
        assertEquals(OptionalInt.of(128008), llama3.eom());
        Tokenizer qwen = vocab("qwen2-bpe-vocab.rebuilt.gguf");
        for (int id : new int[] {151643, 151645, 151662, 151663, 151664}) { // endoftext, im_end, fim pad/repo/sep
            assertTrue(qwen.isEndOfGeneration(id), "id " + id);
        }
        assertFalse(qwen.isEndOfGeneration(151644));
        assertTrue(qwen.isControl(151645));
        assertFalse(qwen.isControl(151657));
        Tokenizer gpt2 = vocab("ggml-vocab-gpt-2.gguf");
        assertTrue(gpt2.isEndOfGeneration(50256));
    }

    // ---- decoding ---------------------------------------------------------------------------------------

    @Test
    void tokenBytesUndoByteLevelAndSentencePieceEscapes() {
        Tokenizer gpt2 = vocab("ggml-vocab-gpt-2.gguf");
        int[] hello = gpt2.encode(" Hello", false, false);
        assertEquals(1, hello.length);
        assertEquals("ĠHello", gpt2.tokenText(hello[0]));
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), gpt2.tokenBytes(hello[0]));
        Tokenizer spm = vocab("ggml-vocab-llama-spm.gguf");
        assertEquals("<0x0A>", spm.tokenText(13));
        assertArrayEquals(new byte[] {'\n'}, spm.tokenBytes(13));
        assertArrayEquals("<s>".getBytes(StandardCharsets.UTF_8), spm.tokenBytes(1));
        assertEquals(0, spm.pieceBytes(1, false).length);
    }

    @Test
    void bpeDecodeCleansSpacesLikeLlamaCpp() {
        // llama.cpp's clean_up_tokenization_spaces (llama-vocab.cpp, detokenize): " ?", " !", " .", " ,"
        // lose the space; " ' " loses both spaces; " 's", " 'm", " 're", " 've" lose the space, " 't", " 'd",
        // " 'll" keep it.
        assertEquals("Hi, you! Yes? No.", clean("Hi , you ! Yes ? No ."));
        assertEquals("a'b", clean("a ' b"));
        assertEquals("it's I'm we're we've it 't it 'd we 'll", clean("it 's I 'm we 're we 've it 't it 'd we 'll"));
        assertEquals("", clean(""));
        Tokenizer gpt2 = vocab("ggml-vocab-gpt-2.gguf");
        assertEquals("Hello, world!", gpt2.decode(gpt2.encode("Hello , world !", false, false), true));
        Tokenizer qwen = vocab("qwen2-bpe-vocab.rebuilt.gguf");
        assertEquals("Hello , world !", qwen.decode(qwen.encode("Hello , world !", false, false), true),
                "qwen2 sets clean_spaces = false");
    }

    private static String clean(String s) {
        return new String(GgufTokenizer.cleanUpSpaces(s.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void roundTripOfMixedScriptTextForEveryVocabulary() {
        String text = "Grüße, 世界! Ça va? 🦙🚀 x² = 3.14 — “quotes” \t tabs\n\nnew lines 12345678 ';:' ∑";
        for (String f : VocabVectorsTest.vocabFiles().toList()) {
            Tokenizer tok = vocab(f);
            if (((GgufTokenizer) tok).normalizesText()) {
                continue;
            }
            String back = tok.decode(tok.encode(text, false, false), true);
            String want = ((GgufTokenizer) tok).cleansSpaces()
                    ? new String(GgufTokenizer.cleanUpSpaces(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)
                    : text;
            assertEquals(want, back, f);
        }
    }

    @Test
    void bertAddsClsAndSepAndNormalizesCaseAndAccents() {
        Tokenizer bert = vocab("ggml-vocab-bert-bge.gguf");
        int[] ids = bert.encode("Hello World", true, false);
        assertEquals(101, ids[0]); // [CLS]
        assertEquals(102, ids[ids.length - 1]); // [SEP]
        assertArrayEquals(bert.encode("hello world", false, false), bert.encode("HÉLLO World", false, false));
        assertEquals(" hello world", bert.decode(ids, true));
    }

    // ---- robustness -------------------------------------------------------------------------------------

    @Test
    void longTextIsNotQuadratic() {
        Tokenizer spm = vocab("ggml-vocab-llama-spm.gguf");
        Tokenizer llama3 = vocab("llama3-bpe-vocab.rebuilt.gguf");
        Random r = new Random(42);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < 60_000; i++) {
            word.append((char) ('a' + r.nextInt(26)));
        }
        // One pre-token / fragment of 60k symbols: pairwise rescanning (quadratic) would take minutes.
        String oneWord = word.toString();
        String prose = "The quick brown fox jumps over the lazy dog. ".repeat(2_000);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            assertTrue(spm.encode(oneWord, false, false).length > 10_000);
            assertTrue(llama3.encode(oneWord, false, false).length > 10_000);
            int[] ids = llama3.encode(prose, false, false);
            assertEquals(prose, llama3.decode(ids, true));
            assertEquals(prose, spm.decode(spm.encode(prose, false, false), true));
        });
    }

    @Test
    void unpairedSurrogatesAreEncodedAsUtf8Would() {
        Tokenizer tok = vocab("ggml-vocab-gpt-2.gguf");
        assertArrayEquals(tok.encode("a?b", false, false), tok.encode("a\uD800b", false, false));
    }

    @Test
    void badIdsAndBadVocabulariesFailPrecisely() {
        Tokenizer tok = vocab("ggml-vocab-gpt-2.gguf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {50257}, true));
        assertTrue(e.getMessage().contains("50257"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.tokenBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> tok.newDetokenizer().push(1 << 20));
        assertFalse(tok.isEndOfGeneration(-5));

        String[] tokens = {"<unk>", "<s>", "</s>", "a", "a"};
        Vocabulary dup = spmVocab(tokens);
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.create(dup));
        assertTrue(e.getMessage().contains("duplicate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Vocabulary("llama", "", "", new String[] {"a"},
                new float[2], new int[1], new String[0], NO_IDS, PLAIN));
        assertTrue(e.getMessage().contains("scores"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Vocabulary("llama", "", "", new String[] {"a"},
                new float[1], new int[1], new String[0], new Vocabulary.SpecialTokens(OptionalInt.of(7),
                OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty()), PLAIN));
        assertTrue(e.getMessage().contains("bos_token_id"), e.getMessage());
        Vocabulary unknownPre = new Vocabulary("gpt2", "no-such-pre", "", new String[] {"a"}, new float[1],
                new int[] {1}, new String[0], NO_IDS, PLAIN);
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.create(unknownPre));
        assertTrue(e.getMessage().contains("no-such-pre"), e.getMessage());
    }

    @Test
    void spmWithoutByteTokensFallsBackToUnknown() {
        Tokenizer tok = Tokenizer.create(spmVocab(new String[] {"<unk>", "<s>", "</s>", "▁a", "a", "▁"}));
        assertArrayEquals(new int[] {3, 0, 0}, tok.encode("aé", false, false), "é has no token: two <unk> bytes");
    }

    @Test
    void handMadeByteLevelVocabularyMergesByRankAndKeepsForeignCharacters() {
        // Byte-level alphabet: 'Ġ' is the space byte. Merges: "a b" (rank 0) before "Ġ a" (rank 1).
        String[] tokens = {"a", "b", "Ġ", "ab", "Ġa", "中"};
        int[] types = {1, 1, 1, 1, 1, 1};
        Vocabulary v = new Vocabulary("gpt2", "gpt-2", "", tokens, new float[tokens.length], types,
                new String[] {"a b", "Ġ a"}, NO_IDS, PLAIN);
        Tokenizer tok = Tokenizer.create(v);
        assertArrayEquals(new int[] {2, 3}, tok.encode(" ab", false, false), "ab merges first, leaving Ġ alone");
        assertArrayEquals(new int[] {4}, tok.encode(" a", false, false));
        assertEquals("中", tok.decode(new int[] {5}, true), "a character outside the byte alphabet renders as itself");
    }

    static Vocabulary spmVocab(String[] tokens) {
        int[] types = new int[tokens.length];
        Arrays.fill(types, Vocabulary.TYPE_NORMAL);
        types[0] = Vocabulary.TYPE_UNKNOWN;
        types[1] = Vocabulary.TYPE_CONTROL;
        types[2] = Vocabulary.TYPE_CONTROL;
        return new Vocabulary("llama", "", "", tokens, new float[tokens.length], types, new String[0],
                new Vocabulary.SpecialTokens(OptionalInt.of(1), OptionalInt.of(2), OptionalInt.empty(),
                        OptionalInt.empty(), OptionalInt.of(0), OptionalInt.empty(), OptionalInt.empty()),
                new Vocabulary.Flags(true, false, false, true, false, false));
    }

    static final Vocabulary.SpecialTokens NO_IDS = new Vocabulary.SpecialTokens(OptionalInt.empty(),
            OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty());
    static final Vocabulary.Flags PLAIN = new Vocabulary.Flags(false, false, false, false, false, false);

    static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
