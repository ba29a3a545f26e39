package io.stellarchat.server.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.HistoryStore;
import io.stellarchat.server.chat.NewSession;
import io.stellarchat.server.chat.SessionBusyException;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Usage;
import io.stellarchat.server.testing.LiveService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A turn that passes the early busy check but loses the atomic start to a turn another replica started in the
 * same moment ({@link HistoryStore#startTurn} throws {@link SessionBusyException}) answers 409
 * {@code session_busy}, stores nothing, never calls the model, and gives back what the gate reserved at once
 * ({@link SessionTurns.Admitted#abandon}) instead of holding a concurrency slot until the limiter's lease expires.
 * The store is the real SQLite one, with that one call made to lose the race.
 */
class SessionTurnRaceTest {
    @TempDir
    Path dir;

    @Test
    void aTurnThatLosesTheStartRaceGivesBackItsReservationAndStoresNothing() {
        try (LiveService live = new LiveService(dir, List.of(LiveService.stories("stories", 0)))) {
            HistoryStore real = live.database.history();
            ChatSession session = real.createSession(NewSession.of("alice", "stories"));
            HistoryStore losing = (HistoryStore) Proxy.newProxyInstance(HistoryStore.class.getClassLoader(),
                    new Class<?>[] {HistoryStore.class}, (proxy, method, args) -> {
                        if (method.getName().equals("startTurn")) throw new SessionBusyException(session.id());
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            SessionTurns turns = new SessionTurns(losing, live.service.gateway(), stored -> GenerationParams.DEFAULTS);
            AtomicBoolean abandoned = new AtomicBoolean();
            AtomicBoolean started = new AtomicBoolean();
            SessionTurns.Gate gate = (model, request, promptTokens) -> new SessionTurns.Admitted() {
                @Override
                public io.stellarchat.server.protocol.ChatStream start(
                        java.util.function.Supplier<io.stellarchat.server.protocol.ChatStream> call) {
                    started.set(true);
                    return call.get();
                }

                @Override
                public void abandon() {
                    abandoned.set(true);
                }
            };
            ProviderException busy = assertThrows(ProviderException.class, () -> turns.run("alice", session.id(),
                    "hello", GenerationParams.DEFAULTS, new SessionTurns.Control(), gate, new SessionTurns.Listener() {
                        @Override
                        public void onStart(ChatMessage user, ChatMessage reply, int truncated) {
                            throw new AssertionError("the turn never starts");
                        }

                        @Override
                        public void onDelta(String text) {
                            throw new AssertionError("no text");
                        }

                        @Override
                        public void onEnd(ChatMessage reply, Usage usage, int truncated) {
                            throw new AssertionError("no end");
                        }
                    }));
            assertEquals(409, busy.status());
            assertEquals("session_busy", busy.code());
            assertTrue(abandoned.get(), "the reservation is given back at once");
            assertFalse(started.get(), "the model is never called");
            assertEquals(0, real.listMessages("alice", session.id(), 10, null).orElseThrow().items().size());
        }
    }
}
