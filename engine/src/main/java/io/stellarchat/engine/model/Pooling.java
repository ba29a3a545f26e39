package io.stellarchat.engine.model;

/**
 * How an encoder turns its per-token outputs into one vector per input: {@code <arch>.pooling_type}, with
 * llama.cpp's numbering ({@code llama_pooling_type}).
 */
public enum Pooling {
    /** 0: no pooling in the file; the engine mean-pools (the usual choice of sentence-embedding models). */
    NONE(0),
    /** 1: the average of every token's output. */
    MEAN(1),
    /** 2: the output of the first token ({@code [CLS]}). */
    CLS(2),
    /** 3: the output of the last token. */
    LAST(3),
    /** 4: a cross-encoder's score: the first token through the classifier head ({@code cls}, {@code cls.output}). */
    RANK(4);

    private final int code;

    Pooling(int code) {
        this.code = code;
    }

    /** The value stored in {@code <arch>.pooling_type}. */
    public int code() {
        return code;
    }

    /** The pooling stored as {@code code}; fails naming the key for an unknown value. */
    public static Pooling fromCode(int code, String key) throws ModelLoadException {
        for (Pooling p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw new ModelLoadException(key + " = " + code + " is not a known pooling type (0 none, 1 mean, 2 cls, 3 last, 4 rank)");
    }
}
