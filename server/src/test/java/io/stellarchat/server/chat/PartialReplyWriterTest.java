package io.stellarchat.server.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PartialReplyWriter} on a real SQLite file whose write lock another connection holds (a database that
 * has stopped answering writes): the turn's thread must not wait for it, increments of one reply coalesce into one
 * write, and a full queue drops increments instead of blocking or growing.
 */
class PartialReplyWriterTest {
    @TempDir
    Path dir;

    @Test
    void aTurnNeverWaitsForABlockedDatabaseAndItsIncrementsCoalesceIntoOneWrite() throws Exception {
        try (ChatDatabase db = ChatDatabase.open(SqliteHistoryStoreTest.EMBEDDED, dir, Clock.systemUTC())) {
            HistoryStore store = db.history();
            ChatSession s = store.createSession(NewSession.of("alice", "stories260K"));
            String reply = store.startTurn("alice", s.id(), NewMessage.user("q")).orElseThrow().reply().id();
            try (PartialReplyWriter writer = new PartialReplyWriter(store, 1, Duration.ofHours(1), 8, System::nanoTime, true);
                 Connection blocker = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(ChatDatabase.SQLITE_FILE))) {
                try (Statement st = blocker.createStatement()) {
                    st.execute("BEGIN IMMEDIATE"); // holds the file's write lock: every write of the writer waits
                }
                PartialReplyWriter.Progress progress = writer.track(reply);
                StringBuilder text = new StringBuilder();
                long worst = 0;
                for (int i = 0; i < 500; i++) {
                    text.append(" w").append(i);
                    long t0 = System.nanoTime();
                    progress.onText(text); // every piece is handed over (everyPieces = 1)
                    worst = Math.max(worst, System.nanoTime() - t0);
                }
                assertTrue(worst < Duration.ofMillis(200).toNanos(), "a hand-over took " + worst / 1e6 + " ms");
                assertEquals(0, writer.dropped(), "one reply has at most one pending increment: nothing to drop");
                Thread.sleep(300); // the writer is stuck in its first transaction now
                blocker.createStatement().execute("ROLLBACK");
                String last = text.toString();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (!store.listMessages("alice", s.id(), 10, null).orElseThrow().items().getLast().content().equals(last)) {
                    assertTrue(System.nanoTime() < deadline, "the last increment is written once the database is back");
                    Thread.sleep(20);
                }
                assertTrue(writer.written() <= 3, "500 increments coalesced into " + writer.written() + " writes");
            }
        }
    }

    @Test
    void aFullQueueDropsIncrementsAndTheNextOneCarriesTheWholeText() throws Exception {
        try (ChatDatabase db = ChatDatabase.open(SqliteHistoryStoreTest.EMBEDDED, dir, Clock.systemUTC())) {
            HistoryStore store = db.history();
            List<String> sessions = new ArrayList<>();
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ChatSession s = store.createSession(NewSession.of("alice", "stories260K"));
                sessions.add(s.id());
                replies.add(store.startTurn("alice", s.id(), NewMessage.user("q")).orElseThrow().reply().id());
            }
            try (PartialReplyWriter writer = new PartialReplyWriter(store, 1, Duration.ofHours(1), 2, System::nanoTime, true);
                 Connection blocker = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(ChatDatabase.SQLITE_FILE))) {
                blocker.createStatement().execute("BEGIN IMMEDIATE");
                writer.offer(replies.get(0), "zero"); // taken by the writer, which then waits for the lock
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (writer.queued() > 0) {
                    assertTrue(System.nanoTime() < deadline, "the writer takes the first reply");
                    Thread.sleep(5);
                }
                Thread.sleep(300); // past its batch's drain, waiting for the lock
                writer.offer(replies.get(1), "one");
                writer.offer(replies.get(2), "two"); // the queue (2) is full now
                writer.offer(replies.get(3), "three");
                assertEquals(1, writer.dropped());
                blocker.createStatement().execute("ROLLBACK");
                writer.close(); // writes what is queued
                List<String> stored = new ArrayList<>();
                for (String s : sessions) stored.add(store.listMessages("alice", s, 10, null).orElseThrow().items().getLast().content());
                assertEquals(List.of("zero", "one", "two", ""), stored);
                assertEquals(3, writer.written());
            }
        }
    }
}
