package io.stellarchat.server.gateway.remote;

import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.gateway.remote.UpstreamErrors.Deadline;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One upstream answer being streamed: a {@link ChatStream} over an HTTP response body of server-sent events.
 *
 * <p>Threads and ownership.
 * <ul>
 *   <li>The <b>reader</b> (a virtual thread named {@code upstream-<provider>-<n>}) alone reads the body: it parses
 *       events with {@link SseReader}, translates them with the dialect's {@link StreamTranslator} and puts the
 *       results into {@link #queue} (bounded, so a slow consumer slows the reading and, through TCP, the upstream).
 *       It stops after the answer is complete, at the end or failure of the body, or when it is interrupted; it
 *       always closes the body. It writes {@link #gotData} and {@link #lastArrival} (volatile) before each put.</li>
 *   <li>The <b>consumer</b> (one thread, the request's) calls {@link #next}: it polls the queue for at most the
 *       caller's timeout and enforces the deadlines (first token, idle, total) from the reader's timestamps, so a
 *       stalled upstream is noticed without the reader's help. {@link #lastTake}, {@link #open} and
 *       {@link #cancelEnding} are the consumer's alone.</li>
 *   <li>Any thread may {@link #cancel()}. A <b>watchdog</b> on the shared deadline scheduler aborts the exchange at the
 *       total deadline, so the reader ends even when no consumer calls {@code next} any more.</li>
 * </ul>
 *
 * <p>States ({@link #state}), changed only by compare-and-set:
 * <pre>
 *   STREAMING ──Done taken by the consumer──▶ ENDED
 *       │  └──a failure or a missed deadline──▶ FAILED   (the exception is rethrown by every later next())
 *       └──cancel() / close() / interrupt──────▶ CANCELLED (next() ends each open choice with CANCELLED, then Done)
 * </pre>
 * Leaving STREAMING for FAILED or CANCELLED aborts the exchange at once: the HTTP future is cancelled, the body
 * closed and the reader interrupted, so the upstream sees the connection close.
 */
final class UpstreamStream implements ChatStream {
    /** Events buffered between reader and consumer. */
    static final int QUEUE_CAPACITY = 64;
    /** The longest event (one line of data) accepted from an upstream. */
    static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;
    /** How long the rest of a body after {@code [DONE]} may take to arrive before the connection is dropped. */
    static final Duration DRAIN_LIMIT = Duration.ofMillis(500);

    private enum State { STREAMING, ENDED, FAILED, CANCELLED }

    private sealed interface Item {}

    private record Next(ChatEvent event) implements Item {}

    private record Failed(ProviderException error) implements Item {}

    private record Wake() implements Item {}

    private final String provider;
    private final String model;
    private final String upstream;
    private final ProviderConfig.Timeouts timeouts;
    private final long started;
    private final InputStream body;
    private final CompletableFuture<?> exchange;
    private final StreamTranslator translator;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicReference<State> state = new AtomicReference<>(State.STREAMING);
    private final Thread reader;
    private volatile Future<?> watchdog;
    private final AtomicReference<ProviderException> failure = new AtomicReference<>();

    // Written by the reader, read by the consumer.
    private volatile boolean gotData;
    private volatile long lastArrival;

    // The consumer's.
    private long lastTake;
    private final TreeSet<Integer> open = new TreeSet<>();
    private final TreeSet<Integer> ended = new TreeSet<>();
    private Deque<ChatEvent> cancelEnding;
    /** Where the drain after the answer schedules its cut-off; set before the reader starts. */
    private ScheduledExecutorService deadlines;

    private UpstreamStream(String provider, String model, String upstream, ProviderConfig.Timeouts timeouts,
                           long started, InputStream body, CompletableFuture<?> exchange, StreamTranslator translator,
                           ThreadFactory readers) {
        this.provider = provider;
        this.model = model;
        this.upstream = upstream;
        this.timeouts = timeouts;
        this.started = started;
        this.lastArrival = started;
        this.lastTake = started;
        this.body = body;
        this.exchange = exchange;
        this.translator = translator;
        this.reader = readers.newThread(this::read);
    }

    /**
     * Starts reading a response whose headers arrived.
     *
     * @param started {@link System#nanoTime()} when the request was sent (the first-token and total clocks start there)
     */
    static UpstreamStream start(String provider, String model, ProviderConfig.Timeouts timeouts, long started,
                                InputStream body, CompletableFuture<?> exchange, StreamTranslator translator,
                                ThreadFactory readers, ScheduledExecutorService deadlines) {
        UpstreamStream s = new UpstreamStream(provider, model, provider + "/" + model, timeouts, started, body, exchange,
                translator, readers);
        long left = started + timeouts.total().toNanos() - System.nanoTime();
        s.watchdog = deadlines.schedule(s::expire, Math.max(0, left), TimeUnit.NANOSECONDS);
        s.deadlines = deadlines;
        s.reader.start();
        return s;
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        long callerDeadline = System.nanoTime() + waitNanos(timeout);
        while (true) {
            switch (state.get()) {
                case ENDED -> throw new IllegalStateException("the stream has ended");
                case FAILED -> throw failure.get();
                case CANCELLED -> {
                    return nextAfterCancel();
                }
                case STREAMING -> { }
            }
            Item item = queue.poll();
            if (item == null) {
                long now = System.nanoTime();
                Deadline which = nearestDeadline();
                long deadline = deadlineOf(which);
                if (deadline - now <= 0) {
                    fail(UpstreamErrors.timeout(provider, which, limitOf(which)));
                    continue; // FAILED (or CANCELLED if a cancel came first): the switch answers
                }
                if (callerDeadline - now <= 0) return null;
                try {
                    item = queue.poll(Math.min(deadline, callerDeadline) - now, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    cancel();
                    throw e;
                }
                if (item == null) continue;
            }
            switch (item) {
                case Wake w -> { }
                case Failed f -> fail(f.error());
                case Next n -> {
                    lastTake = System.nanoTime();
                    ChatEvent event = n.event();
                    switch (event) {
                        case ChatEvent.Delta d -> open.add(d.index());
                        case ChatEvent.ChoiceEnd e -> {
                            open.remove(e.index());
                            ended.add(e.index());
                        }
                        case ChatEvent.Done d -> {
                            if (!state.compareAndSet(State.STREAMING, State.ENDED)) continue;
                            stopWatchdog();
                        }
                    }
                    if (state.get() == State.STREAMING || event instanceof ChatEvent.Done) return event;
                }
            }
        }
    }

    /** A caller's timeout in nanoseconds: negative counts as zero, a huge one as "a century". */
    private static long waitNanos(Duration timeout) {
        if (timeout.isNegative()) return 0;
        return timeout.compareTo(Duration.ofDays(36_500)) > 0 ? Duration.ofDays(36_500).toNanos() : timeout.toNanos();
    }

    /** Before the first event with data, the first-token deadline; after it, the idle one; the total one always. */
    private Deadline nearestDeadline() {
        Deadline which = gotData ? Deadline.IDLE : Deadline.FIRST_TOKEN;
        return deadlineOf(Deadline.TOTAL) - deadlineOf(which) <= 0 ? Deadline.TOTAL : which;
    }

    private long deadlineOf(Deadline which) {
        return switch (which) {
            case FIRST_TOKEN -> started + timeouts.firstToken().toNanos();
            // A consumer that took its time is not the upstream's idleness: count from whichever came last.
            case IDLE -> Math.max(lastArrival, lastTake) + timeouts.idle().toNanos();
            case TOTAL -> started + timeouts.total().toNanos();
        };
    }

    private Duration limitOf(Deadline which) {
        return switch (which) {
            case FIRST_TOKEN -> timeouts.firstToken();
            case IDLE -> timeouts.idle();
            case TOTAL -> timeouts.total();
        };
    }

    /** The ending of a cancelled stream: each choice that began and did not end ends CANCELLED, then Done. */
    private ChatEvent nextAfterCancel() {
        if (cancelEnding == null) {
            cancelEnding = new ArrayDeque<>();
            if (open.isEmpty() && ended.isEmpty()) open.add(0);
            for (int index : open) cancelEnding.add(new ChatEvent.ChoiceEnd(index, FinishReason.CANCELLED));
            cancelEnding.add(new ChatEvent.Done(Usage.NONE));
        }
        ChatEvent e = cancelEnding.poll();
        if (e == null) throw new IllegalStateException("the stream has ended");
        return e;
    }

    /** Moves to FAILED (unless the stream already left STREAMING) and aborts the exchange. */
    private void fail(ProviderException error) {
        // The first failure wins; it is set before the CAS that publishes FAILED, so a consumer seeing FAILED sees it.
        if (state.get() != State.STREAMING || !failure.compareAndSet(null, error)) return;
        if (state.compareAndSet(State.STREAMING, State.FAILED)) {
            abort();
            queue.offer(new Wake());
        }
    }

    @Override
    public void cancel() {
        if (state.compareAndSet(State.STREAMING, State.CANCELLED)) {
            abort();
            queue.offer(new Wake());
        }
    }

    /** The watchdog: the total deadline passed (with or without a consumer waiting). */
    private void expire() {
        fail(UpstreamErrors.timeout(provider, Deadline.TOTAL, timeouts.total()));
    }

    private void abort() {
        stopWatchdog();
        exchange.cancel(true);
        reader.interrupt();
        closeBody();
    }

    private void stopWatchdog() {
        Future<?> w = watchdog;
        if (w != null) w.cancel(false);
    }

    private void closeBody() {
        try {
            body.close();
        } catch (IOException | RuntimeException ignored) {
            // closing is all we wanted; the connection is dropped either way
        }
    }

    /** The reader thread's loop. */
    private void read() {
        try {
            SseReader sse = new SseReader(body, MAX_EVENT_BYTES);
            boolean complete = false;
            // Done is handed on only after the body was read to its end: the connection is then back in the
            // client's pool before the consumer can start its next request.
            ChatEvent[] done = new ChatEvent[1];
            while (!complete) {
                SseReader.Event event = sse.next();
                if (state.get() != State.STREAMING) return;
                if (event == null) {
                    deliver(new Failed(UpstreamErrors.streamBroken(provider, translator.incomplete())));
                    return;
                }
                lastArrival = System.nanoTime();
                complete = translator.accept(event, e -> {
                    gotData = true;
                    lastArrival = System.nanoTime();
                    if (e instanceof ChatEvent.Done) {
                        done[0] = e;
                    } else {
                        deliver(new Next(e));
                    }
                });
            }
            drainRest();
            if (done[0] != null) deliver(new Next(done[0]));
        } catch (ProviderException e) {
            deliverQuietly(new Failed(e));
        } catch (IOException e) {
            if (state.get() == State.STREAMING && !Thread.currentThread().isInterrupted()) {
                deliverQuietly(new Failed(UpstreamErrors.streamBroken(provider,
                        "broke off the answer (" + e.getClass().getSimpleName() + ")")));
            }
        } catch (InterruptedException e) {
            // cancelled or failed by the consumer: it has aborted the exchange already
        } catch (RuntimeException e) {
            deliverQuietly(new Failed(UpstreamErrors.badResponse(provider, e.getClass().getSimpleName())));
        } finally {
            closeBody();
        }
    }

    /**
     * Reads what follows the answer's end (the chunked body's last chunk, a few blank lines) so the connection
     * goes back to the client's pool for the next request; closing a body before its end drops the connection,
     * and a new connection per request costs more than the rest of the gateway. An upstream that keeps sending
     * after {@code [DONE]} is cut off after 64 KiB or {@link #DRAIN_LIMIT}.
     */
    private void drainRest() {
        // An upstream that holds the body open after [DONE] must not hold the answer: cut it off after a moment.
        Future<?> cutOff = deadlines.schedule(this::closeBody, DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        byte[] sink = new byte[4096];
        int left = 64 * 1024;
        int n;
        try {
            while (left > 0 && (n = body.read(sink, 0, Math.min(sink.length, left))) >= 0) {
                left -= n;
            }
        } catch (IOException e) {
            // cut off: the connection is dropped, the answer is complete all the same
        } finally {
            cutOff.cancel(false);
        }
    }

    /**
     * Hands an item to the consumer, waiting while the queue is full but not past the total deadline (the watchdog
     * aborts then, and interrupts us).
     */
    private void deliver(Item item) throws InterruptedException {
        queue.put(item);
    }

    private void deliverQuietly(Item item) {
        try {
            deliver(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public String upstream() {
        return upstream;
    }

    /** The reader thread, for tests that check it ends. */
    Thread reader() {
        return reader;
    }
}
