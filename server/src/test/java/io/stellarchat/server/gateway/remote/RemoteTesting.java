package io.stellarchat.server.gateway.remote;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.protocol.ChatCollector;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Role;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** Shared pieces of the remote provider tests: providers against a fake, and reading streams with a bound. */
final class RemoteTesting {
    /** The longest any test waits for something that should happen at once. */
    static final Duration WAIT = Duration.ofSeconds(10);
    static final ProviderConfig.Timeouts RELAXED = new ProviderConfig.Timeouts(Duration.ofSeconds(2),
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(30));

    private RemoteTesting() {}

    static Provider provider(ProviderConfig.ProviderType type, URI baseUrl, String key, ProviderConfig.Timeouts t,
                             UpstreamHttp http) {
        return RemoteProviders.create(ProviderConfig.of("fake", type, baseUrl).withApiKey(new Secret(key)).withTimeouts(t),
                http);
    }

    static ChatRequest hello() {
        return ChatRequest.of("fake-model", List.of(Message.text(Role.USER, "Hi")), GenerationParams.DEFAULTS);
    }

    /** The next event, failing the test if none comes within {@link #WAIT} (nulls, i.e. keep-alive turns, are skipped). */
    static ChatEvent next(ChatStream s) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            ChatEvent e = s.next(Duration.ofMillis(200));
            if (e != null) return e;
        }
        return fail("no event within " + WAIT);
    }

    /** The whole answer, assembled by the protocol's collector. */
    static ChatCompletion collect(ChatStream s) throws InterruptedException {
        ChatCollector c = new ChatCollector();
        while (!c.accept(next(s))) {
            // until Done
        }
        return c.result(s.model(), s.upstream());
    }

    /** Reads the stream until it fails; returns the failure. */
    static ProviderException failureOf(ChatStream s) {
        return assertThrows(ProviderException.class, () -> {
            while (true) next(s);
        });
    }

    static ProviderException thrown(Executable e) {
        return assertThrows(ProviderException.class, e);
    }
}
