package io.stellarchat.server.gateway;

import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ProviderException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote answer that the gateway may route again when its upstream breaks it off: what {@link WholeAnswer}
 * (held back to its end) and {@link ResumedStream} (continued in the client's stream) share — the current
 * upstream stream, the restarts left, the attempts counted over all routings, and the rules for when a break
 * may be routed again (not after a cancel, not for a client error, not past the restarts).
 *
 * <p>Threads: as {@link ChatStream}: one consumer thread calls {@code next} and routes again on it;
 * {@link #cancel()} may come from any thread and cancels the current stream (volatile).
 */
abstract class RestartableStream implements ChatStream {
    private static final Logger log = LoggerFactory.getLogger(RestartableStream.class);

    private final Consumer<String> onRestart;
    private volatile ChatStream current;
    private volatile boolean cancelled;
    private int restartsLeft;
    private int attempts;

    /**
     * @param first     the answer as first routed
     * @param restarts  how many times it may be routed again
     * @param onRestart told the upstream label ({@code provider/model}) of each broken-off answer routed again
     */
    RestartableStream(ChatStream first, int restarts, Consumer<String> onRestart) {
        this.current = first;
        this.restartsLeft = restarts;
        this.onRestart = onRestart;
        this.attempts = first.attempts();
    }

    /** The upstream stream being read now. */
    final ChatStream current() {
        return current;
    }

    /**
     * The current answer broke off with {@code cut}: routes again through {@code route} when allowed (and
     * {@code allowed} is true), else throws {@code cut}. A failure to route again is thrown as it is.
     */
    final void restart(ProviderException cut, boolean allowed, String how, Supplier<ChatStream> route) {
        if (!allowed || cancelled || Attempt.isClientError(cut) || restartsLeft == 0) throw cut;
        restartsLeft--;
        String label = current.upstream();
        log.info("the answer from {} broke off ({}); {}", label, cut.code(), how);
        onRestart.accept(label);
        ChatStream next = route.get();
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
