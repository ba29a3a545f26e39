package io.stellarchat.server.limits;

/**
 * A store's answer to a reservation.
 *
 * @param admitted     whether every bucket admitted it (then each took its amount)
 * @param failed       the index of the first bucket that refused, or -1
 * @param retryAfterMs when the refusing bucket would admit it (-1: never, the request alone is over the limit)
 * @param remaining    per bucket, what is left after this request (admitted only)
 * @param resetMs      per bucket, ms until it next frees capacity (admitted only)
 */
record Outcome(boolean admitted, int failed, long retryAfterMs, long[] remaining, long[] resetMs) {
    static Outcome refused(int failed, long retryAfterMs) {
        return new Outcome(false, failed, retryAfterMs, new long[0], new long[0]);
    }
}
