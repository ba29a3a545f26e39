package io.stellarchat.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The tokenizer of a GGUF vocabulary, a port of llama.cpp's {@code llama_vocab} (src/llama-vocab.cpp).
 *
 * <p>Design: everything is computed once here and immutable afterwards, so one instance serves all requests.
 * <ul>
 *   <li>Token attributes start from {@code token_type} and are then adjusted as llama.cpp does: tokens whose
 *       text is a known end-of-turn / fill-in-middle marker become control tokens; control tokens named
 *       "unused…" are unused; a few model-specific fixes (gpt-oss, Phi-3 right-strip).</li>
 *   <li>Encoding first partitions the text around special tokens (user-defined always, control and unknown
 *       only with {@code parseSpecial}), longest token text first; each remaining text fragment goes through
 *       the model's encoder ({@link SentencePieceEncoder}, {@link BytePairEncoder}, {@link WordPieceEncoder} or
 *       {@link UnigramEncoder}).</li>
 *   <li>Decoding concatenates per-token pieces (precomputed bytes), then applies llama.cpp's leading-space
 *       removal and, for most BPE vocabularies, its clean-up of spaces before punctuation.</li>
 * </ul>
 */
final class GgufTokenizer implements Tokenizer {

    // llama.cpp's llama_token_attr bits.
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;

    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>",
            "<end_of_utterance>");
    private static final List<String> EOM_TEXTS = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");

    /** Which of llama.cpp's algorithms: SentencePiece-style, byte-level BPE, WordPiece or Unigram. */
    private enum Kind { SPM, BPE, WPM, UGM }

    private final Kind kind;
    private final String[] texts;
    private final int[] attrs;
    private final Map<String, Integer> ids;
    /** Piece of each token with control tokens rendered (llama.cpp's cache_token_to_piece). */
    private final byte[][] pieces;
    /** Control, user-defined and unknown tokens, longest text first (llama.cpp's cache_special_tokens). */
    private final int[] specials;
    private final BitSet endOfGeneration = new BitSet();
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final OptionalInt eot;
    private final OptionalInt eom;
    private final OptionalInt pad;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private final boolean cleanSpaces;
    private final OptionalInt sep;
    private final SentencePieceEncoder spmEncoder;
    private final BytePairEncoder bpeEncoder;
    private final WordPieceEncoder wpmEncoder;
    private final UnigramEncoder ugmEncoder;

    GgufTokenizer(Vocabulary v) {
        this.kind = switch (v.model()) {
            case Vocabulary.MODEL_SPM -> Kind.SPM;
            case Vocabulary.MODEL_BPE -> Kind.BPE;
            case Vocabulary.MODEL_WPM -> Kind.WPM;
            case Vocabulary.MODEL_UGM -> Kind.UGM;
            default -> throw new IllegalArgumentException(
                    "unsupported tokenizer.ggml.model '" + v.model() + "' (supported: llama, gpt2, bert, t5)");
        };
        PreType.Profile profile = kind == Kind.BPE ? PreType.profile(v.pre()) : null;
        String[] tokens = v.tokens();
        int n = tokens.length;
        int[] types = v.tokenTypes();
        this.texts = new String[n];
        this.attrs = new int[n];
        this.ids = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) {
            String t = tokens[i].isEmpty() ? "[EMPTY_" + i + "]" : tokens[i];
            Integer dup = ids.putIfAbsent(t, i);
            if (dup != null) {
                throw new IllegalArgumentException(
                        "duplicate token in vocabulary: '" + t + "' has ids " + dup + " and " + i);
            }
            texts[i] = t;
            attrs[i] = switch (types[i]) {
                case Vocabulary.TYPE_NORMAL -> ATTR_NORMAL;
                case Vocabulary.TYPE_UNKNOWN -> ATTR_UNKNOWN;
                case Vocabulary.TYPE_CONTROL -> ATTR_CONTROL;
                case Vocabulary.TYPE_USER_DEFINED -> ATTR_USER_DEFINED;
                case Vocabulary.TYPE_UNUSED -> ATTR_UNUSED;
                case Vocabulary.TYPE_BYTE -> ATTR_BYTE;
                default -> 0; // undefined: rendered as nothing, never matched
            };
        }
        Vocabulary.SpecialTokens sp = v.special();
        Vocabulary.Flags flags = v.flags();
        this.bos = sp.bos();
        this.eos = sp.eos();
        this.pad = sp.pad();
        this.addBos = flags.addBos();
        this.addEos = flags.addEos();
        this.addSpacePrefix = flags.addSpacePrefix();
        this.cleanSpaces = switch (kind) {
            case SPM, UGM -> false;
            case BPE -> profile.cleanSpaces();
            case WPM -> true;
        };

        // Special tokens detected by text (llama.cpp: "auto-detect special tokens by text").
        this.eot = sp.eot().isPresent() ? sp.eot() : detect(EOT_TEXTS);
        this.eom = sp.eom().isPresent() ? sp.eom() : detect(EOM_TEXTS);
        detect(FIM_PRE_TEXTS);
        detect(FIM_SUF_TEXTS);
        detect(FIM_MID_TEXTS);
        OptionalInt fimPad = detect(FIM_PAD_TEXTS);
        OptionalInt fimRep = detect(FIM_REP_TEXTS);
        OptionalInt fimSep = detect(FIM_SEP_TEXTS);
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & ATTR_CONTROL) != 0 && texts[i].contains("unused")) {
                attrs[i] |= ATTR_UNUSED;
            }
        }
        fimPad.ifPresent(endOfGeneration::set);
        fimRep.ifPresent(endOfGeneration::set);
        fimSep.ifPresent(endOfGeneration::set);
        for (int i = 0; i < n; i++) {
            if (EOG_TEXTS.contains(texts[i])) {
                endOfGeneration.set(i);
                attrs[i] |= ATTR_CONTROL;
            }
        }
        for (String t : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            Integer id = ids.get(t); // gpt-oss: always render these
            if (id != null) {
                attrs[id] = ATTR_USER_DEFINED;
            }
        }
        eos.ifPresent(endOfGeneration::set);
        eot.ifPresent(endOfGeneration::set);
        eom.ifPresent(endOfGeneration::set);
        // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
        boolean hasReturn = eogHas("<|return|>");
        boolean hasCall = eogHas("<|call|>") || eogHas("<|calls|>");
        boolean hasFlush = eogHas("<|flush|>");
        if ((hasReturn && hasCall && eogHas("<|end|>")) || (hasCall && hasFlush && eogHas("<|end|>"))) {
            int end = ids.get("<|end|>");
            endOfGeneration.clear(end);
            attrs[end] = ATTR_USER_DEFINED;
        }
        if (eogHas("<|tool_response>") && eogHas("</s>")) { // gemma4
            int s = ids.get("</s>");
            endOfGeneration.clear(s);
            attrs[s] = ATTR_NORMAL;
        }

        this.specials = IntStream.range(0, n)
                .filter(i -> (attrs[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0)
                .boxed()
                .sorted(Comparator.<Integer>comparingInt(i -> -utf8Length(texts[i])).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue)
                .toArray();

        this.pieces = new byte[n][];
        for (int i = 0; i < n; i++) {
            pieces[i] = renderPiece(i);
        }

        String lowerName = v.name().toLowerCase(Locale.ROOT);
        if (lowerName.contains("phi-3") || lowerName.contains("phi3")) {
            for (int id : specials) {
                attrs[id] |= ATTR_RSTRIP;
            }
            setAttr("</s>", ATTR_RSTRIP, true);
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) {
                setAttr(t, ATTR_RSTRIP, false);
            }
        }

        SentencePieceEncoder spmE = null;
        BytePairEncoder bpeE = null;
        WordPieceEncoder wpmE = null;
        UnigramEncoder ugmE = null;
        switch (kind) {
            case SPM -> {
                int[] byteTokens = new int[256];
                for (int b = 0; b < 256; b++) {
                    byteTokens[b] = spmByteToken(b, sp.unk());
                }
                spmE = new SentencePieceEncoder(ids, v.scores(), byteTokens);
            }
            case BPE -> bpeE = new BytePairEncoder(ids, mergeRanks(v.merges()),
                    PreTokenizer.forType(profile.type()), profile.ignoreMerges());
            case WPM -> {
                int maxBytes = Arrays.stream(texts).mapToInt(GgufTokenizer::utf8Length).max().orElse(0);
                wpmE = new WordPieceEncoder(ids, maxBytes, sp.unk().orElseThrow(
                        () -> new IllegalArgumentException("a bert vocabulary needs tokenizer.ggml.unknown_token_id")),
                        flags.lowercase(), flags.stripAccents());
            }
            case UGM -> ugmE = new UnigramEncoder(tokens, types, v.scores(), sp.unk().orElseThrow(
                        () -> new IllegalArgumentException("a t5 (Unigram) vocabulary needs tokenizer.ggml.unknown_token_id")),
                    flags.addSpacePrefix(), flags.removeExtraWhitespaces(), v.charsmap());
        }
        this.spmEncoder = spmE;
        this.bpeEncoder = bpeE;
        this.wpmEncoder = wpmE;
        this.ugmEncoder = ugmE;
        this.sep = sp.sep();
    }

    private static Map<String, Integer> mergeRanks(String[] merges) {
        Map<String, Integer> ranks = HashMap.newHashMap(merges.length);
        for (int i = 0; i < merges.length; i++) {
            // llama.cpp splits at the first space after the first character; a merge without one never matches.
            if (merges[i].indexOf(' ', 1) > 0) {
                ranks.putIfAbsent(merges[i], i);
            }
        }
        return ranks;
    }

    /** The first token (by id) with one of {@code candidates} as text; it becomes a control token. */
    private OptionalInt detect(List<String> candidates) {
        int best = Integer.MAX_VALUE;
        for (String c : candidates) {
            Integer id = ids.get(c);
            if (id != null && id < best) {
                best = id;
            }
        }
        if (best == Integer.MAX_VALUE) {
            return OptionalInt.empty();
        }
        attrs[best] |= ATTR_CONTROL;
        return OptionalInt.of(best);
    }

    private boolean eogHas(String text) {
        Integer id = ids.get(text);
        return id != null && endOfGeneration.get(id);
    }

    private void setAttr(String text, int bit, boolean on) {
        Integer id = ids.get(text);
        if (id != null) {
            attrs[id] = on ? attrs[id] | bit : attrs[id] & ~bit;
        }
    }

    private int spmByteToken(int b, OptionalInt unk) {
        Integer id = ids.get(String.format("<0x%02X>", b));
        if (id == null && b < 0x80) {
            id = ids.get(String.valueOf((char) b));
        }
        if (id != null) {
            return id;
        }
        return unk.orElse(-1);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** llama.cpp's token_to_piece(special = true). */
    private byte[] renderPiece(int id) {
        int attr = attrs[id];
        String text = texts[id];
        if ((attr & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) != 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if ((attr & ATTR_NORMAL) != 0) {
            if (kind != Kind.BPE) {
                return text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            }
            byte[] bytes = new byte[text.length()];
            for (int k = 0; k < text.length(); k++) {
                int b = ByteLevelAlphabet.decode(text.charAt(k));
                if (b < 0) {
                    return decodeMixed(text);
                }
                bytes[k] = (byte) b;
            }
            return bytes;
        }
        if ((attr & ATTR_BYTE) != 0) {
            if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
                try {
                    return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
                } catch (NumberFormatException e) {
                    // fall through: rendered as text
                }
            }
            return text.getBytes(StandardCharsets.UTF_8);
        }
        return new byte[0]; // unused / undefined
    }

    /**
     * A byte-level token with characters outside the byte alphabet: llama.cpp prints "[UNK_BYTE_…]" for those;
     * we keep such characters as themselves (their UTF-8).
     */
    private static byte[] decodeMixed(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = ByteLevelAlphabet.decode(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }

    // ---- encode -----------------------------------------------------------------------------------------

    /** A piece of the input: a special token already recognised, or text [from, to) still to encode. */
    private record Fragment(int token, int from, int to) {
        static Fragment text(int from, int to) {
            return new Fragment(-1, from, to);
        }

        boolean isText() {
            return token < 0;
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        String s = wellFormed(text);
        List<Fragment> fragments = partition(s, parseSpecial);
        IntList out = new IntList();
        if (addSpecial && (addBos || kind == Kind.WPM)) { // llama.cpp's WPM always adds [CLS] … [SEP]
            out.add(bos.orElseThrow(() -> new IllegalStateException("the vocabulary has no BOS token")));
        }
        boolean prevSpecial = true; // SPM: the first text fragment gets the space prefix
        for (Fragment f : fragments) {
            if (!f.isText()) {
                out.add(f.token());
                prevSpecial = true;
                continue;
            }
            String piece = s.substring(f.from(), f.to());
            switch (kind) {
                case SPM -> spmEncoder.encode((addSpacePrefix && prevSpecial ? " " + piece : piece).replace(' ', '\u2581'), out);
                case BPE -> bpeEncoder.encode(piece, out);
                case WPM -> wpmEncoder.encode(piece, out);
                case UGM -> ugmEncoder.encode(piece, out); // each fragment is normalised (and prefixed) alone
            }
            prevSpecial = false;
        }
        if (addSpecial && kind == Kind.WPM) {
            out.add(sep.orElseThrow(() -> new IllegalStateException("the vocabulary has no SEP token")));
        } else if (addSpecial && addEos) {
            out.add(eos.orElseThrow());
        }
        return out.toArray();
    }

    /** Replaces unpaired surrogates by '?', as UTF-8 encoding does, so text and its bytes agree. */
    private static String wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            }
        }
        return text;
    }

    /** llama.cpp's tokenizer_st_partition: split out special tokens, longest first. */
    private List<Fragment> partition(String s, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (s.isEmpty()) {
            return fragments;
        }
        fragments.add(Fragment.text(0, s.length()));
        for (int id : specials) {
            int attr = attrs[id];
            if (!parseSpecial && (attr & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) {
                continue;
            }
            String t = texts[id];
            List<Fragment> next = null;
            for (int k = 0; k < fragments.size(); k++) {
                Fragment f = fragments.get(k);
                int m = f.isText() ? s.indexOf(t, f.from()) : -1;
                if (m < 0 || m + t.length() > f.to()) {
                    if (next != null) {
                        next.add(f);
                    }
                    continue;
                }
                if (next == null) {
                    next = new ArrayList<>(fragments.subList(0, k));
                }
                int from = f.from();
                int to = f.to();
                while (m >= 0 && m + t.length() <= to) {
                    int leftEnd = m;
                    if ((attr & ATTR_LSTRIP) != 0) {
                        while (leftEnd > from && isSpace(s.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > from) {
                        next.add(Fragment.text(from, leftEnd));
                    }
                    next.add(new Fragment(id, 0, 0));
                    from = m + t.length();
                    if ((attr & ATTR_RSTRIP) != 0) {
                        while (from < to && isSpace(s.charAt(from))) {
                            from++;
                        }
                    }
                    m = from < to ? s.indexOf(t, from) : -1;
                }
                if (from < to) {
                    next.add(Fragment.text(from, to));
                }
            }
            if (next != null) {
                fragments = next;
            }
        }
        return fragments;
    }

    /** C isspace: space, \t, \n, \v, \f, \r. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    // ---- decode -----------------------------------------------------------------------------------------

    private void checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + texts.length);
        }
    }

    @Override
    public byte[] pieceBytes(int id, boolean renderSpecial) {
        checkId(id);
        if (!renderSpecial && (attrs[id] & (ATTR_UNKNOWN | ATTR_CONTROL)) != 0) {
            return new byte[0];
        }
        return pieces[id].clone();
    }

    @Override
    public String decode(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        int from = 0;
        int to = ids.length;
        for (int id : ids) {
            checkId(id);
        }
        boolean removeSpace = addSpacePrefix;
        if (removeSpecial && addBos && to > from && ids[from] == bos.orElseThrow()) {
            removeSpace = false; // llama.cpp keeps the space of the first word after BOS
            from++;
        }
        if (removeSpecial && addEos && to > from && ids[to - 1] == eos.orElseThrow()) {
            to--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            int id = ids[i];
            if (!renderSpecial && (attrs[id] & (ATTR_UNKNOWN | ATTR_CONTROL)) != 0) {
                removeSpace = false;
                continue;
            }
            byte[] p = pieces[id];
            int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            removeSpace = false;
        }
        byte[] bytes = out.toByteArray();
        if (cleanSpaces) {
            bytes = cleanUpSpaces(bytes);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** llama.cpp's clean_up_tokenization_spaces, byte for byte (three passes). */
    static byte[] cleanUpSpaces(byte[] t) {
        int n = t.length;
        if (n == 0) {
            return t;
        }
        // 1: " ?", " !", " .", " ," lose the space.
        byte[] a = new byte[n];
        int na = 0;
        a[na++] = t[0];
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                na--;
            }
            a[na++] = x;
        }
        // 2: " ' " becomes "'" (the space after is consumed and hides itself from the next check).
        byte[] b = new byte[na];
        int nb = 0;
        b[nb++] = a[0];
        for (int i = 1; i < na; i++) {
            byte x = a[i];
            if (x == '\'' && i + 1 < na && a[i - 1] == ' ' && a[i + 1] == ' ') {
                nb--;
                a[++i] = 0;
            }
            b[nb++] = x;
        }
        // 3: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
        byte[] c = new byte[nb];
        int nc = 0;
        c[nc++] = b[0];
        for (int i = 1; i < nb; i++) {
            byte x = b[i];
            if (b[i - 1] == ' ' && x == '\'' && i + 1 < nb) {
                byte x1 = b[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    nc--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < nb) {
                    byte x2 = b[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        nc--;
                    }
                }
            }
            c[nc++] = x;
        }
        return Arrays.copyOf(c, nc);
    }

    // ---- queries ----------------------------------------------------------------------------------------

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        return pieces[id].clone();
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        return texts[id];
    }

    @Override
    public int vocabSize() {
        return texts.length;
    }

    @Override
    public OptionalInt bos() {
        return bos;
    }

    @Override
    public OptionalInt eos() {
        return eos;
    }

    @Override
    public OptionalInt eot() {
        return eot;
    }

    @Override
    public OptionalInt eom() {
        return eom;
    }

    @Override
    public OptionalInt pad() {
        return pad;
    }

    @Override
    public boolean addsBos() {
        return addBos;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < texts.length && endOfGeneration.get(id);
    }

    /** WordPiece lowercases, strips accents and drops whitespace, Unigram may normalise and collapse spaces: decoding
     * need not give the input back. */
    boolean normalizesText() {
        return kind == Kind.WPM || kind == Kind.UGM;
    }

    /** Whether {@link #decode} applies llama.cpp's clean-up of tokenization spaces (most BPE vocabularies). */
    boolean cleansSpaces() {
        return cleanSpaces;
    }

    @Override
    public boolean isControl(int id) {
        checkId(id);
        return (attrs[id] & ATTR_CONTROL) != 0;
    }
}
