package io.stellarchat.server.gateway;

import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
 * <p>Threads: as {@link RestartableStream}; the buffer belongs to the consumer thread.
 */
final class WholeAnswer extends RestartableStream {
    /** Routings of an answer after its first one, when upstreams cut it off. */
    static final int RESTARTS = 3;

    private final Supplier<ChatStream> route;
    private final ArrayDeque<ChatEvent> held = new ArrayDeque<>();
    private boolean replaying;

    /**
     * @param first    the answer as first routed
     * @param route    routes the request again
     * @param restarts how many times it may be routed again
     * @param onCut    told the upstream label ({@code provider/model}) of each cut-off answer that is routed again
     */
    WholeAnswer(ChatStream first, Supplier<ChatStream> route, int restarts, Consumer<String> onCut) {
        super(first, restarts, onCut);
        this.route = route;
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
                e = current().next(Duration.ofNanos(left));
            } catch (ProviderException cut) {
                held.clear();
                restart(cut, true, "routing the request again", route); // throws when nothing can answer
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
}
