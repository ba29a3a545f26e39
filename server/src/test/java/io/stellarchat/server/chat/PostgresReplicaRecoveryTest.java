package io.stellarchat.server.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.testing.LocalPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue "Deployment and horizontal scale", replica-safe recovery: two service instances (two {@link ChatDatabase}s,
 * each with its own lease and heartbeat) on one PostgreSQL database. A live replica's generating replies are
 * never touched by the other's recovery; once a replica stops renewing its lease without cleaning up (as after
 * SIGKILL), the other marks its replies interrupted within the lease time (plus one renewal).
 */
@ExtendWith(LocalPostgres.StopAtEndOfRun.class)
class PostgresReplicaRecoveryTest {
    /** Short lease for a fast test; production defaults are 10 s and 3 s. */
    static final Duration LEASE = Duration.ofMillis(1500);
    static final Duration RENEW = Duration.ofMillis(200);

    private final List<ChatDatabase> open = new ArrayList<>();
    private DatabaseConfig config;

    @BeforeEach
    void database() {
        config = new DatabaseConfig(LocalPostgres.shared().newDatabase(), LocalPostgres.USER,
                new Secret(LocalPostgres.PASSWORD), 4, LEASE, RENEW);
    }

    @AfterEach
    void closeAll() {
        for (ChatDatabase db : open.reversed()) db.close();
    }

    /** A replica: its database handle with a started lease. */
    private ChatDatabase replica() {
        ChatDatabase db = ChatDatabase.open(config, null, Clock.systemUTC());
        open.add(db);
        db.lease().start(config.lease(), config.leaseRenew());
        return db;
    }

    private static MessageStatus status(ChatDatabase db, String owner, String sessionId, String messageId) {
        return db.history().listMessages(owner, sessionId, 100, null).orElseThrow().items().stream()
                .filter(m -> m.id().equals(messageId)).findFirst().orElseThrow().status();
    }

    @Test
    void eachReplicaHasItsOwnInstanceIdAndLeaseRow() throws Exception {
        ChatDatabase a = replica();
        ChatDatabase b = replica();
        assertNotEquals(a.lease().instanceId(), b.lease().instanceId());
        assertEquals(List.of(a.lease().instanceId(), b.lease().instanceId()).stream().sorted().toList(), leaseRows(a));
        b.close();
        assertEquals(List.of(a.lease().instanceId()), leaseRows(a), "a clean close deletes the instance's row");
    }

    @Test
    void aLiveReplicasGeneratingReplyIsNeverTouchedByTheOthersRecoveryOrSweep() throws Exception {
        ChatDatabase a = replica();
        ChatSession s = a.history().createSession(NewSession.of("alice", "m"));
        ChatMessage running = a.history().startAssistantMessage("alice", s.id()).orElseThrow();

        ChatDatabase b = replica();
        assertEquals(0, b.history().markInterrupted(), "start-up recovery of B leaves A's running reply alone");
        // B sweeps every 200 ms; for longer than the lease A keeps renewing and its reply stays generating.
        Thread.sleep(LEASE.toMillis() + 500);
        assertEquals(MessageStatus.GENERATING, status(b, "alice", s.id(), running.id()));
        assertTrue(b.history().generatingOnAnotherInstance(s.id()), "on B the session is busy with A's turn");
        assertFalse(a.history().generatingOnAnotherInstance(s.id()), "A's own turn is A's in-memory business");

        ChatMessage done = a.history().finishAssistantMessage("alice", running.id(),
                AssistantReply.of("fine", FinishReason.STOP, TokenCounts.NONE, Timings.NONE)).orElseThrow();
        assertEquals(MessageStatus.COMPLETE, done.status());
        assertFalse(b.history().generatingOnAnotherInstance(s.id()));
    }

    @Test
    void historyIsNotDeletedUnderATurnRunningOnAnotherReplica() throws Exception {
        ChatDatabase a = replica();
        ChatDatabase b = replica();
        ChatSession s = a.history().createSession(NewSession.of("alice", "m"));
        HistoryStore.StartedTurn turn = a.history().startTurn("alice", s.id(), new NewMessage(MessageRole.USER, "hi",
                null, null, null, TokenCounts.NONE, Timings.NONE)).orElseThrow();
        // B's delete checks, in its own transaction on the session row, for a turn of a live instance.
        assertThrows(SessionBusyException.class,
                () -> b.history().deleteMessagesFrom("alice", s.id(), turn.first().id()));
        assertEquals(2, b.history().listMessages("alice", s.id(), 10, null).orElseThrow().items().size(),
                "nothing was deleted");
        a.history().finishAssistantMessage("alice", turn.reply().id(),
                AssistantReply.of("fine", FinishReason.STOP, TokenCounts.NONE, Timings.NONE)).orElseThrow();
        assertEquals(Optional.of(2), b.history().deleteMessagesFrom("alice", s.id(), turn.first().id()),
                "once the turn ended the history can be rewound from any replica");
    }

    @Test
    void afterAReplicaIsKilledTheOtherMarksItsRepliesInterruptedWithinTheLeaseTime() throws Exception {
        ChatDatabase a = replica();
        ChatDatabase b = replica();
        ChatSession s = a.history().createSession(NewSession.of("alice", "m"));
        ChatMessage cut = a.history().startAssistantMessage("alice", s.id()).orElseThrow();
        ChatSession other = b.history().createSession(NewSession.of("bob", "m"));
        ChatMessage bRunning = b.history().startAssistantMessage("bob", other.id()).orElseThrow();

        long killed = System.nanoTime();
        a.lease().abandon(); // SIGKILL: no more renewals, the row stays until it expires
        long expiresMs = expiresMs(b, a.lease().instanceId()); // the last renewal's expiry (after abandon returned)
        long deadline = killed + LEASE.plus(RENEW).plusMillis(1000).toNanos();
        while (status(b, "alice", s.id(), cut.id()) == MessageStatus.GENERATING && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        long tookMs = (System.nanoTime() - killed) / 1_000_000;
        assertEquals(MessageStatus.INTERRUPTED, status(b, "alice", s.id(), cut.id()),
                "B's sweep marked A's reply within the lease time (" + tookMs + " ms)");
        assertTrue(System.currentTimeMillis() >= expiresMs, "not before A's lease expired");
        assertTrue(tookMs >= LEASE.minus(RENEW).toMillis() / 2, "A's last renewal held a while: " + tookMs + " ms");
        assertFalse(b.history().generatingOnAnotherInstance(s.id()), "the session is free again on B");
        assertEquals(MessageStatus.GENERATING, status(b, "bob", other.id(), bRunning.id()), "nothing of B is touched");
    }

    @Test
    void repliesWithoutAnInstanceFromBeforeLeasesAreRecoveredAtStartUp() throws Exception {
        ChatDatabase a = ChatDatabase.open(config, null, Clock.systemUTC()); // no lease: no sweep of its own
        open.add(a);
        ChatSession s = a.history().createSession(NewSession.of("alice", "m"));
        ChatMessage old = a.history().startAssistantMessage("alice", s.id()).orElseThrow();
        try (Connection c = a.writer().getConnection();
             PreparedStatement st = c.prepareStatement("UPDATE chat_messages SET instance_id = NULL WHERE id = ?")) {
            st.setString(1, old.id());
            assertEquals(1, st.executeUpdate());
        }
        ChatDatabase b = replica();
        assertEquals(1, b.history().markInterrupted());
        assertEquals(MessageStatus.INTERRUPTED, status(b, "alice", s.id(), old.id()));
    }

    @Test
    void turnsOfOneSessionStartedOnTwoReplicasAtOnceStartExactlyOnce() throws Exception {
        ChatDatabase a = replica();
        ChatDatabase b = replica();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 20; round++) {
                ChatSession s = a.history().createSession(NewSession.of("alice", "m"));
                var barrier = new java.util.concurrent.CyclicBarrier(2);
                List<java.util.concurrent.Future<String>> tries = new ArrayList<>();
                for (ChatDatabase db : List.of(a, b)) {
                    tries.add(pool.submit(() -> {
                        barrier.await(5, java.util.concurrent.TimeUnit.SECONDS);
                        try {
                            db.history().startTurn("alice", s.id(), NewMessage.user("hi")).orElseThrow();
                            return "started";
                        } catch (SessionBusyException e) {
                            return "busy";
                        }
                    }));
                }
                List<String> outcomes = new ArrayList<>();
                for (var f : tries) outcomes.add(f.get(10, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals(List.of("busy", "started"), outcomes.stream().sorted().toList(), "round " + round);
                List<ChatMessage> rows = a.history().listMessages("alice", s.id(), 10, null).orElseThrow().items();
                assertEquals(2, rows.size(), "the refused turn stored nothing: " + rows);
            }
        }
    }

    private static long expiresMs(ChatDatabase db, String instance) throws Exception {
        try (Connection c = db.reader().getConnection();
             PreparedStatement st = c.prepareStatement("SELECT expires_ms FROM service_instances WHERE id = ?")) {
            st.setString(1, instance);
            try (ResultSet r = st.executeQuery()) {
                assertTrue(r.next(), "A's lease row is there until it expires");
                return r.getLong(1);
            }
        }
    }

    private static List<String> leaseRows(ChatDatabase db) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = db.reader().getConnection();
             PreparedStatement st = c.prepareStatement("SELECT id FROM service_instances ORDER BY id");
             ResultSet r = st.executeQuery()) {
            while (r.next()) ids.add(r.getString(1));
        }
        return ids;
    }
}
