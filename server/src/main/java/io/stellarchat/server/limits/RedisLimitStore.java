package io.stellarchat.server.limits;

import io.lettuce.core.ScriptOutputType;
import io.stellarchat.server.redis.RedisLink;
import io.stellarchat.server.redis.RedisScript;
import java.util.ArrayList;
import java.util.List;

/**
 * Counters in Redis, shared by every replica: each reservation and each settlement is one Lua script, which Redis
 * runs atomically, so N replicas together admit exactly a limit. The semantics are those of
 * {@link MemoryLimitStore} (a test runs both through the same sequence).
 *
 * <p>Layout per bucket key {@code K}: a sliding window is a sorted set {@code K} (reservation id → admission
 * time), a hash {@code K:a} (id → amount) and a running sum {@code K:s}; a concurrency bucket a sorted set (id →
 * lease end); a budget a plain counter that expires after its period. Every key gets an expiry, so idle
 * callers leave nothing behind.
 */
final class RedisLimitStore implements LimitStore {
    private static final RedisScript RESERVE = RedisScript.of("""
            local now = tonumber(ARGV[1])
            local id = ARGV[2]
            local n = #KEYS
            local used = {}
            for i = 1, n do
              local k = KEYS[i]
              local base = 2 + (i - 1) * 4
              local kind = ARGV[base + 1]
              local limit = tonumber(ARGV[base + 2])
              local amount = tonumber(ARGV[base + 3])
              local p = tonumber(ARGV[base + 4])
              if kind == 'w' then
                local old = redis.call('ZRANGEBYSCORE', k, '-inf', now - p)
                if #old > 0 then
                  local amts = redis.call('HMGET', k .. ':a', unpack(old))
                  local s = 0
                  for j = 1, #amts do s = s + (tonumber(amts[j]) or 0) end
                  redis.call('DECRBY', k .. ':s', s)
                  redis.call('HDEL', k .. ':a', unpack(old))
                  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - p)
                end
                local u = tonumber(redis.call('GET', k .. ':s') or '0')
                used[i] = u
                if u + amount > limit then
                  if amount > limit then return {0, i, -1} end
                  local need = u + amount - limit
                  local entries = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
                  local freed = 0
                  local wait = p
                  for j = 1, #entries, 2 do
                    freed = freed + (tonumber(redis.call('HGET', k .. ':a', entries[j])) or 0)
                    if freed >= need then
                      wait = tonumber(entries[j + 1]) + p - now
                      break
                    end
                  end
                  return {0, i, wait}
                end
              elseif kind == 'c' then
                redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
                local u = redis.call('ZCARD', k)
                used[i] = u
                if u + 1 > limit then return {0, i, 1000} end
              else
                local u = tonumber(redis.call('GET', k) or '0')
                used[i] = u
                if u + amount > limit then
                  if amount > limit then return {0, i, -1} end
                  return {0, i, p - now}
                end
              end
            end
            local out = {1, 0, 0}
            for i = 1, n do
              local k = KEYS[i]
              local base = 2 + (i - 1) * 4
              local kind = ARGV[base + 1]
              local limit = tonumber(ARGV[base + 2])
              local amount = tonumber(ARGV[base + 3])
              local p = tonumber(ARGV[base + 4])
              local reset = 0
              if kind == 'w' then
                redis.call('ZADD', k, now, id)
                redis.call('HSET', k .. ':a', id, amount)
                redis.call('INCRBY', k .. ':s', amount)
                for _, x in ipairs({k, k .. ':a', k .. ':s'}) do redis.call('PEXPIRE', x, p + 1000) end
                local first = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
                reset = tonumber(first[2]) + p - now
              elseif kind == 'c' then
                redis.call('ZADD', k, now + p, id)
                redis.call('PEXPIRE', k, p + 1000)
                amount = 1
              else
                redis.call('INCRBY', k, amount)
                redis.call('PEXPIREAT', k, p + 3600000)
                reset = p - now
              end
              out[#out + 1] = limit - used[i] - amount
              out[#out + 1] = reset
            end
            return out
            """);
    private static final RedisScript SETTLE = RedisScript.of("""
            local id = ARGV[1]
            local delta = tonumber(ARGV[2])
            for i = 1, #KEYS do
              local k = KEYS[i]
              local kind = ARGV[2 + i]
              if kind == 'w' then
                if delta ~= 0 and redis.call('ZSCORE', k, id) then
                  redis.call('HINCRBY', k .. ':a', id, delta)
                  redis.call('INCRBY', k .. ':s', delta)
                end
              elseif kind == 'c' then
                redis.call('ZREM', k, id)
              elseif delta ~= 0 and redis.call('EXISTS', k) == 1 then
                redis.call('INCRBY', k, delta)
              end
            end
            return 1
            """);

    private final RedisLink redis;

    RedisLimitStore(RedisLink redis) {
        this.redis = redis;
    }

    @Override
    public Outcome reserve(String id, List<Bucket> buckets, long nowMs) {
        String[] keys = new String[buckets.size()];
        String[] args = new String[2 + 4 * buckets.size()];
        args[0] = Long.toString(nowMs);
        args[1] = id;
        for (int i = 0; i < buckets.size(); i++) {
            Bucket b = buckets.get(i);
            keys[i] = b.key();
            args[2 + 4 * i] = b.kind().code;
            args[3 + 4 * i] = Long.toString(b.limit());
            args[4 + 4 * i] = Long.toString(b.amount());
            args[5 + 4 * i] = Long.toString(b.param());
        }
        List<Object> reply = redis.eval(RESERVE, ScriptOutputType.MULTI, keys, args);
        long ok = (Long) reply.get(0);
        if (ok == 0) return Outcome.refused((int) ((Long) reply.get(1) - 1), (Long) reply.get(2));
        long[] remaining = new long[buckets.size()];
        long[] reset = new long[buckets.size()];
        for (int i = 0; i < buckets.size(); i++) {
            remaining[i] = (Long) reply.get(3 + 2 * i);
            reset[i] = (Long) reply.get(4 + 2 * i);
        }
        return new Outcome(true, -1, 0, remaining, reset);
    }

    @Override
    public void settle(String id, List<Bucket> buckets, long tokenDelta) {
        List<Bucket> touched = new ArrayList<>();
        for (Bucket b : buckets) {
            if (b.kind() == Bucket.Kind.CONCURRENT || tokenDelta != 0 && b.tokens()) touched.add(b);
        }
        if (touched.isEmpty()) return;
        String[] keys = new String[touched.size()];
        String[] args = new String[2 + touched.size()];
        args[0] = id;
        args[1] = Long.toString(tokenDelta);
        for (int i = 0; i < touched.size(); i++) {
            keys[i] = touched.get(i).key();
            args[2 + i] = touched.get(i).kind().code;
        }
        redis.evalAsync(SETTLE, ScriptOutputType.INTEGER, keys, args);
    }
}
