package io.stellarchat.server.gateway;

import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;

/**
 * An answer as the gateway hands it to the API: the provider's stream, with the event the router already read
 * (to know the upstream had begun before committing to it) given back first, the model id the client is told
 * (the fallback's after a fallback), who answered, and the end of the {@link Attempt} when the stream ends,
 * fails or is cancelled.
 *
 * <p>Threads: as {@link ChatStream}: one consumer calls {@link #next}; {@link #cancel()} from any thread.
 */
final class RoutedStream implements ChatStream {
    private final ChatStream delegate;
    private final String model;
    private final String upstream;
    private final Attempt attempt;
    private final int attempts;
    private ChatEvent first;

    /**
     * @param first   an event already read from {@code delegate}, or null
     * @param attempt the upstream call to end with the stream, or null (the local engine)
     */
    RoutedStream(ChatStream delegate, ChatEvent first, String model, String upstream, Attempt attempt, int attempts) {
        this.attempts = attempts;
        this.delegate = delegate;
        this.first = first;
        this.model = model;
        this.upstream = upstream;
        this.attempt = attempt;
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        ChatEvent e = first;
        if (e != null) {
            first = null;
        } else {
            try {
                e = delegate.next(timeout);
            } catch (ProviderException failure) {
                if (attempt != null) attempt.failed(failure);
                throw failure;
            } catch (InterruptedException | RuntimeException other) {
                if (attempt != null) attempt.cancelled();
                throw other;
            }
        }
        if (e instanceof ChatEvent.Done done && attempt != null) {
            attempt.succeeded(done.usage());
        }
        return e;
    }

    @Override
    public void cancel() {
        delegate.cancel();
        if (attempt != null) attempt.cancelled();
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public java.util.List<String> warnings() {
        return delegate.warnings();
    }

    @Override
    public String upstream() {
        return upstream;
    }

    @Override
    public int attempts() {
        return attempts;
    }
}
