/**
 * Caches that save paying twice for the same answer: {@link io.stellarchat.server.cache.ResponseCache} (whole
 * answers to deterministic requests, replayed as the same events) and
 * {@link io.stellarchat.server.cache.EmbeddingCache} (one vector per model and input), both over
 * {@link io.stellarchat.server.cache.CacheTiers} — Caffeine in memory in front of Redis. Speaks {@code protocol};
 * what is cacheable is the API's decision.
 */
package io.stellarchat.server.cache;
