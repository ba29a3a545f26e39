package io.stellarchat.server.protocol;

import java.time.Duration;
import java.util.List;

/**
 * A {@link ChatStream} that hands every call to another one; wrappers (reservation settling, caching, call
 * recording) extend it and override only what they add to, so nothing a stream tells (model, upstream, warnings,
 * attempts) is lost on the way.
 *
 * <p>Threads: as {@link ChatStream}.
 */
public abstract class ForwardingChatStream implements ChatStream {
    protected final ChatStream delegate;

    protected ForwardingChatStream(ChatStream delegate) {
        this.delegate = delegate;
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        return delegate.next(timeout);
    }

    @Override
    public void cancel() {
        delegate.cancel();
    }

    @Override
    public String model() {
        return delegate.model();
    }

    @Override
    public String upstream() {
        return delegate.upstream();
    }

    @Override
    public List<String> warnings() {
        return delegate.warnings();
    }

    @Override
    public int attempts() {
        return delegate.attempts();
    }
}
