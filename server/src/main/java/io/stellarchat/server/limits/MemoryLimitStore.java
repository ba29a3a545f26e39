package io.stellarchat.server.limits;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counters in this process: the same semantics as the Redis script ({@link RedisLimitStore}), for a single
 * machine or while Redis is down.
 *
 * <p>Threads: one lock over all counters, so a reservation is atomic across its buckets; it is held for a few
 * map operations only. Buckets no longer used are dropped when they empty.
 */
final class MemoryLimitStore implements LimitStore {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Window> windows = new HashMap<>();
    private final Map<String, Map<String, Long>> leases = new HashMap<>(); // key → reservation id → lease end
    private final Map<String, long[]> budgets = new HashMap<>();          // key → {used, period end}

    private record Entry(String id, long at, long[] amount) {}

    private static final class Window {
        final ArrayDeque<Entry> entries = new ArrayDeque<>(); // oldest first
        final Map<String, Entry> byId = new HashMap<>();      // the same entries, for settling in O(1)
        long sum;

        void expire(long now, long length) {
            while (!entries.isEmpty() && entries.peekFirst().at() <= now - length) {
                Entry e = entries.pollFirst();
                byId.remove(e.id());
                sum -= e.amount()[0];
            }
        }

        void add(Entry e) {
            entries.addLast(e);
            byId.put(e.id(), e);
            sum += e.amount()[0];
        }
    }

    @Override
    public Outcome reserve(String id, List<Bucket> buckets, long now) {
        lock.lock();
        try {
            long[] used = new long[buckets.size()];
            for (int i = 0; i < buckets.size(); i++) {
                Bucket b = buckets.get(i);
                switch (b.kind()) {
                    case WINDOW -> {
                        Window w = windows.computeIfAbsent(b.key(), k -> new Window());
                        w.expire(now, b.param());
                        used[i] = w.sum;
                        if (w.sum + b.amount() > b.limit()) {
                            if (b.amount() > b.limit()) return Outcome.refused(i, -1);
                            long need = w.sum + b.amount() - b.limit();
                            long freed = 0;
                            long wait = b.param();
                            for (Entry e : w.entries) {
                                freed += e.amount()[0];
                                if (freed >= need) {
                                    wait = e.at() + b.param() - now;
                                    break;
                                }
                            }
                            return Outcome.refused(i, wait);
                        }
                    }
                    case CONCURRENT -> {
                        Map<String, Long> l = leases.computeIfAbsent(b.key(), k -> new HashMap<>());
                        l.values().removeIf(end -> end <= now);
                        used[i] = l.size();
                        if (l.size() + 1 > b.limit()) return Outcome.refused(i, 1000);
                    }
                    case BUDGET -> {
                        long[] v = budget(b, now);
                        used[i] = v[0];
                        if (v[0] + b.amount() > b.limit()) return Outcome.refused(i, b.amount() > b.limit() ? -1 : b.param() - now);
                    }
                }
            }
            long[] remaining = new long[buckets.size()];
            long[] reset = new long[buckets.size()];
            for (int i = 0; i < buckets.size(); i++) {
                Bucket b = buckets.get(i);
                remaining[i] = b.limit() - used[i] - (b.kind() == Bucket.Kind.CONCURRENT ? 1 : b.amount());
                switch (b.kind()) {
                    case WINDOW -> {
                        Window w = windows.get(b.key());
                        w.add(new Entry(id, now, new long[] {b.amount()}));
                        reset[i] = w.entries.peekFirst().at() + b.param() - now;
                    }
                    case CONCURRENT -> {
                        leases.get(b.key()).put(id, now + b.param());
                        reset[i] = 0;
                    }
                    case BUDGET -> {
                        budgets.get(b.key())[0] += b.amount();
                        reset[i] = b.param() - now;
                    }
                }
            }
            return new Outcome(true, -1, 0, remaining, reset);
        } finally {
            lock.unlock();
        }
    }

    private long[] budget(Bucket b, long now) {
        long[] v = budgets.get(b.key());
        if (v == null || v[1] <= now) {
            budgets.entrySet().removeIf(e -> e.getValue()[1] <= now); // periods that ended
            v = new long[] {0, b.param()};
            budgets.put(b.key(), v);
        }
        return v;
    }

    @Override
    public void settle(String id, List<Bucket> buckets, long tokenDelta) {
        lock.lock();
        try {
            for (Bucket b : buckets) {
                switch (b.kind()) {
                    case WINDOW -> {
                        if (!b.tokens() || tokenDelta == 0) continue;
                        Window w = windows.get(b.key());
                        if (w == null) continue;
                        Entry e = w.byId.get(id);
                        if (e != null) {
                            e.amount()[0] += tokenDelta;
                            w.sum += tokenDelta;
                        }
                    }
                    case CONCURRENT -> {
                        Map<String, Long> l = leases.get(b.key());
                        if (l != null) {
                            l.remove(id);
                            if (l.isEmpty()) leases.remove(b.key());
                        }
                    }
                    case BUDGET -> {
                        long[] v = budgets.get(b.key());
                        if (v != null && tokenDelta != 0) v[0] += tokenDelta;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
