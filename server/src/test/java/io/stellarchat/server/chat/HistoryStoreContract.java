package io.stellarchat.server.chat;

import io.stellarchat.server.protocol.FinishReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The specification of {@link HistoryStore}, {@link AuditLog} and {@link ModelRecordStore}, run against each database by a subclass
 * that opens a fresh, empty database per test ({@link SqliteHistoryStoreTest}, {@link PostgresHistoryStoreTest}).
 */
abstract class HistoryStoreContract {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    final TestClock clock = new TestClock(T0);
    ChatDatabase db;
    HistoryStore store;

    /** A fresh empty database. */
    abstract ChatDatabase openFresh(Clock clock);

    /** The database of the last {@link #openFresh}, opened again (as after a restart). */
    abstract ChatDatabase reopen(Clock clock);

    @BeforeEach
    void open() {
        db = openFresh(clock);
        store = db.history();
    }

    @AfterEach
    void close() {
        db.close();
    }

    private ChatSession session(String owner) {
        return store.createSession(NewSession.of(owner, "qwen3-0.6b"));
    }

    @Test
    void createdSessionReadsBackWithAllFields() {
        ChatSession s = store.createSession(new NewSession("alice", "llama-3.2-1b", "Trip plans ✈",
                "You are terse.", "{\"temperature\":0.2,\"top_p\":0.9}", "{\"tags\":[\"travel\"]}"));
        assertTrue(TimeOrderedIds.looksLikeId(s.id()), s.id());
        assertEquals(T0, s.created());
        assertEquals(T0, s.updated());
        assertEquals(Optional.of(s), store.getSession("alice", s.id()));
        assertEquals(List.of(), store.integrityCheck());
    }

    @Test
    void unknownSessionIsEmptyEverywhere() {
        String missing = new TimeOrderedIds(clock).next();
        assertEquals(Optional.empty(), store.getSession("alice", missing));
        assertEquals(Optional.empty(), store.listMessages("alice", missing, 10, null));
        assertEquals(Optional.empty(), store.appendMessage("alice", missing, NewMessage.user("hi")));
        assertEquals(Optional.empty(), store.startAssistantMessage("alice", missing));
        assertEquals(Optional.empty(), store.updateSession("alice", missing, SessionPatch.NONE.withTitle("x")));
        assertEquals(Optional.empty(), store.finishAssistantMessage("alice", missing,
                AssistantReply.of("x", FinishReason.STOP, TokenCounts.NONE, Timings.NONE)));
        assertFalse(store.deleteSession("alice", missing));
        assertEquals(List.of(), store.listSessions("alice", null, 10).items());
    }

    @Test
    void sessionsListNewestFirstAndCursorIsStableAcrossInserts() {
        List<ChatSession> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(session("alice"));
            if (i % 2 == 0) clock.advance(Duration.ofMillis(1)); // some share a millisecond
            session("bob");
        }
        Page<ChatSession> first = store.listSessions("alice", null, 3);
        assertEquals(List.of(created.get(6), created.get(5), created.get(4)), first.items());
        assertTrue(first.hasMore());

        ChatSession newer = session("alice");
        Page<ChatSession> second = store.listSessions("alice", first.nextCursor(), 3);
        assertEquals(List.of(created.get(3), created.get(2), created.get(1)), second.items());
        Page<ChatSession> third = store.listSessions("alice", second.nextCursor(), 3);
        assertEquals(List.of(created.get(0)), third.items());
        assertNull(third.nextCursor());

        assertEquals(newer, store.listSessions("alice", null, 1).items().getFirst());
        assertEquals(8, store.listSessions("alice", null, HistoryStore.MAX_PAGE).items().size());
        assertEquals(7, store.listSessions("bob", null, HistoryStore.MAX_PAGE).items().size());
    }

    @Test
    void badCursorsAndLimitsAreRefused() {
        session("alice");
        assertThrows(InvalidCursorException.class, () -> store.listSessions("alice", "not-a-cursor!", 5));
        assertThrows(InvalidCursorException.class, () -> store.listSessions("alice", "c2Vzc2lvbnM6eA", 5)); // "sessions:x"
        db.audit().append("alice", "a", "", "");
        db.audit().append("alice", "b", "", "");
        String auditCursor = db.audit().list(null, 1).nextCursor();
        assertThrows(InvalidCursorException.class, () -> store.listSessions("alice", auditCursor, 5));
        assertThrows(IllegalArgumentException.class, () -> store.listSessions("alice", null, 0));
        assertThrows(IllegalArgumentException.class, () -> store.listSessions("alice", null, HistoryStore.MAX_PAGE + 1));
        ChatSession s = session("alice");
        assertThrows(InvalidCursorException.class, () -> store.listMessages("alice", s.id(), 5, "'; DROP TABLE x"));
    }

    @Test
    void patchChangesOnlyTheGivenFieldsAndMovesUpdated() {
        ChatSession s = store.createSession(new NewSession("alice", "m1", "old title", "be kind", "{\"temperature\":1}", "{}"));
        clock.advance(Duration.ofSeconds(5));
        ChatSession patched = store.updateSession("alice", s.id(),
                SessionPatch.NONE.withTitle("new title").withMetadataJson("{\"pinned\":true}")).orElseThrow();
        assertEquals("new title", patched.title());
        assertEquals("{\"pinned\":true}", patched.metadataJson());
        assertEquals("m1", patched.model());
        assertEquals("be kind", patched.systemPrompt());
        assertEquals("{\"temperature\":1}", patched.samplingJson());
        assertEquals(T0, patched.created());
        assertEquals(T0.plusSeconds(5), patched.updated());
        assertEquals(Optional.of(patched), store.getSession("alice", s.id()));

        ChatSession cleared = store.updateSession("alice", s.id(), SessionPatch.NONE.withSystemPrompt("").withModel("m2"))
                .orElseThrow();
        assertEquals("", cleared.systemPrompt());
        assertEquals("m2", cleared.model());
        assertThrows(IllegalArgumentException.class, () -> SessionPatch.NONE.withSamplingJson("[1,2]"));
        assertThrows(IllegalArgumentException.class, () -> SessionPatch.NONE.withMetadataJson("{oops"));
    }

    @Test
    void deletingASessionDeletesItsMessages() {
        ChatSession s = session("alice");
        ChatSession kept = session("alice");
        for (int i = 0; i < 3; i++) store.appendMessage("alice", s.id(), NewMessage.user("m" + i)).orElseThrow();
        store.startAssistantMessage("alice", s.id()).orElseThrow();
        store.appendMessage("alice", kept.id(), NewMessage.user("stays")).orElseThrow();

        assertTrue(store.deleteSession("alice", s.id()));
        assertEquals(Optional.empty(), store.getSession("alice", s.id()));
        assertEquals(Optional.empty(), store.listMessages("alice", s.id(), 10, null));
        assertFalse(store.deleteSession("alice", s.id()));
        assertEquals(0, store.markInterrupted(), "the deleted session's generating message is gone too");
        assertEquals(List.of(), store.integrityCheck(), "no orphan messages");
        assertEquals(List.of("stays"), store.listMessages("alice", kept.id(), 10, null).orElseThrow().items().stream()
                .map(ChatMessage::content).toList());
    }

    @Test
    void deletingFromAMessageKeepsOnlyWhatCameBefore() {
        ChatSession s = session("alice");
        ChatSession other = session("alice");
        List<ChatMessage> m = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) m.add(store.appendMessage("alice", s.id(), NewMessage.user("m" + i)).orElseThrow());
        store.appendMessage("alice", other.id(), NewMessage.user("elsewhere")).orElseThrow();

        assertEquals(Optional.empty(), store.deleteMessagesFrom("bob", s.id(), m.get(2).id()), "another owner");
        assertEquals(Optional.empty(), store.deleteMessagesFrom("alice", other.id(), m.get(2).id()), "another session");
        assertEquals(Optional.empty(), store.deleteMessagesFrom("alice", s.id(), "not-an-id"));
        assertEquals(Optional.of(2), store.deleteMessagesFrom("alice", s.id(), m.get(2).id()));
        assertEquals(List.of("m0", "m1"), store.listMessages("alice", s.id(), 10, null).orElseThrow().items().stream()
                .map(ChatMessage::content).toList());
        assertEquals(Optional.empty(), store.deleteMessagesFrom("alice", s.id(), m.get(3).id()), "already gone");
        assertEquals(List.of("elsewhere"), store.listMessages("alice", other.id(), 10, null).orElseThrow().items().stream()
                .map(ChatMessage::content).toList());
        assertEquals(List.of(), store.integrityCheck());
    }

    @Test
    void anotherOwnerSeesAndChangesNothing() {
        ChatSession s = store.createSession(new NewSession("alice", "m", "mine", "", "{}", "{}"));
        ChatMessage generating = store.startAssistantMessage("alice", s.id()).orElseThrow();

        assertEquals(Optional.empty(), store.getSession("bob", s.id()));
        assertEquals(List.of(), store.listSessions("bob", null, 10).items());
        assertEquals(Optional.empty(), store.updateSession("bob", s.id(), SessionPatch.NONE.withTitle("stolen")));
        assertEquals(Optional.empty(), store.appendMessage("bob", s.id(), NewMessage.user("injected")));
        assertEquals(Optional.empty(), store.startAssistantMessage("bob", s.id()));
        assertEquals(Optional.empty(), store.listMessages("bob", s.id(), 10, null));
        assertEquals(Optional.empty(), store.finishAssistantMessage("bob", generating.id(),
                AssistantReply.of("forged", FinishReason.STOP, TokenCounts.NONE, Timings.NONE)));
        assertFalse(store.deleteSession("bob", s.id()));

        assertEquals("mine", store.getSession("alice", s.id()).orElseThrow().title());
        List<ChatMessage> messages = store.listMessages("alice", s.id(), 10, null).orElseThrow().items();
        assertEquals(List.of(generating), messages);
    }

    @Test
    void messagesPageBackwardsWithBeforeAndListOldestFirst() {
        ChatSession s = session("alice");
        List<ChatMessage> all = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            MessageRole role = i % 2 == 1 ? MessageRole.USER : MessageRole.ASSISTANT;
            all.add(store.appendMessage("alice", s.id(), NewMessage.of(role, "message " + i)).orElseThrow());
            if (i % 3 == 0) clock.advance(Duration.ofMillis(1));
        }
        Page<ChatMessage> latest = store.listMessages("alice", s.id(), 4, null).orElseThrow();
        assertEquals(all.subList(6, 10), latest.items());
        assertEquals(all.get(6).id(), latest.nextCursor());
        Page<ChatMessage> earlier = store.listMessages("alice", s.id(), 4, latest.nextCursor()).orElseThrow();
        assertEquals(all.subList(2, 6), earlier.items());
        Page<ChatMessage> first = store.listMessages("alice", s.id(), 4, earlier.nextCursor()).orElseThrow();
        assertEquals(all.subList(0, 2), first.items());
        assertNull(first.nextCursor());
        assertEquals(all, store.listMessages("alice", s.id(), 10, null).orElseThrow().items());
        assertFalse(store.listMessages("alice", s.id(), 10, null).orElseThrow().hasMore());
    }

    @Test
    void appendingMovesTheSessionsUpdatedTime() {
        ChatSession s = session("alice");
        clock.advance(Duration.ofMinutes(3));
        store.appendMessage("alice", s.id(), NewMessage.user("hello")).orElseThrow();
        assertEquals(T0.plus(Duration.ofMinutes(3)), store.getSession("alice", s.id()).orElseThrow().updated());
    }

    @Test
    void replyGoesFromGeneratingToCompleteWithItsFinishReasonAndCounts() {
        ChatSession s = session("alice");
        ChatMessage user = store.appendMessage("alice", s.id(), NewMessage.user("Tell me a story")).orElseThrow();
        assertEquals(MessageStatus.COMPLETE, user.status());
        ChatMessage started = store.startAssistantMessage("alice", s.id()).orElseThrow();
        assertEquals(MessageStatus.GENERATING, started.status());
        assertEquals(MessageRole.ASSISTANT, started.role());
        assertEquals(List.of(user, started), store.listMessages("alice", s.id(), 10, null).orElseThrow().items());

        clock.advance(Duration.ofSeconds(2));
        ChatMessage done = store.finishAssistantMessage("alice", started.id(), AssistantReply.of(
                "Once upon a time", FinishReason.CANCELLED, new TokenCounts(12, 4), new Timings(30, 95))).orElseThrow();
        assertEquals(MessageStatus.COMPLETE, done.status());
        assertEquals(started.created(), done.created());
        ChatMessage stored = store.listMessages("alice", s.id(), 10, null).orElseThrow().items().getLast();
        assertEquals(done, stored);
        assertEquals("Once upon a time", stored.content());
        assertEquals(FinishReason.CANCELLED, stored.finishReason());
        assertEquals(new TokenCounts(12, 4), stored.tokens());
        assertEquals(new Timings(30, 95), stored.timings());
        assertEquals(T0.plusSeconds(2), store.getSession("alice", s.id()).orElseThrow().updated());

        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> store.finishAssistantMessage(
                "alice", started.id(), AssistantReply.of("again", FinishReason.STOP, TokenCounts.NONE, Timings.NONE)));
        assertTrue(twice.getMessage().contains("complete"), twice.getMessage());
        assertEquals("Once upon a time", store.listMessages("alice", s.id(), 1, null).orElseThrow().items().getFirst().content());
    }

    @Test
    void aStartedTurnStoresTheUserMessageAndAGeneratingReplyOfThisInstance() {
        ChatSession s = session("alice");
        HistoryStore.StartedTurn t = store.startTurn("alice", s.id(), NewMessage.user("q")).orElseThrow();
        assertEquals(MessageStatus.COMPLETE, t.first().status());
        assertEquals(MessageStatus.GENERATING, t.reply().status());
        assertEquals(List.of(t.first(), t.reply()), store.listMessages("alice", s.id(), 10, null).orElseThrow().items());
        assertEquals(Optional.empty(), store.startTurn("bob", s.id(), NewMessage.user("not yours")));
        assertFalse(store.generatingOnAnotherInstance(s.id()), "this instance's own turn is not another's");
        assertEquals(0, store.markInterruptedOfExpiredInstances(), "the sweep never takes this instance's replies");
        // A second turn on the same instance is the in-memory gate's business (SessionTurns), not the store's.
        assertTrue(store.startTurn("alice", s.id(), NewMessage.user("again")).isPresent());
    }

    @Test
    void generatingRepliesLeftByACrashAreMarkedInterruptedOnRestart() {
        ChatSession a = session("alice");
        ChatSession b = session("bob");
        store.appendMessage("alice", a.id(), NewMessage.user("q1")).orElseThrow();
        ChatMessage cut = store.startAssistantMessage("alice", a.id()).orElseThrow();
        ChatMessage finished = store.startAssistantMessage("bob", b.id()).orElseThrow();
        store.finishAssistantMessage("bob", finished.id(),
                AssistantReply.of("done", FinishReason.STOP, new TokenCounts(3, 1), Timings.NONE)).orElseThrow();
        ChatMessage cut2 = store.startAssistantMessage("bob", b.id()).orElseThrow();
        db.close(); // the process dies here

        db = reopen(clock);
        store = db.history();
        assertEquals(2, store.markInterrupted());
        assertEquals(0, store.markInterrupted());
        List<ChatMessage> aMessages = store.listMessages("alice", a.id(), 10, null).orElseThrow().items();
        assertEquals(List.of("q1", ""), aMessages.stream().map(ChatMessage::content).toList());
        assertEquals(MessageStatus.INTERRUPTED, aMessages.get(1).status());
        assertEquals(cut.id(), aMessages.get(1).id());
        List<ChatMessage> bMessages = store.listMessages("bob", b.id(), 10, null).orElseThrow().items();
        assertEquals(List.of(MessageStatus.COMPLETE, MessageStatus.INTERRUPTED),
                bMessages.stream().map(ChatMessage::status).toList());
        assertThrows(IllegalStateException.class, () -> store.finishAssistantMessage("bob", cut2.id(),
                AssistantReply.of("late", FinishReason.STOP, TokenCounts.NONE, Timings.NONE)));
        assertEquals(List.of(), store.integrityCheck());
    }

    @Test
    void theTextOfAGeneratingReplyIsStoredAsItGrowsAndACrashKeepsItMarkedInterrupted() {
        ChatSession s = session("alice");
        HistoryStore.StartedTurn t = store.startTurn("alice", s.id(), NewMessage.user("Tell me a story")).orElseThrow();
        String reply = t.reply().id();
        assertEquals(1, store.saveReplyProgress(List.of(new HistoryStore.ReplyProgress(reply, "Once"))));
        assertEquals(1, store.saveReplyProgress(List.of(new HistoryStore.ReplyProgress(reply, "Once upon a ✈"))));
        ChatMessage generating = store.listMessages("alice", s.id(), 10, null).orElseThrow().items().getLast();
        assertEquals(MessageStatus.GENERATING, generating.status());
        assertEquals("Once upon a ✈", generating.content());
        assertNull(generating.finishReason());
        db.close(); // the process dies here (its lease row goes; a SIGKILL leaves it to expire)

        db = reopen(clock);
        store = db.history();
        assertEquals(1, store.markInterrupted());
        ChatMessage cut = store.listMessages("alice", s.id(), 10, null).orElseThrow().items().getLast();
        assertEquals(MessageStatus.INTERRUPTED, cut.status());
        assertEquals("Once upon a ✈", cut.content(), "recovery keeps what was produced");
        assertNull(cut.finishReason());
        assertEquals(0, store.saveReplyProgress(List.of(new HistoryStore.ReplyProgress(reply, "Once upon a time"))),
                "an interrupted reply takes no more text");
        assertEquals("Once upon a ✈", store.listMessages("alice", s.id(), 10, null).orElseThrow().items().getLast().content());
        assertEquals(List.of(), store.integrityCheck());
    }

    @Test
    void lateProgressNeverOverwritesAFinishedReplyNorTouchesAnotherInstancesReply() {
        ChatSession s = session("alice");
        String first = store.startTurn("alice", s.id(), NewMessage.user("q1")).orElseThrow().reply().id();
        store.finishAssistantMessage("alice", first, AssistantReply.of("The end.", FinishReason.STOP,
                new TokenCounts(3, 3), Timings.NONE)).orElseThrow();
        assertEquals(0, store.saveReplyProgress(List.of(new HistoryStore.ReplyProgress(first, "The"))));
        String second = store.startTurn("alice", s.id(), NewMessage.user("q2")).orElseThrow().reply().id();
        try (ChatDatabase other = reopen(clock)) { // another replica (or process) on the same database
            assertEquals(0, other.history().saveReplyProgress(List.of(new HistoryStore.ReplyProgress(second, "not mine"),
                    new HistoryStore.ReplyProgress(first, "nor this"))));
        }
        assertEquals(1, store.saveReplyProgress(List.of(new HistoryStore.ReplyProgress(second, "mine"),
                new HistoryStore.ReplyProgress(first, "finished"))), "one batch, only the generating row changes");
        List<ChatMessage> all = store.listMessages("alice", s.id(), 10, null).orElseThrow().items();
        assertEquals(List.of("q1", "The end.", "q2", "mine"), all.stream().map(ChatMessage::content).toList());
        assertEquals(0, store.saveReplyProgress(List.of()));
    }

    @Test
    void theWriterThreadStoresHandedOverTextAndTheFinalTextWins() throws Exception {
        ChatSession s = session("alice");
        String reply = store.startTurn("alice", s.id(), NewMessage.user("q")).orElseThrow().reply().id();
        try (PartialReplyWriter writer = new PartialReplyWriter(store, 2, Duration.ofHours(1))) {
            PartialReplyWriter.Progress progress = writer.track(reply);
            StringBuilder text = new StringBuilder();
            for (String piece : List.of("Once", " upon", " a", " time")) {
                text.append(piece);
                progress.onText(text); // every second piece is handed over
            }
            assertEquals("Once upon a time", awaitContent(s.id(), "Once upon a time"));
            text.append(" there");
            progress.onText(text); // one piece: not handed over yet (the interval is an hour)
            progress.onIdle(text);
            progress.end();
            store.finishAssistantMessage("alice", reply, AssistantReply.of("Once upon a time there", FinishReason.LENGTH,
                    new TokenCounts(1, 5), Timings.NONE)).orElseThrow();
            writer.offer(reply, "Once upon"); // a write that was under way when the reply ended
            writer.close(); // writes what is queued
            assertTrue(writer.written() >= 1, "written " + writer.written());
            assertEquals(0, writer.dropped());
        }
        ChatMessage stored = store.listMessages("alice", s.id(), 10, null).orElseThrow().items().getLast();
        assertEquals(MessageStatus.COMPLETE, stored.status());
        assertEquals("Once upon a time there", stored.content());
    }

    /** Waits (at most 10 s) until the session's last message holds {@code expected}; returns what it holds. */
    private String awaitContent(String sessionId, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String content;
        do {
            content = store.listMessages("alice", sessionId, 10, null).orElseThrow().items().getLast().content();
            if (content.equals(expected)) return content;
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return content;
    }

    @Test
    void toolFieldsAndUnicodeRoundTrip() {
        ChatSession s = session("alice");
        String calls = "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{}\"}}]";
        ChatMessage call = store.appendMessage("alice", s.id(), new NewMessage(MessageRole.ASSISTANT, "", calls, null,
                FinishReason.TOOL_CALLS, new TokenCounts(5, 7), new Timings(1, 2))).orElseThrow();
        ChatMessage answer = store.appendMessage("alice", s.id(), new NewMessage(MessageRole.TOOL,
                "{\"temp\":\"21 °C\"} 日本語 🙂", null, "call_1", null, TokenCounts.NONE, Timings.NONE)).orElseThrow();
        assertEquals(List.of(call, answer), store.listMessages("alice", s.id(), 10, null).orElseThrow().items());
        assertThrows(IllegalArgumentException.class, () -> new NewMessage(MessageRole.ASSISTANT, "", "{\"not\":\"array\"}",
                null, null, TokenCounts.NONE, Timings.NONE));
        assertThrows(IllegalArgumentException.class, () -> NewMessage.user("nul \0 inside"));
        assertThrows(IllegalArgumentException.class, () -> new NewMessage(MessageRole.USER, "x", null, null,
                FinishReason.STOP, TokenCounts.NONE, Timings.NONE));
    }

    @Test
    void auditEventsAppendAndPageNewestFirst() {
        AuditLog audit = db.audit();
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(audit.append("admin", "session.delete", "s" + i, "req-" + i));
            clock.advance(Duration.ofMillis(i % 2));
        }
        Page<AuditEvent> first = audit.list(null, 2);
        assertEquals(List.of(events.get(4), events.get(3)), first.items());
        AuditEvent later = audit.append("admin", "key.create", "", "");
        Page<AuditEvent> second = audit.list(first.nextCursor(), 2);
        assertEquals(List.of(events.get(2), events.get(1)), second.items());
        Page<AuditEvent> third = audit.list(second.nextCursor(), 2);
        assertEquals(List.of(events.get(0)), third.items());
        assertNull(third.nextCursor());
        assertEquals(later, audit.list(null, 1).items().getFirst());
        assertThrows(IllegalArgumentException.class, () -> audit.append(" ", "x", "", ""));
    }

    @Test
    void concurrentAppendsFromManyThreadsLoseNoRows() throws Exception {
        ChatSession s = session("alice");
        int threads = 4;
        int each = 25;
        Clock real = Clock.systemUTC();
        try (ChatDatabase second = reopen(real); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                // Half the threads write through a second open database, as a second instance would.
                HistoryStore target = t % 2 == 0 ? store : second.history();
                futures.add(pool.submit(() -> IntStream.range(0, each).mapToObj(i -> target.appendMessage("alice",
                        s.id(), NewMessage.user("t" + thread + "-" + i)).orElseThrow().id()).toList()));
            }
            Set<String> ids = new HashSet<>();
            for (Future<List<String>> f : futures) ids.addAll(f.get());
            assertEquals(threads * each, ids.size());
        }
        List<ChatMessage> stored = new ArrayList<>();
        String before = null;
        do {
            Page<ChatMessage> page = store.listMessages("alice", s.id(), 30, before).orElseThrow();
            stored.addAll(0, page.items());
            before = page.nextCursor();
        } while (before != null);
        assertEquals(threads * each, stored.size());
        assertEquals(threads * each, stored.stream().map(ChatMessage::content).distinct().count());
        for (int i = 1; i < stored.size(); i++) {
            assertNotEquals(stored.get(i - 1).id(), stored.get(i).id());
            assertTrue(stored.get(i - 1).id().compareTo(stored.get(i).id()) < 0, "pages join in order");
        }
        assertEquals(List.of(), store.integrityCheck());
    }
    // ---- model registry rows

    @Test
    void modelRecordsAreInsertedReplacedListedByIdAndDeleted() {
        ModelRecordStore models = db.modelRecords();
        assertEquals(List.of(), models.list());
        models.put("zeta", "{\"id\":\"zeta\",\"upstreams\":[]}", true);
        models.put("alpha", null, false);
        clock.advance(Duration.ofSeconds(5));
        ModelRecord replaced = models.put("zeta", "{\"id\":\"zeta\"}", false);
        assertEquals(T0.plusSeconds(5), replaced.updated());
        assertEquals(List.of(new ModelRecord("alpha", null, false, T0), replaced), models.list(),
                "ordered by id; a status-only row keeps its null entry; the upsert replaced every column");
        assertTrue(models.delete("zeta"));
        assertFalse(models.delete("zeta"), "a second delete finds nothing");
        assertEquals(List.of("alpha"), models.list().stream().map(ModelRecord::id).toList());
    }

    @Test
    void aModelRecordWhoseEntryIsNotAJsonObjectIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> db.modelRecords().put("m", "[1]", true));
        assertEquals(List.of(), db.modelRecords().list());
    }
}
