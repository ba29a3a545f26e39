package io.stellarchat.engine.runtime;

import io.stellarchat.engine.model.KvCache;
import java.util.Arrays;

/**
 * One request inside the batching engine: its tokens (prompt, then generated), how many of them have KV
 * entries ({@link #computed()}), its block table, its status, and — for the engine — its decoder and handle.
 *
 * <p>Invariants: {@code 0 <= computed < length} while running (the last token is always still to be fed:
 * it is the prompt's last token or the token sampled last); the block table covers at least
 * {@code computed} positions; the first {@code hashedBlocks} full blocks have their chain hashes in
 * {@code blockHashes}. Owned by the engine thread (the {@link Scheduler} and the engine loop).
 */
final class Sequence {
    private final String id;
    private final int promptLength;
    private final int capacity;
    private final long arrivalNanos;
    final KvCache kv;
    private int[] tokens;
    private int length;
    int computed;
    SequenceStatus status = SequenceStatus.WAITING;
    long[] blockHashes = new long[8];
    int hashedBlocks;
    /** Prompt tokens served from the prefix cache at first admission. */
    int cachedTokens;
    boolean admittedOnce;
    long startNanos;

    // Engine side; the scheduler never reads these.
    SequenceDecoder decoder;
    RequestHandle handle;
    /** Whether the engine stopped counting it against the queue limit (admitted or ended). */
    boolean leftQueue;

    /**
     * @param capacity positions the sequence may use at most (prompt plus reply budget within its context)
     */
    Sequence(String id, int[] prompt, int capacity, long arrivalNanos, KvCache kv) {
        if (prompt.length == 0 || capacity <= prompt.length - 1) {
            throw new IllegalArgumentException("a sequence needs a prompt that fits its capacity");
        }
        this.id = id;
        this.promptLength = prompt.length;
        this.capacity = capacity;
        this.arrivalNanos = arrivalNanos;
        this.kv = kv;
        this.tokens = Arrays.copyOf(prompt, Math.max(prompt.length + 16, 32));
        this.length = prompt.length;
    }

    String id() {
        return id;
    }

    int promptLength() {
        return promptLength;
    }

    int capacity() {
        return capacity;
    }

    long arrivalNanos() {
        return arrivalNanos;
    }

    /** Tokens so far: prompt and generated. */
    int length() {
        return length;
    }

    int token(int i) {
        return tokens[i];
    }

    /** The backing array; positions {@code [0, length())} are valid. */
    int[] tokenArray() {
        return tokens;
    }

    /** Tokens that have KV entries in the block table. */
    int computed() {
        return computed;
    }

    SequenceStatus status() {
        return status;
    }

    /** Adds a sampled token, to be fed at position {@code length() - 1} by a later step. */
    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
    }

    void recordHash(long hash) {
        if (hashedBlocks == blockHashes.length) {
            blockHashes = Arrays.copyOf(blockHashes, hashedBlocks * 2);
        }
        blockHashes[hashedBlocks++] = hash;
    }

    @Override
    public String toString() {
        return id + "[" + status + ", " + computed + "/" + length + " tokens, " + kv.blockCount() + " blocks]";
    }
}
