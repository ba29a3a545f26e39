/**
 * Who may call and how much: {@link io.stellarchat.server.limits.KeyRing} turns a presented secret into a
 * {@link io.stellarchat.server.limits.Caller} (static keys from the configuration, managed keys from the
 * database, looked up by SHA-256), and {@link io.stellarchat.server.limits.RateLimiter} admits requests by their
 * caller's limits, in Redis shared by replicas or in memory.
 */
package io.stellarchat.server.limits;
