package io.stellarchat.engine.model.synth;

import io.stellarchat.engine.gguf.GgufValueType;
import io.stellarchat.engine.gguf.GgufWriter;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small SentencePiece Unigram vocabulary ({@code tokenizer.ggml.model = t5}) in XLM-RoBERTa's layout, for
 * synthetic {@code bert} models whose tokenizer is checked against llama.cpp's UGM tokenizer.
 *
 * <p>Ids 0–3 are {@code <s>}, {@code <pad>}, {@code </s>} (control) and {@code <unk>} (unknown), as in XLM-R;
 * then about three hundred normal pieces — {@code ▁} alone and {@code ▁}-prefixed words, subwords, ASCII letters
 * (a few capitals left out, so unknown characters occur), digits, punctuation, accented Latin, Cyrillic, Greek,
 * CJK and two emoji — whose scores (log probabilities in [-11, -1)) are drawn from the seed, so the best
 * segmentation depends on them; one user-defined piece ({@code <url>}), one unused piece (llama.cpp still matches
 * it), two byte pieces (never matched) and a final control {@code <mask>}.
 *
 * <p>Two styles: {@link Style#XLMR} is what converted XLM-R models carry — {@code add_space_prefix},
 * {@code remove_extra_whitespaces}, BOS and EOS added, SEP = EOS, and a precompiled charsmap (built here, in
 * SentencePiece's XOR-compressed double-array format) mapping tab/CR/LF, no-break and ideographic spaces to a
 * space, a few compatibility characters to their NFKC forms ({@code Ａ}, {@code １}, {@code ﬁ}, {@code …}),
 * {@code e} + combining acute to {@code é}, and deleting U+200B; {@link Style#PLAIN} has none of these (spaces
 * kept as they are, no dummy prefix, only EOS added), as T5-style files without a charsmap.
 */
public final class SyntheticUnigramVocabulary {
    /** Which tokenizer switches the vocabulary carries. */
    public enum Style { XLMR, PLAIN }

    private static final String[] PIECES = {
        "▁", "▁▁", "▁the", "▁The", "▁quick", "▁brown", "▁fox", "▁jump", "▁jumps", "s", "▁over", "▁lazy", "▁dog",
        "▁hello", "▁Hello", "▁world", "▁wor", "ld", "▁is", "▁a", "▁an", "▁and", "▁of", "▁in", "▁to", "▁what",
        "▁capital", "▁cap", "ital", "▁France", "▁Fr", "ance", "▁Paris", "▁Par", "is", "▁city", "▁large", "▁largest",
        "est", "▁un", "▁under", "stand", "▁understand", "ing", "▁understanding", "ed", "er", "ation", "tion", "ly",
        "re", "▁re", "▁token", "izer", "▁tokenizer", "ize", "▁model", "▁mod", "el", "▁rank", "er", "▁embed", "ding",
        "▁query", "▁document", "▁doc", "ument", "▁search", "▁New", "▁York", "▁2023", "▁20", "23", "▁1", "▁10",
        "▁café", "▁caf", "é", "è", "ê", "à", "â", "ç", "ï", "î", "ü", "ö", "ä", "ß", "ñ", "ó", "í", "á", "ú",
        "▁naïve", "▁na", "▁déjà", "▁dé", "jà", "▁vu", "▁façade", "▁fa", "çade", "▁España", "▁Espa", "ña", "▁über",
        "▁schön", "▁Straße", "▁Stra", "ße", "▁año",
        "п", "р", "и", "в", "е", "т", "м", "о", "л", "к", "а", "с", "н", "д", "▁привет", "▁при", "вет", "▁мир",
        "▁ми", "р", "▁Москва", "▁Мос", "ква",
        "α", "β", "γ", "δ", "λ", "ω", "▁καλη", "μέρα", "▁κα",
        "你", "好", "世", "界", "你好", "▁你好", "世界", "日", "本", "語", "日本", "日本語", "▁日本語", "東", "京",
        "東京", "は", "の", "です", "こ", "ん", "に", "ち", "こんにちは", "한", "국", "어", "한국어", "▁한국어",
        "😀", "👍", "▁😀",
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "t", "u", "v",
        "w", "x", "y", "z", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "R",
        "S", "T", "U", "V", "W", "Y", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        ".", ",", "!", "?", "'", "-", "(", ")", ":", ";", "\"", "/", "&", "%", "$", "@", "#", "...", "▁(", "▁-",
        "▁\"", "'s", "n't", "▁I", "▁it", "▁it's", "▁don", "▁can", "▁not", "▁fi", "fi", "▁file", "le", "▁A", "▁AI",
        "▁1234", "12", "34", "▁e", "▁x", "▁y", "▁z", "ab", "abc", "▁abc", "xyz", "▁xyz", "ll", "▁all", "▁tab",
        "▁line", "▁new", "▁space", "▁spaces", "▁multi", "ple", "▁multiple", "▁end", "▁start", "▁mid", "dle",
        "▁middle", "▁hi", "hi", "▁ok", "▁OK", "▁https", "://", "▁www", "▁com", ".com", "▁example", "ample",
    };

    private SyntheticUnigramVocabulary() {}

    /** Writes the {@code tokenizer.*} keys of the vocabulary drawn from {@code seed}; returns its size. */
    public static int write(GgufWriter w, long seed, Style style) {
        Map<String, Integer> typed = new LinkedHashMap<>();
        typed.put("<s>", 3);
        typed.put("<pad>", 3);
        typed.put("</s>", 3);
        typed.put("<unk>", 2);
        for (String p : PIECES) {
            typed.putIfAbsent(p, 1);
        }
        typed.put("<url>", 4);
        typed.put("▁unusedpiece", 5);
        typed.put("<0x41>", 6);
        typed.put("<0xE2>", 6);
        typed.put("<mask>", 3);
        int n = typed.size();
        String[] tokens = typed.keySet().toArray(new String[0]);
        int[] types = new int[n];
        float[] scores = new float[n];
        SplittableRandom rnd = new SplittableRandom(seed);
        int i = 0;
        for (Map.Entry<String, Integer> e : typed.entrySet()) {
            types[i] = e.getValue();
            scores[i] = types[i] == 1 ? (float) (-1 - 10 * rnd.nextDouble()) : 0f;
            i++;
        }
        w.putString("tokenizer.ggml.model", "t5");
        w.putString("tokenizer.ggml.pre", "default");
        w.putStringArray("tokenizer.ggml.tokens", tokens);
        w.putFloatArray("tokenizer.ggml.scores", scores);
        w.putIntArray("tokenizer.ggml.token_type", GgufValueType.INT32, types);
        w.putUInt32("tokenizer.ggml.unknown_token_id", 3);
        w.putUInt32("tokenizer.ggml.eos_token_id", 2);
        w.putUInt32("tokenizer.ggml.padding_token_id", 1);
        if (style == Style.XLMR) {
            w.putUInt32("tokenizer.ggml.bos_token_id", 0);
            w.putUInt32("tokenizer.ggml.seperator_token_id", 2);
            w.putUInt32("tokenizer.ggml.cls_token_id", 0);
            w.putUInt32("tokenizer.ggml.mask_token_id", n - 1);
            w.putBool("tokenizer.ggml.add_space_prefix", true);
            w.putBool("tokenizer.ggml.remove_extra_whitespaces", true);
            w.putBool("tokenizer.ggml.add_bos_token", true);
            w.putBool("tokenizer.ggml.add_eos_token", true);
            w.putArray("tokenizer.ggml.precompiled_charsmap", GgufValueType.UINT8, charsmap());
        } else {
            w.putBool("tokenizer.ggml.add_space_prefix", false);
            w.putBool("tokenizer.ggml.remove_extra_whitespaces", false);
        }
        return n;
    }

    /** The normalisation rules of {@link Style#XLMR}: UTF-8 key → replacement. */
    static Map<String, String> rules() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("\t", " ");
        r.put("\n", " ");
        r.put("\r", " ");
        r.put("\u00A0", " ");
        r.put("\u3000", " ");
        r.put("\uFF21", "A");
        r.put("\uFF11", "1");
        r.put("\uFB01", "fi");
        r.put("\u2026", "...");
        r.put("e\u0301", "\u00E9");
        r.put("\u200B", "");
        return r;
    }

    /**
     * The rules as SentencePiece's precompiled charsmap: a little-endian u32 size, the double array, then the
     * NUL-terminated replacements. Each trie node owns a 256-entry block; a child labelled {@code c} of a node
     * with block {@code B} sits at {@code B ^ c} (= B + c) and stores, besides its label and leaf bit, the XOR
     * that leads to its own block, whose entry 0 holds the replacement offset (bit 31 set) when it is a leaf.
     */
    static byte[] charsmap() {
        // Trie over the keys' bytes.
        List<Map<Integer, Integer>> children = new ArrayList<>();
        List<Integer> value = new ArrayList<>();
        children.add(new HashMap<>());
        value.add(-1);
        ByteArrayOutputStream repl = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : rules().entrySet()) {
            int node = 0;
            for (byte b : e.getKey().getBytes(StandardCharsets.UTF_8)) {
                Integer next = children.get(node).get(b & 0xFF);
                if (next == null) {
                    next = children.size();
                    children.add(new HashMap<>());
                    value.add(-1);
                    children.get(node).put(b & 0xFF, next);
                }
                node = next;
            }
            value.set(node, repl.size());
            repl.writeBytes(e.getValue().getBytes(StandardCharsets.UTF_8));
            repl.write(0);
        }
        int nodes = children.size();
        int[] array = new int[256 * (nodes + 1)]; // block 0 holds only the root entry; node k owns block k + 1
        array[0] = (1 << 10) | (1 << 9); // the root's base, 256, in the shifted form (bit 9: BASE << 8)
        for (int node = 0; node < nodes; node++) {
            int block = 256 * (node + 1);
            for (Map.Entry<Integer, Integer> c : children.get(node).entrySet()) {
                int child = c.getValue();
                int index = block + c.getKey();
                int childBlock = 256 * (child + 1);
                boolean leaf = value.get(child) >= 0;
                array[index] = ((index ^ childBlock) << 10) | (leaf ? 1 << 8 : 0) | c.getKey();
                if (leaf) {
                    array[childBlock] = 0x80000000 | value.get(child);
                }
            }
        }
        byte[] r = repl.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(4 + 4 * array.length + r.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(4 * array.length);
        for (int a : array) {
            out.putInt(a);
        }
        out.put(r);
        return out.array();
    }
}
