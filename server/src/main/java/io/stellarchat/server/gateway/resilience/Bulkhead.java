package io.stellarchat.server.gateway.resilience;

/**
 * Bounds the requests in flight to one provider ({@code max_concurrency}): a request that would exceed it
 * is not sent (the caller tries another upstream, or answers 429/503) instead of queueing behind a provider
 * that is already saturated.
 *
 * <p><b>Threads.</b> Shared by every request thread that calls the provider; non-blocking. The one piece of
 * state is the in-flight count, an {@link java.util.concurrent.atomic.AtomicInteger} changed by a
 * compare-and-set loop, so it never exceeds {@link #limit()}. Every successful {@link #tryEnter()} must be
 * paired with exactly one {@link #exit()} (in a {@code finally}), on any thread.
 */
public final class Bulkhead {
    private final int limit;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    /** @param limit requests in flight at most, >= 1 */
    public Bulkhead(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be >= 1: " + limit);
        this.limit = limit;
    }

    /** Takes a place if one is free; false (and nothing taken) when {@link #limit()} are in flight. */
    public boolean tryEnter() {
        while (true) {
            int n = inFlight.get();
            if (n >= limit) return false;
            if (inFlight.compareAndSet(n, n + 1)) return true;
        }
    }

    /** Gives back a place taken by {@link #tryEnter()}. */
    public void exit() {
        while (true) {
            int n = inFlight.get();
            if (n == 0) throw new IllegalStateException("exit() without a matching tryEnter()");
            if (inFlight.compareAndSet(n, n - 1)) return;
        }
    }

    /** Requests in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    public int limit() {
        return limit;
    }

    /** Whether a {@link #tryEnter()} now would fail (a hint for routing; the answer may change at once). */
    public boolean full() {
        return inFlight.get() >= limit;
    }
}
