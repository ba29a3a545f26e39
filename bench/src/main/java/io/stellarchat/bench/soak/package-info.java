/**
 * Long-running reliability benchmarks against a child {@code stellar serve}: {@link
 * io.stellarchat.bench.soak.SoakBench} ({@code ./stellar bench soak}: steady mixed traffic for an hour, resource
 * samples every 30 s, least-squares slopes) and {@link io.stellarchat.bench.soak.KillBench} ({@code ./stellar bench
 * kills}: hundreds of SIGKILLs mid-reply on SQLite or PostgreSQL, the store checked after each).
 */
package io.stellarchat.bench.soak;
