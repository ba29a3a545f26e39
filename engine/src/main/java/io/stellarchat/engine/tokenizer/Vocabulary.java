package io.stellarchat.engine.tokenizer;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a GGUF file says about its tokenizer, with llama.cpp's defaults already applied.
 *
 * <p>Metadata keys (all under {@code tokenizer.ggml.}): {@code model} ({@code llama} = SentencePiece-style,
 * {@code gpt2} = byte-level BPE), {@code pre} (pre-tokenizer name, gpt2 only), {@code tokens} (string array,
 * the id is the index), {@code scores} (float array, SPM merge priority), {@code token_type} (int array:
 * {@link #TYPE_NORMAL} 1, {@link #TYPE_UNKNOWN} 2, {@link #TYPE_CONTROL} 3, {@link #TYPE_USER_DEFINED} 4,
 * {@link #TYPE_UNUSED} 5, {@link #TYPE_BYTE} 6), {@code merges} (strings {@code "left right"}, the index is the
 * rank), {@code bos_token_id}, {@code eos_token_id}, {@code eot_token_id}, {@code eom_token_id},
 * {@code unknown_token_id}, {@code seperator_token_id} (sic), {@code padding_token_id}, {@code add_bos_token},
 * {@code add_eos_token}, {@code add_space_prefix}.
 *
 * <p>Arrays are copied in and out; a vocabulary is immutable. Absent ids are {@link OptionalInt#empty()}.
 *
 * @param model          {@code "llama"} or {@code "gpt2"}
 * @param pre            the pre-tokenizer name, {@code ""} when absent (llama.cpp then uses {@code default})
 * @param name           {@code general.name}, {@code ""} when absent (llama.cpp keys a few token rules on it)
 * @param tokens         token texts, index = id; never empty strings
 * @param scores         one score per token
 * @param tokenTypes     one type per token
 * @param merges         BPE merges by rank (empty for {@code llama})
 * @param addBos         {@code encode(…, addSpecial=true, …)} starts with BOS
 * @param addEos         {@code encode(…, addSpecial=true, …)} ends with EOS
 * @param addSpacePrefix SPM: a space is put before text that starts the input or follows a special token
 */
public record Vocabulary(String model, String pre, String name, String[] tokens, float[] scores, int[] tokenTypes,
                         String[] merges, OptionalInt bos, OptionalInt eos, OptionalInt eot, OptionalInt eom,
                         OptionalInt unk, OptionalInt sep, OptionalInt pad, boolean addBos, boolean addEos,
                         boolean addSpacePrefix) {

    public static final int TYPE_UNDEFINED = 0;
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    public static final String MODEL_SPM = "llama";
    public static final String MODEL_BPE = "gpt2";

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
        checkId("bos_token_id", bos, n);
        checkId("eos_token_id", eos, n);
        checkId("eot_token_id", eot, n);
        checkId("eom_token_id", eom, n);
        checkId("unknown_token_id", unk, n);
        checkId("seperator_token_id", sep, n);
        checkId("padding_token_id", pad, n);
        if (addBos && bos.isEmpty()) {
            throw new IllegalArgumentException("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
        }
        if (addEos && eos.isEmpty()) {
            throw new IllegalArgumentException("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");
        }
    }

    private static void checkId(String key, OptionalInt id, int n) {
        Objects.requireNonNull(id, key);
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

    /** Number of tokens. */
    public int size() {
        return tokens.length;
    }

    @Override
    public String toString() {
        return "Vocabulary[model=" + model + ", pre=" + pre + ", tokens=" + tokens.length + ", merges="
                + merges.length + ", bos=" + bos + ", eos=" + eos + ", addBos=" + addBos + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && model.equals(v.model) && pre.equals(v.pre) && name.equals(v.name)
                && Arrays.equals(tokens, v.tokens) && Arrays.equals(scores, v.scores)
                && Arrays.equals(tokenTypes, v.tokenTypes) && Arrays.equals(merges, v.merges) && bos.equals(v.bos)
                && eos.equals(v.eos) && eot.equals(v.eot) && eom.equals(v.eom) && unk.equals(v.unk)
                && sep.equals(v.sep) && pad.equals(v.pad) && addBos == v.addBos && addEos == v.addEos
                && addSpacePrefix == v.addSpacePrefix;
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, pre, tokens.length, merges.length, bos, eos);
    }

    private static final String P = "tokenizer.ggml.";

    /**
     * Reads the {@code tokenizer.ggml.*} keys and resolves them the way llama.cpp's {@code llama_vocab::load}
     * does: per-model default special ids (llama: BOS 1, EOS 2, UNK 0; gpt2: BOS = EOS = 11), an id key whose
     * value is outside the vocabulary (e.g. u32 {@code 4294967295} = "none") keeps the default, a default outside
     * the vocabulary is dropped; {@code add_bos_token} defaults to true for llama and for the llama3 family of
     * pre-tokenizers; {@code add_space_prefix} defaults to true for llama.
     *
     * @throws IllegalArgumentException if a required key is missing or the model is not supported
     */
    static Vocabulary fromMetadata(MetadataView m) {
        if (!m.has(P + "model")) {
            throw new IllegalArgumentException("missing " + P + "model");
        }
        String model = m.string(P + "model");
        boolean spm = model.equals(MODEL_SPM);
        if (!spm && !model.equals(MODEL_BPE)) {
            throw new IllegalArgumentException("unsupported " + P + "model '" + model + "' (supported: llama, gpt2)");
        }
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
        PreType.Profile profile = null;
        if (!spm) {
            if (!m.has(P + "merges")) {
                throw new IllegalArgumentException("missing " + P + "merges (required for model gpt2)");
            }
            merges = m.strings(P + "merges");
            profile = PreType.profile(pre);
        }
        OptionalInt bos = id(m, "bos_token_id", spm ? 1 : (profile.noBos() ? -1 : 11), n);
        OptionalInt eos = id(m, "eos_token_id", spm ? 2 : 11, n);
        OptionalInt eot = id(m, "eot_token_id", -1, n);
        OptionalInt eom = id(m, "eom_token_id", -1, n);
        OptionalInt unk = id(m, "unknown_token_id", spm ? 0 : -1, n);
        OptionalInt sep = id(m, "seperator_token_id", -1, n);
        OptionalInt pad = id(m, "padding_token_id", -1, n);
        boolean addBos = m.has(P + "add_bos_token") ? m.bool(P + "add_bos_token") : spm || profile.addBos();
        boolean addEos = m.has(P + "add_eos_token") && m.bool(P + "add_eos_token");
        boolean addSpacePrefix = m.has(P + "add_space_prefix") ? m.bool(P + "add_space_prefix") : spm;
        return new Vocabulary(model, pre, name, Arrays.copyOf(tokens, n), Arrays.copyOf(scores, n),
                Arrays.copyOf(types, n), merges, bos, eos, eot, eom, unk, sep, pad, addBos, addEos, addSpacePrefix);
    }

    private static OptionalInt id(MetadataView m, String key, int dflt, int n) {
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
