package io.stellarchat.server.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the text of generating replies to the {@link HistoryStore} while they are produced, so that a crash keeps
 * what was said (recovery marks the row interrupted, text kept): a turn's {@link Progress} hands its text so far
 * to this writer every {@code everyPieces} pieces of text or every {@code interval}, whichever comes first, and
 * one background thread writes what was handed over, several replies per transaction.
 *
 * <p>Off the token path: the turn's thread never waits for the database. A hand-over is a map put and, when the
 * reply had nothing pending, a non-blocking {@code offer} of its id to a bounded queue; when the queue is full
 * the increment is dropped (counted) and the next one carries the whole text anyway. Increments coalesce by
 * message: only the latest text of a reply waits, so a slow database costs writes, never memory or tokens.
 *
 * <p>Threads and state:
 * <ul>
 *   <li>{@link Progress} (its counters and last hand-over time) belongs to the one turn thread that reads the
 *       reply's stream.</li>
 *   <li>{@link #pending} (message id → latest text) is written by turn threads (put, and remove when the reply
 *       ends) and drained by the writer thread (remove).</li>
 *   <li>{@link #queue} holds each message id with pending text at most once: an id is offered only by the put
 *       that found no pending text, and the writer removes the text after it took the id; a put racing that
 *       remove either finds the text still there (the writer then writes the newer text) or finds none and
 *       queues the id again.</li>
 *   <li>The {@code partial-reply-writer} thread alone calls {@link HistoryStore#saveReplyProgress}; it stops on
 *       {@link #close()}, which lets it write what is queued for up to 5 s, then interrupts it.</li>
 * </ul>
 * A late write never overwrites a finished reply: {@link Progress#end()} removes the pending text before the
 * turn stores its final text, and the store only updates rows that are still generating and run by this
 * instance, so a write already under way when the final text commits changes nothing (row lock / single writer).
 */
public final class PartialReplyWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartialReplyWriter.class);
    /** Replies written per transaction at most. */
    static final int MAX_BATCH = 64;
    /** Replies with text waiting to be written at most (the queue's bound). */
    static final int DEFAULT_CAPACITY = 4096;
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final HistoryStore store;
    private final int everyPieces;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, String> pending = new ConcurrentHashMap<>();
    private final ArrayBlockingQueue<String> queue;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Thread thread; // null: disabled
    private volatile boolean closed;
    private long lastFailureLog = Long.MIN_VALUE; // writer thread only

    /**
     * Starts the writer thread.
     *
     * @param everyPieces hand the text over after this many new pieces of text (a piece is one delta, about a token)
     * @param interval    ... or when this long has passed since the last hand-over and new text arrived
     */
    public PartialReplyWriter(HistoryStore store, int everyPieces, Duration interval) {
        this(store, everyPieces, interval, DEFAULT_CAPACITY, System::nanoTime, true);
    }

    PartialReplyWriter(HistoryStore store, int everyPieces, Duration interval, int capacity, LongSupplier nanoTime,
                       boolean enabled) {
        if (everyPieces < 1) throw new IllegalArgumentException("everyPieces must be positive: " + everyPieces);
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval must be positive");
        this.store = store;
        this.everyPieces = everyPieces;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = enabled ? Thread.ofPlatform().name("partial-reply-writer").daemon(true).start(this::run) : null;
    }

    /** A writer that writes nothing (replies are stored only when they end), for a store without one. */
    public static PartialReplyWriter disabled() {
        return new PartialReplyWriter(null, Integer.MAX_VALUE, Duration.ofDays(1), 1, System::nanoTime, false);
    }

    /** Starts following a generating reply; the returned progress belongs to the caller's thread. */
    public Progress track(String messageId) {
        return new Progress(messageId);
    }

    /** Replies written so far (rows updated). */
    public long written() {
        return written.get();
    }

    /** Replies whose id waits in the queue (tests). */
    int queued() {
        return queue.size();
    }

    /** Increments dropped because the queue was full or the writer closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Transactions that failed (the database was unreachable, …); their text waits for the next increment. */
    public long failures() {
        return failures.get();
    }

    /** One generating reply's hand-overs. Owned by the thread that reads the reply's stream. */
    public final class Progress {
        private final String messageId;
        private int piecesSinceHandOver;
        private long lastHandOver = nanoTime.getAsLong();
        private boolean ended;

        private Progress(String messageId) {
            this.messageId = messageId;
        }

        /** A new piece of text arrived; {@code all} is the reply's whole text so far. Never blocks. */
        public void onText(CharSequence all) {
            if (ended || thread == null) return;
            piecesSinceHandOver++;
            if (piecesSinceHandOver >= everyPieces || nanoTime.getAsLong() - lastHandOver >= intervalNanos) {
                handOver(all);
            }
        }

        /** No text arrived for a while: hands over text not yet handed over once the interval has passed. */
        public void onIdle(CharSequence all) {
            if (ended || thread == null || piecesSinceHandOver == 0) return;
            if (nanoTime.getAsLong() - lastHandOver >= intervalNanos) handOver(all);
        }

        /** The reply ends (its final text is stored next): drops text still waiting, hands over nothing more. */
        public void end() {
            ended = true;
            pending.remove(messageId);
        }

        private void handOver(CharSequence all) {
            piecesSinceHandOver = 0;
            lastHandOver = nanoTime.getAsLong();
            offer(messageId, all.toString());
        }
    }

    /** Any thread: makes {@code text} the reply's pending text, queueing its id when it had none. */
    void offer(String messageId, String text) {
        if (closed) {
            dropped.incrementAndGet();
            return;
        }
        if (pending.put(messageId, text) == null && !queue.offer(messageId)) {
            pending.remove(messageId, text);
            dropped.incrementAndGet();
        }
    }

    /** The writer thread: takes queued ids, writes their latest text in one transaction per batch. */
    private void run() {
        List<String> ids = new ArrayList<>(MAX_BATCH);
        List<HistoryStore.ReplyProgress> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            String first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return; // close() gave up waiting
            }
            if (first == null) continue;
            ids.clear();
            batch.clear();
            ids.add(first);
            queue.drainTo(ids, MAX_BATCH - 1);
            for (String id : ids) {
                String text = pending.remove(id);
                if (text != null) batch.add(new HistoryStore.ReplyProgress(id, text));
            }
            if (batch.isEmpty()) continue;
            try {
                written.addAndGet(store.saveReplyProgress(batch));
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                long now = nanoTime.getAsLong();
                if (lastFailureLog == Long.MIN_VALUE || now - lastFailureLog >= LOG_EVERY_NANOS) {
                    lastFailureLog = now;
                    LOG.warn("writing the text of {} generating repl(ies) failed; the next increment retries: {}",
                            batch.size(), e.toString());
                }
            }
        }
    }

    /** Stops the writer: what is queued is written for up to 5 s, then the thread is interrupted. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (thread == null) return;
        try {
            thread.join(5_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(1_000);
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
