package io.stellarchat.engine.tokenizer;

import io.stellarchat.engine.gguf.GgufFormatException;
import io.stellarchat.engine.gguf.GgufMetadata;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a GGUF file says about its tokenizer, with llama.cpp's defaults already applied.
 *
 * <p>Metadata keys (all under {@code tokenizer.ggml.}): {@code model} ({@code llama} = SentencePiece-style,
 * {@code gpt2} = byte-level BPE, {@code bert} = WordPiece, {@code t5} = SentencePiece Unigram), {@code pre} (pre-tokenizer name, gpt2 only), {@code tokens} (string array,
 * the id is the index), {@code scores} (float array, SPM merge priority), {@code token_type} (int array:
 * {@link #TYPE_NORMAL} 1, {@link #TYPE_UNKNOWN} 2, {@link #TYPE_CONTROL} 3, {@link #TYPE_USER_DEFINED} 4,
 * {@link #TYPE_UNUSED} 5, {@link #TYPE_BYTE} 6), {@code merges} (strings {@code "left right"}, the index is the
 * rank), {@code bos_token_id}, {@code eos_token_id}, {@code eot_token_id}, {@code eom_token_id},
 * {@code unknown_token_id}, {@code seperator_token_id} (sic), {@code padding_token_id}, {@code add_bos_token},
 * {@code add_eos_token}, {@code add_space_prefix}, {@code remove_extra_whitespaces} and
 * {@code precompiled_charsmap} (bytes; Unigram only).
 *
 * <p>Arrays are copied in and out; a vocabulary is immutable. Absent ids are {@link OptionalInt#empty()}.
 *
 * @param model          {@code "llama"}, {@code "gpt2"}, {@code "bert"} or {@code "t5"}
 * @param pre            the pre-tokenizer name, {@code ""} when absent (llama.cpp then uses {@code default})
 * @param name           {@code general.name}, {@code ""} when absent (llama.cpp keys a few token rules on it)
 * @param tokens         token texts, index = id; never empty strings
 * @param scores         one score per token
 * @param tokenTypes     one type per token
 * @param merges         BPE merges by rank (empty for {@code llama} and {@code bert})
 * @param special        special token ids
 * @param flags          switches (add BOS/EOS/SEP, space prefix, BERT normalizer)
 * @param charsmap       Unigram: SentencePiece's precompiled normaliser, empty when absent
 */
public record Vocabulary(String model, String pre, String name, String[] tokens, float[] scores, int[] tokenTypes,
                         String[] merges, SpecialTokens special, Flags flags, byte[] charsmap) {

    /** A vocabulary without a precompiled charsmap. */
    public Vocabulary(String model, String pre, String name, String[] tokens, float[] scores, int[] tokenTypes,
                      String[] merges, SpecialTokens special, Flags flags) {
        this(model, pre, name, tokens, scores, tokenTypes, merges, special, flags, new byte[0]);
    }

    /**
     * Special token ids; absent ones are empty.
     *
     * @param bos beginning of sequence ({@code bos_token_id}; BERT: {@code [CLS]})
     * @param eos end of sequence
     * @param eot end of turn (when the file names one; the tokenizer also detects it by text)
     * @param eom end of message (Llama 3.1 tool calls)
     * @param unk unknown
     * @param sep separator (BERT {@code [SEP]})
     * @param pad padding
     */
    public record SpecialTokens(OptionalInt bos, OptionalInt eos, OptionalInt eot, OptionalInt eom, OptionalInt unk,
                                OptionalInt sep, OptionalInt pad) {
        public SpecialTokens {
            Objects.requireNonNull(bos, "bos");
            Objects.requireNonNull(eos, "eos");
            Objects.requireNonNull(eot, "eot");
            Objects.requireNonNull(eom, "eom");
            Objects.requireNonNull(unk, "unk");
            Objects.requireNonNull(sep, "sep");
            Objects.requireNonNull(pad, "pad");
        }
    }

    /**
     * Tokenizer switches.
     *
     * @param addBos         {@code encode(…, addSpecial=true, …)} starts with BOS
     * @param addEos         {@code encode(…, addSpecial=true, …)} ends with EOS
     * @param addSep         BERT: {@code encode(…, addSpecial=true, …)} ends with SEP
     * @param addSpacePrefix SPM: a space is put before text that starts the input or follows a special token
     * @param lowercase      BERT normalizer: lowercase ({@code tokenizer.ggml.normalizer.lowercase})
     * @param stripAccents   BERT normalizer: drop accents ({@code tokenizer.ggml.normalizer.strip_accents})
     * @param removeExtraWhitespaces Unigram: collapse runs of spaces, one {@code ▁} before every word
     *                       ({@code tokenizer.ggml.remove_extra_whitespaces})
     */
    public record Flags(boolean addBos, boolean addEos, boolean addSep, boolean addSpacePrefix, boolean lowercase,
                        boolean stripAccents, boolean removeExtraWhitespaces) {
        /** Flags without {@code removeExtraWhitespaces}. */
        public Flags(boolean addBos, boolean addEos, boolean addSep, boolean addSpacePrefix, boolean lowercase,
                     boolean stripAccents) {
            this(addBos, addEos, addSep, addSpacePrefix, lowercase, stripAccents, false);
        }
    }

    public static final int TYPE_UNDEFINED = 0;
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    public static final String MODEL_SPM = "llama";
    public static final String MODEL_BPE = "gpt2";
    public static final String MODEL_WPM = "bert";
    public static final String MODEL_UGM = "t5";

    /**
     * @throws IllegalArgumentException if array lengths disagree, an id is outside the vocabulary, or BOS/EOS
     *                                  is to be added but not defined (duplicate tokens are rejected by
     *                                  {@link Tokenizer#create})
     */
    public Vocabulary {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(pre, "pre");
        Objects.requireNonNull(name, "name");
        tokens = Objects.requireNonNull(tokens, "tokens").clone();
        scores = Objects.requireNonNull(scores, "scores").clone();
        tokenTypes = Objects.requireNonNull(tokenTypes, "tokenTypes").clone();
        merges = Objects.requireNonNull(merges, "merges").clone();
        charsmap = Objects.requireNonNull(charsmap, "charsmap").clone();
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("tokenizer.ggml.tokens is empty");
        }
        if (scores.length != n) {
            throw new IllegalArgumentException("tokenizer.ggml.scores has " + scores.length + " entries for " + n + " tokens");
        }
        if (tokenTypes.length != n) {
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + tokenTypes.length + " entries for " + n + " tokens");
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null) {
                throw new IllegalArgumentException("tokenizer.ggml.tokens[" + i + "] is null");
            }
        }
        for (int i = 0; i < merges.length; i++) {
            if (merges[i] == null) {
                throw new IllegalArgumentException("tokenizer.ggml.merges[" + i + "] is null");
            }
        }
        Objects.requireNonNull(special, "special");
        Objects.requireNonNull(flags, "flags");
        checkId("bos_token_id", special.bos(), n);
        checkId("eos_token_id", special.eos(), n);
        checkId("eot_token_id", special.eot(), n);
        checkId("eom_token_id", special.eom(), n);
        checkId("unknown_token_id", special.unk(), n);
        checkId("seperator_token_id", special.sep(), n);
        checkId("padding_token_id", special.pad(), n);
        if (flags.addBos() && special.bos().isEmpty()) {
            throw new IllegalArgumentException("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
        }
        if (flags.addEos() && special.eos().isEmpty()) {
            throw new IllegalArgumentException("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");
        }
        if (flags.addSep() && special.sep().isEmpty()) {
            throw new IllegalArgumentException("tokenizer.ggml.add_sep_token is true, but tokenizer.ggml.seperator_token_id is not set");
        }
    }

    private static void checkId(String key, OptionalInt id, int n) {
        if (id.isPresent() && (id.getAsInt() < 0 || id.getAsInt() >= n)) {
            throw new IllegalArgumentException("tokenizer.ggml." + key + " = " + id.getAsInt() + " is outside the vocabulary of " + n);
        }
    }

    @Override
    public String[] tokens() {
        return tokens.clone();
    }

    @Override
    public float[] scores() {
        return scores.clone();
    }

    @Override
    public int[] tokenTypes() {
        return tokenTypes.clone();
    }

    @Override
    public String[] merges() {
        return merges.clone();
    }

    @Override
    public byte[] charsmap() {
        return charsmap.clone();
    }

    /** Number of tokens. */
    public int size() {
        return tokens.length;
    }

    @Override
    public String toString() {
        return "Vocabulary[model=" + model + ", pre=" + pre + ", tokens=" + tokens.length + ", merges="
                + merges.length + ", " + special + ", " + flags + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && model.equals(v.model) && pre.equals(v.pre) && name.equals(v.name)
                && Arrays.equals(tokens, v.tokens) && Arrays.equals(scores, v.scores)
                && Arrays.equals(tokenTypes, v.tokenTypes) && Arrays.equals(merges, v.merges)
                && special.equals(v.special) && flags.equals(v.flags) && Arrays.equals(charsmap, v.charsmap);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, pre, tokens.length, merges.length, special, flags);
    }

    private static final String P = "tokenizer.ggml.";

    /**
     * Reads the {@code tokenizer.ggml.*} keys and resolves them the way llama.cpp's {@code llama_vocab::load}
     * does: per-model default special ids (llama: BOS 1, EOS 2, UNK 0; gpt2: BOS = EOS = 11; bert: BOS 101,
     * UNK 100, SEP 102, PAD 0; t5: EOS 1, UNK 2, PAD 0, no BOS); an id key whose value is outside the vocabulary (e.g. u32 {@code 4294967295},
     * "none") keeps the default, and a default outside the vocabulary is dropped; {@code add_bos_token} defaults
     * to true for llama, bert and the llama3 family of pre-tokenizers; {@code add_space_prefix} defaults to
     * true for llama; t5 adds EOS by default and no BOS.
     *
     * @throws GgufFormatException      if a {@code tokenizer.*} key has the wrong type
     * @throws IllegalArgumentException if a required key is missing, the model or pre-tokenizer is not
     *                                  supported, or the values contradict each other
     */
    public static Vocabulary fromMetadata(GgufMetadata metadata) throws GgufFormatException {
        return fromMetadata(MetadataView.of(metadata));
    }

    /** {@link #fromMetadata(GgufMetadata)} over any metadata source. */
    static Vocabulary fromMetadata(MetadataView m) throws GgufFormatException {
        if (!m.has(P + "model")) {
            throw new IllegalArgumentException("missing " + P + "model");
        }
        String model = m.string(P + "model");
        if (!model.equals(MODEL_SPM) && !model.equals(MODEL_BPE) && !model.equals(MODEL_WPM)
                && !model.equals(MODEL_UGM)) {
            throw new IllegalArgumentException("unsupported " + P + "model '" + model
                    + "' (supported: llama, gpt2, bert, t5)");
        }
        boolean spm = model.equals(MODEL_SPM);
        boolean wpm = model.equals(MODEL_WPM);
        boolean ugm = model.equals(MODEL_UGM);
        String pre = m.has(P + "pre") ? m.string(P + "pre") : "";
        String name = m.has("general.name") ? m.string("general.name") : "";
        if (!m.has(P + "tokens")) {
            throw new IllegalArgumentException("missing " + P + "tokens");
        }
        String[] tokens = m.strings(P + "tokens");
        int n = tokens.length;
        float[] scores = m.has(P + "scores") ? m.floats(P + "scores") : new float[n];
        if (scores.length < n) {
            throw new IllegalArgumentException(P + "scores has " + scores.length + " entries for " + n + " tokens");
        }
        int[] types;
        if (m.has(P + "token_type")) {
            types = m.ints(P + "token_type");
            if (types.length < n) {
                throw new IllegalArgumentException(P + "token_type has " + types.length + " entries for " + n + " tokens");
            }
        } else {
            types = new int[n];
            Arrays.fill(types, TYPE_NORMAL);
        }
        String[] merges = new String[0];
        boolean preAddsBos = false;
        boolean noBos = false;
        if (model.equals(MODEL_BPE)) {
            if (!m.has(P + "merges")) {
                throw new IllegalArgumentException("missing " + P + "merges (required for model gpt2)");
            }
            merges = m.strings(P + "merges");
            PreType.Profile profile = PreType.profile(pre);
            preAddsBos = profile.addBos();
            noBos = profile.noBos();
        }
        SpecialTokens special = new SpecialTokens(
                id(m, "bos_token_id", spm ? 1 : wpm ? 101 : noBos || ugm ? -1 : 11, n),
                id(m, "eos_token_id", spm ? 2 : wpm ? -1 : ugm ? 1 : 11, n),
                id(m, "eot_token_id", -1, n),
                id(m, "eom_token_id", -1, n),
                id(m, "unknown_token_id", spm ? 0 : wpm ? 100 : ugm ? 2 : -1, n),
                id(m, "seperator_token_id", wpm ? 102 : -1, n),
                id(m, "padding_token_id", wpm || ugm ? 0 : -1, n));
        boolean lowercase = !m.has(P + "normalizer.lowercase") || m.bool(P + "normalizer.lowercase");
        Flags flags = new Flags(
                flag(m, "add_bos_token", !ugm && (spm || wpm || preAddsBos)),
                flag(m, "add_eos_token", ugm),
                flag(m, "add_sep_token", wpm),
                flag(m, "add_space_prefix", spm),
                lowercase,
                flag(m, "normalizer.strip_accents", lowercase),
                flag(m, "remove_extra_whitespaces", false));
        byte[] charsmap = new byte[0];
        if (ugm && m.has(P + "precompiled_charsmap")) {
            charsmap = m.bytes(P + "precompiled_charsmap");
        }
        return new Vocabulary(model, pre, name, Arrays.copyOf(tokens, n), Arrays.copyOf(scores, n),
                Arrays.copyOf(types, n), merges, special, flags, charsmap);
    }

    private static boolean flag(MetadataView m, String key, boolean dflt) throws GgufFormatException {
        return m.has(P + key) ? m.bool(P + key) : dflt;
    }

    private static OptionalInt id(MetadataView m, String key, int dflt, int n) throws GgufFormatException {
        // (the -1 here is a local "no default", never stored)
        int id = dflt >= 0 && dflt < n ? dflt : -1;
        if (m.has(P + key)) {
            long v = m.integer(P + key);
            if (v >= 0 && v < n) {
                id = (int) v;
            }
        }
        return id >= 0 ? OptionalInt.of(id) : OptionalInt.empty();
    }
}
