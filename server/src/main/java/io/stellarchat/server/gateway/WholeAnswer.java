package io.stellarchat.server.gateway;

import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote answer for a client that did not ask to stream, held back until it is whole: its events are kept
 * and {@link #next} answers "nothing yet" (null) until the upstream's {@link ChatEvent.Done}, then gives them out.
 * Since nothing of it has reached the client, an answer the upstream cuts off half-way (a reset, an idle or
 * total timeout, a 5xx in the stream) is routed again — retries, breakers and fallbacks as for a first try — up
 * to {@code restarts} times, instead of failing the request. The consumer keeps polling meanwhile, so a client
 * that leaves still cancels the answer promptly.
 *
 * <p>States: HOLDING (events kept, the current upstream stream open) → REPLAYING (after Done; the stream has
 * ended) — or failed, when the last allowed restart failed too.
 *
 * <p>Threads: as {@link ChatStream}: one consumer thread calls {@link #next} and owns the buffer and the current
 * stream; {@link #cancel()} may come from any thread and cancels the current stream (volatile).
 */
final class WholeAnswer implements ChatStream {
    private static final Logger log = LoggerFactory.getLogger(WholeAnswer.class);
    /** Routings of an answer after its first one, when upstreams cut it off. */
    static final int RESTARTS = 3;

    private final Supplier<ChatStream> route;
    private final Consumer<String> onCut;
    private final ArrayDeque<ChatEvent> held = new ArrayDeque<>();
    private volatile ChatStream current;
    private volatile boolean cancelled;
    private int restartsLeft;
    private int attempts;
    private boolean replaying;

    /**
     * @param first    the answer as first routed
     * @param route    routes the request again
     * @param restarts how many times it may be routed again
     * @param onCut    told the upstream label ({@code provider/model}) of each cut-off answer that is routed again
     */
    WholeAnswer(ChatStream first, Supplier<ChatStream> route, int restarts, Consumer<String> onCut) {
        this.current = first;
        this.route = route;
        this.restartsLeft = restarts;
        this.onCut = onCut;
        this.attempts = first.attempts();
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        if (replaying) {
            if (held.isEmpty()) throw new IllegalStateException("the stream has ended");
            return held.poll();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            ChatEvent e;
            try {
                e = current.next(Duration.ofNanos(left));
            } catch (ProviderException cut) {
                restart(cut);
                continue;
            }
            if (e == null) return null;
            held.add(e);
            if (e instanceof ChatEvent.Done) {
                replaying = true;
                return held.poll();
            }
        }
    }

    /** The current answer broke off: route again, or fail with its error when that is not allowed. */
    private void restart(ProviderException cut) {
        if (cancelled || Attempt.isClientError(cut) || restartsLeft == 0) throw cut;
        restartsLeft--;
        String label = current.upstream();
        log.info("the answer from {} broke off ({}); routing the request again", label, cut.code());
        onCut.accept(label);
        held.clear();
        ChatStream next = route.get(); // throws when nothing can answer: the request fails with that
        attempts += next.attempts();
        current = next;
        if (cancelled) next.cancel();
    }

    @Override
    public void cancel() {
        cancelled = true;
        current.cancel();
    }

    @Override
    public String model() {
        return current.model();
    }

    @Override
    public String upstream() {
        return current.upstream();
    }

    @Override
    public List<String> warnings() {
        return current.warnings();
    }

    @Override
    public int attempts() {
        return attempts;
    }
}
