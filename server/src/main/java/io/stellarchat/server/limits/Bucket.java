package io.stellarchat.server.limits;

/**
 * One counter a request must fit in. Immutable; made per request by {@link RateLimiter}.
 *
 * @param kind   how it counts
 * @param key    where it lives (a Redis key, or the memory store's map key)
 * @param limit  the most it admits (already divided by the replica share while Redis is down)
 * @param amount what this request takes (1 for requests and concurrency, the token estimate for tokens)
 * @param param  window length in ms ({@link Kind#WINDOW}), lease length in ms ({@link Kind#CONCURRENT}), or the
 *               end of the budget's period in epoch ms ({@link Kind#BUDGET})
 * @param limitName the limit's wire name ({@code requests_per_minute} …) for errors and metrics
 * @param scope  {@code key} or {@code model <id>}, for errors
 * @param tokens whether the amount is tokens (reconciled when the answer ends)
 */
record Bucket(Kind kind, String key, long limit, long amount, long param, String limitName, String scope, boolean tokens) {
    enum Kind {
        /** A sliding window: the sum of the amounts admitted in the last {@code param} ms. */
        WINDOW("w"),
        /** Requests in flight, each with a lease that ends after {@code param} ms if it is never released. */
        CONCURRENT("c"),
        /** A running total until the period's end. */
        BUDGET("b");

        final String code;

        Kind(String code) {
            this.code = code;
        }
    }
}
