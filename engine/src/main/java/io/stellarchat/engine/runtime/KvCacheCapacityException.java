package io.stellarchat.engine.runtime;

/**
 * A request could never run: the KV entries it may need (prompt plus reply budget, within its context) are
 * more than the engine's whole KV block pool holds. Retrying does not help; a smaller context or
 * {@code max_tokens} does.
 */
public final class KvCacheCapacityException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int tokens;
    private final long poolTokens;

    public KvCacheCapacityException(int tokens, long poolTokens) {
        super("the request may need KV cache entries for " + tokens + " tokens (prompt + max tokens, within its"
                + " context) but the engine's whole KV cache holds " + poolTokens
                + " tokens; lower max_tokens or the context length");
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
