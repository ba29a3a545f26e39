package io.stellarchat.server.limits;

/**
 * One set of rate limits; 0 means no limit of that kind.
 *
 * @param requestsPerMinute requests in any 60-second window
 * @param tokensPerMinute   tokens (prompt + completion, reserved then reconciled) in any 60-second window
 * @param maxConcurrent     requests in flight at once
 * @param tokensPerDay      tokens per UTC calendar day
 * @param tokensPerMonth    tokens per UTC calendar month
 */
public record LimitSpec(long requestsPerMinute, long tokensPerMinute, long maxConcurrent, long tokensPerDay,
                        long tokensPerMonth) {
    /** No limits. */
    public static final LimitSpec NONE = new LimitSpec(0, 0, 0, 0, 0);

    public LimitSpec {
        if (requestsPerMinute < 0 || tokensPerMinute < 0 || maxConcurrent < 0 || tokensPerDay < 0 || tokensPerMonth < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }

    /** Whether nothing is limited. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /** Whether any token limit is set (then a request's tokens must be estimated). */
    public boolean limitsTokens() {
        return tokensPerMinute > 0 || tokensPerDay > 0 || tokensPerMonth > 0;
    }
}
