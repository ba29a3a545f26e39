/**
 * The Redis connection replicas share for rate limits and caches ({@link io.stellarchat.server.redis.RedisLink}):
 * up/down state with a probe thread, Lua scripts by SHA, the live-replica count. Used by {@code limits} and
 * {@code cache}; knows neither.
 */
package io.stellarchat.server.redis;
