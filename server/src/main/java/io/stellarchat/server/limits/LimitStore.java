package io.stellarchat.server.limits;

import java.util.List;

/** Where counters live: Redis (shared by replicas) or this process's memory. Each call is atomic over its buckets. */
interface LimitStore {
    /** Admits a request into every bucket, or into none. */
    Outcome reserve(String id, List<Bucket> buckets, long nowMs);

    /**
     * Ends a request: releases its concurrency places and corrects its token buckets by {@code tokenDelta}
     * (actual − reserved; negative gives tokens back). May return before it is applied (Redis: sent without
     * waiting, off the request's thread), but it is applied before any later reservation of this replica (one
     * connection keeps commands in order).
     */
    void settle(String id, List<Bucket> buckets, long tokenDelta);
}
