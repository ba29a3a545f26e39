package io.stellarchat.engine.runtime;

/**
 * A request could never run: the KV entries it needs at least (its prompt and one reply token) are more than
 * the engine's whole KV block pool holds. Retrying does not help; a shorter prompt or a larger KV cache does.
 * (A reply budget beyond the pool is not refused: the reply ends with {@code LENGTH} at the pool's size.)
 */
public final class KvCacheCapacityException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int tokens;
    private final long poolTokens;

    public KvCacheCapacityException(int tokens, long poolTokens) {
        super("the request needs KV cache entries for at least " + tokens + " tokens (its prompt and one reply"
                + " token) but the engine's whole KV cache holds " + poolTokens + " tokens");
        this.tokens = tokens;
        this.poolTokens = poolTokens;
    }

    public int tokens() {
        return tokens;
    }

    public long poolTokens() {
        return poolTokens;
    }
}
