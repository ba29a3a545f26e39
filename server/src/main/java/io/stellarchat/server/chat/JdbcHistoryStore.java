package io.stellarchat.server.chat;

import io.stellarchat.server.protocol.FinishReason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link HistoryStore} in portable SQL over {@code chat_sessions} and {@code chat_messages}.
 *
 * <p>Owner isolation is in the SQL: every statement that touches a session has {@code owner = ?} in its
 * WHERE clause, and message statements reach their session through it ({@code INSERT … SELECT … FROM
 * chat_sessions WHERE id = ? AND owner = ?}), so a row of another owner is never read or written, and "not
 * yours" and "does not exist" are one case.
 *
 * <p>Ordering: ids are time-ordered ({@link TimeOrderedIds}), so {@code ORDER BY id} is creation order and a
 * page boundary is just an id; keyset paging on it is stable under inserts.
 */
final class JdbcHistoryStore implements HistoryStore {
    private static final String SESSIONS = "sessions";
    private static final String SESSION_COLUMNS =
            "id, owner, model, title, system_prompt, sampling_json, metadata_json, created_ms, updated_ms";
    private static final String MESSAGE_COLUMNS = "id, session_id, role, content, tool_calls_json, tool_call_id, "
            + "finish_reason, status, prompt_tokens, completion_tokens, prompt_ms, generation_ms, created_ms";
    /** What a read returns: the written columns and the feedback (V4). */
    private static final String READ_COLUMNS = MESSAGE_COLUMNS + ", feedback_rating, feedback_comment, feedback_ms, stopped";

    private final Transactions tx;
    private final TimeOrderedIds ids;
    private final Clock clock;
    private final boolean sqlite;
    /** This service instance: stamped on the replies it starts ({@code chat_messages.instance_id}). */
    private final String instanceId;

    JdbcHistoryStore(Transactions tx, TimeOrderedIds ids, Clock clock, boolean sqlite, String instanceId) {
        this.tx = tx;
        this.ids = ids;
        this.clock = clock;
        this.sqlite = sqlite;
        this.instanceId = instanceId;
    }

    @Override
    public ChatSession createSession(NewSession n) {
        Objects.requireNonNull(n, "session");
        Instant now = now();
        ChatSession s = new ChatSession(ids.next(), n.owner(), n.model(), n.title(), n.systemPrompt(),
                n.samplingJson(), n.metadataJson(), now, now);
        return tx.write("create session", c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO chat_sessions (" + SESSION_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                st.setString(1, s.id());
                st.setString(2, s.owner());
                st.setString(3, s.model());
                st.setString(4, s.title());
                st.setString(5, s.systemPrompt());
                st.setString(6, s.samplingJson());
                st.setString(7, s.metadataJson());
                st.setLong(8, now.toEpochMilli());
                st.setLong(9, now.toEpochMilli());
                st.executeUpdate();
            }
            return s;
        });
    }

    @Override
    public Optional<ChatSession> getSession(String owner, String sessionId) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(sessionId, "sessionId");
        return tx.read("get session", c -> selectSession(c, owner, sessionId));
    }

    private static Optional<ChatSession> selectSession(Connection c, String owner, String id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT " + SESSION_COLUMNS + " FROM chat_sessions WHERE id = ? AND owner = ?")) {
            st.setString(1, id);
            st.setString(2, owner);
            try (ResultSet r = st.executeQuery()) {
                return r.next() ? Optional.of(session(r)) : Optional.empty();
            }
        }
    }

    private static ChatSession session(ResultSet r) throws SQLException {
        return new ChatSession(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                r.getString(6), r.getString(7), Instant.ofEpochMilli(r.getLong(8)), Instant.ofEpochMilli(r.getLong(9)));
    }

    @Override
    public Page<ChatSession> listSessions(String owner, String cursor, int limit) {
        Objects.requireNonNull(owner, "owner");
        PageCursor.checkLimit(limit);
        String after = PageCursor.decode(SESSIONS, cursor);
        return tx.read("list sessions", c -> {
            String sql = "SELECT " + SESSION_COLUMNS + " FROM chat_sessions WHERE owner = ?"
                    + (after == null ? "" : " AND id < ?") + " ORDER BY id DESC LIMIT ?";
            try (PreparedStatement st = c.prepareStatement(sql)) {
                int i = 1;
                st.setString(i++, owner);
                if (after != null) st.setString(i++, after);
                st.setInt(i, limit + 1); // one more tells whether another page exists
                List<ChatSession> items = new ArrayList<>();
                try (ResultSet r = st.executeQuery()) {
                    while (r.next()) items.add(session(r));
                }
                if (items.size() <= limit) return new Page<>(items, null);
                List<ChatSession> page = items.subList(0, limit);
                return new Page<>(page, PageCursor.encode(SESSIONS, page.getLast().id()));
            }
        });
    }

    @Override
    public Optional<ChatSession> updateSession(String owner, String sessionId, SessionPatch patch) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(patch, "patch");
        long now = clock.millis();
        return tx.write("update session", c -> {
            // COALESCE(?, column): a null parameter keeps the stored value.
            try (PreparedStatement st = c.prepareStatement("UPDATE chat_sessions SET model = COALESCE(?, model), "
                    + "title = COALESCE(?, title), system_prompt = COALESCE(?, system_prompt), "
                    + "sampling_json = COALESCE(?, sampling_json), metadata_json = COALESCE(?, metadata_json), "
                    + "updated_ms = CASE WHEN updated_ms < ? THEN ? ELSE updated_ms END WHERE id = ? AND owner = ?")) {
                setText(st, 1, patch.model());
                setText(st, 2, patch.title());
                setText(st, 3, patch.systemPrompt());
                setText(st, 4, patch.samplingJson());
                setText(st, 5, patch.metadataJson());
                st.setLong(6, now);
                st.setLong(7, now);
                st.setString(8, sessionId);
                st.setString(9, owner);
                if (st.executeUpdate() == 0) return Optional.empty();
            }
            return selectSession(c, owner, sessionId);
        });
    }

    @Override
    public boolean deleteSession(String owner, String sessionId) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(sessionId, "sessionId");
        return tx.write("delete session", c -> {
            // Messages first, explicitly: the foreign key's ON DELETE CASCADE would do it too, but the delete
            // must not depend on a connection setting.
            try (PreparedStatement st = c.prepareStatement("DELETE FROM chat_messages WHERE session_id IN "
                    + "(SELECT id FROM chat_sessions WHERE id = ? AND owner = ?)")) {
                st.setString(1, sessionId);
                st.setString(2, owner);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("DELETE FROM chat_sessions WHERE id = ? AND owner = ?")) {
                st.setString(1, sessionId);
                st.setString(2, owner);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public Optional<ChatMessage> appendMessage(String owner, String sessionId, NewMessage m) {
        Objects.requireNonNull(m, "message");
        ChatMessage message = new ChatMessage(ids.next(), sessionId, m.role(), m.content(), m.toolCallsJson(),
                m.toolCallId(), m.finishReason(), MessageStatus.COMPLETE, m.tokens(), m.timings(), now());
        return insertMessage("append message", owner, message, null);
    }

    @Override
    public Optional<ChatMessage> startAssistantMessage(String owner, String sessionId) {
        ChatMessage message = new ChatMessage(ids.next(), sessionId, MessageRole.ASSISTANT, "", null, null, null,
                MessageStatus.GENERATING, TokenCounts.NONE, Timings.NONE, now());
        return insertMessage("start assistant message", owner, message, instanceId);
    }

    /** @param instance the instance running a generating reply; null for other messages */
    private Optional<ChatMessage> insertMessage(String operation, String owner, ChatMessage m, String instance) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(m.sessionId(), "sessionId");
        return tx.write(operation, c -> insert(c, owner, m, instance) ? Optional.of(m) : Optional.<ChatMessage>empty());
    }

    @Override
    public Optional<StartedTurn> startTurn(String owner, String sessionId, NewMessage first) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(first, "first");
        ChatMessage user = new ChatMessage(ids.next(), sessionId, first.role(), first.content(), first.toolCallsJson(),
                first.toolCallId(), first.finishReason(), MessageStatus.COMPLETE, first.tokens(), first.timings(), now());
        ChatMessage reply = new ChatMessage(ids.next(), sessionId, MessageRole.ASSISTANT, "", null, null, null,
                MessageStatus.GENERATING, TokenCounts.NONE, Timings.NONE, now());
        return tx.write("start turn", c -> {
            if (!lockSession(c, owner, sessionId)) return Optional.<StartedTurn>empty();
            if (generatingElsewhere(c, sessionId, clock.millis())) throw new SessionBusyException(sessionId);
            insert(c, owner, user, null);
            insert(c, owner, reply, instanceId);
            return Optional.of(new StartedTurn(user, reply));
        });
    }

    /**
     * Takes the session row's lock for the rest of the transaction with a no-op update (PostgreSQL holds it to
     * commit; SQLite's IMMEDIATE write transaction is exclusive anyway), so a turn started, or history deleted,
     * at the same moment on another replica waits here and then sees what this transaction did. Portable,
     * unlike SELECT … FOR UPDATE.
     *
     * @return false when the owner has no such session
     */
    private static boolean lockSession(Connection c, String owner, String sessionId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE chat_sessions SET updated_ms = updated_ms WHERE id = ? AND owner = ?")) {
            st.setString(1, sessionId);
            st.setString(2, owner);
            return st.executeUpdate() > 0;
        }
    }

    /** Inserts {@code m} if the owner has its session (one statement: no window between check and insert). */
    private static boolean insert(Connection c, String owner, ChatMessage m, String instance) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO chat_messages (" + MESSAGE_COLUMNS + ", instance_id) "
                + "SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM chat_sessions WHERE id = ? AND owner = ?")) {
            st.setString(1, m.id());
            st.setString(2, m.role().key());
            st.setString(3, m.content());
            setText(st, 4, m.toolCallsJson());
            setText(st, 5, m.toolCallId());
            setText(st, 6, m.finishReason() == null ? null : m.finishReason().key());
            st.setString(7, m.status().key());
            st.setLong(8, m.tokens().prompt());
            st.setLong(9, m.tokens().completion());
            st.setLong(10, m.timings().promptMillis());
            st.setLong(11, m.timings().generationMillis());
            st.setLong(12, m.created().toEpochMilli());
            setText(st, 13, instance);
            st.setString(14, m.sessionId());
            st.setString(15, owner);
            if (st.executeUpdate() == 0) return false;
        }
        touchSession(c, m.sessionId(), m.created().toEpochMilli());
        return true;
    }

    /** Moves the session's updated time forward (never back: concurrent writers may commit out of order). */
    private static void touchSession(Connection c, String sessionId, long millis) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE chat_sessions SET updated_ms = ? WHERE id = ? AND updated_ms < ?")) {
            st.setLong(1, millis);
            st.setString(2, sessionId);
            st.setLong(3, millis);
            st.executeUpdate();
        }
    }

    @Override
    public Optional<ChatMessage> finishAssistantMessage(String owner, String messageId, AssistantReply reply) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(reply, "reply");
        long now = clock.millis();
        return tx.write("finish assistant message", c -> {
            Optional<ChatMessage> found = selectOwnedMessage(c, owner, messageId);
            if (found.isEmpty()) return found;
            ChatMessage old = found.get();
            if (old.status() != MessageStatus.GENERATING) {
                throw new IllegalStateException("message " + messageId + " is " + old.status().key()
                        + ", not generating: it cannot be finished");
            }
            try (PreparedStatement st = c.prepareStatement("UPDATE chat_messages SET content = ?, tool_calls_json = ?, "
                    + "finish_reason = ?, status = ?, prompt_tokens = ?, completion_tokens = ?, prompt_ms = ?, "
                    + "generation_ms = ?, stopped = ? WHERE id = ? AND status = ?")) {
                st.setString(1, reply.content());
                setText(st, 2, reply.toolCallsJson());
                st.setString(3, reply.finishReason().key());
                st.setString(4, MessageStatus.COMPLETE.key());
                st.setLong(5, reply.tokens().prompt());
                st.setLong(6, reply.tokens().completion());
                st.setLong(7, reply.timings().promptMillis());
                st.setLong(8, reply.timings().generationMillis());
                st.setBoolean(9, reply.stopped());
                st.setString(10, messageId);
                st.setString(11, MessageStatus.GENERATING.key());
                if (st.executeUpdate() == 0) {
                    // Another transaction (markInterrupted) changed it after our read.
                    throw new IllegalStateException("message " + messageId + " stopped generating while being finished");
                }
            }
            touchSession(c, old.sessionId(), now);
            return Optional.of(new ChatMessage(old.id(), old.sessionId(), old.role(), reply.content(),
                    reply.toolCallsJson(), old.toolCallId(), reply.finishReason(), MessageStatus.COMPLETE,
                    reply.tokens(), reply.timings(), old.created(), null, reply.stopped()));
        });
    }

    @Override
    public int saveReplyProgress(List<ReplyProgress> progress) {
        Objects.requireNonNull(progress, "progress");
        if (progress.isEmpty()) return 0;
        return tx.write("save reply progress", c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE chat_messages SET content = ? "
                    + "WHERE id = ? AND status = ? AND instance_id = ?")) {
                for (ReplyProgress p : progress) {
                    st.setString(1, p.content());
                    st.setString(2, p.messageId());
                    st.setString(3, MessageStatus.GENERATING.key());
                    st.setString(4, instanceId);
                    st.addBatch();
                }
                int updated = 0;
                for (int n : st.executeBatch()) {
                    if (n > 0 || n == Statement.SUCCESS_NO_INFO) updated++;
                }
                return updated;
            }
        });
    }

    private static Optional<ChatMessage> selectOwnedMessage(Connection c, String owner, String messageId)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT " + prefixed("m.", READ_COLUMNS)
                + " FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = ? AND s.owner = ?")) {
            st.setString(1, messageId);
            st.setString(2, owner);
            try (ResultSet r = st.executeQuery()) {
                return r.next() ? Optional.of(message(r)) : Optional.empty();
            }
        }
    }

    private static String prefixed(String prefix, String columns) {
        return prefix + columns.replace(", ", ", " + prefix);
    }

    private static ChatMessage message(ResultSet r) throws SQLException {
        String finish = r.getString(7);
        return new ChatMessage(r.getString(1), r.getString(2), MessageRole.fromKey(r.getString(3)), r.getString(4),
                r.getString(5), r.getString(6), finish == null ? null : FinishReason.fromKey(finish),
                MessageStatus.fromKey(r.getString(8)), new TokenCounts(r.getLong(9), r.getLong(10)),
                new Timings(r.getLong(11), r.getLong(12)), Instant.ofEpochMilli(r.getLong(13)), feedback(r),
                r.getBoolean(17));
    }

    private static ChatMessage.Feedback feedback(ResultSet r) throws SQLException {
        String rating = r.getString(14);
        if (rating == null) return null;
        return new ChatMessage.Feedback(rating, r.getString(15), Instant.ofEpochMilli(r.getLong(16)));
    }

    @Override
    public Optional<ChatMessage> setFeedback(String owner, String sessionId, String messageId, String rating, String comment) {
        Objects.requireNonNull(owner, "owner");
        long now = clock.millis();
        return tx.write("rate message", c -> {
            Optional<ChatMessage> found = selectOwnedMessage(c, owner, messageId);
            if (found.isEmpty() || !found.get().sessionId().equals(sessionId)) return Optional.<ChatMessage>empty();
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE chat_messages SET feedback_rating = ?, feedback_comment = ?, feedback_ms = ? WHERE id = ?")) {
                st.setString(1, rating);
                setText(st, 2, comment);
                st.setLong(3, now);
                st.setString(4, messageId);
                st.executeUpdate();
            }
            ChatMessage m = found.get();
            return Optional.of(new ChatMessage(m.id(), m.sessionId(), m.role(), m.content(), m.toolCallsJson(),
                    m.toolCallId(), m.finishReason(), m.status(), m.tokens(), m.timings(), m.created(),
                    new ChatMessage.Feedback(rating, comment, Instant.ofEpochMilli(now)), m.stopped()));
        });
    }

    @Override
    public Optional<Integer> deleteMessagesFrom(String owner, String sessionId, String messageId) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(sessionId, "sessionId");
        if (!TimeOrderedIds.looksLikeId(messageId)) return Optional.empty();
        return tx.write("delete messages from", c -> {
            // Serialized with startTurn on the session row (see there): a turn another replica starts in the same
            // moment either commits first and makes this one busy, or waits and starts after the delete.
            if (!lockSession(c, owner, sessionId)) return Optional.<Integer>empty();
            if (generatingElsewhere(c, sessionId, clock.millis())) throw new SessionBusyException(sessionId);
            Optional<ChatMessage> found = selectOwnedMessage(c, owner, messageId);
            if (found.isEmpty() || !found.get().sessionId().equals(sessionId)) return Optional.<Integer>empty();
            // Ids are time-ordered: "id >= ?" is this message and every later one of the session.
            int deleted;
            try (PreparedStatement st = c.prepareStatement("DELETE FROM chat_messages WHERE session_id = ? AND id >= ?")) {
                st.setString(1, sessionId);
                st.setString(2, messageId);
                deleted = st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("UPDATE chat_sessions SET updated_ms = ? WHERE id = ?")) {
                st.setLong(1, clock.millis());
                st.setString(2, sessionId);
                st.executeUpdate();
            }
            return Optional.of(deleted);
        });
    }

    @Override
    public Optional<Page<ChatMessage>> listMessages(String owner, String sessionId, int limit, String beforeMessageId) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(sessionId, "sessionId");
        PageCursor.checkLimit(limit);
        if (beforeMessageId != null && !TimeOrderedIds.looksLikeId(beforeMessageId)) {
            throw new InvalidCursorException("before is not a message id: " + PageCursor.shorten(beforeMessageId));
        }
        return tx.read("list messages", c -> {
            if (selectSession(c, owner, sessionId).isEmpty()) return Optional.empty();
            String sql = "SELECT " + READ_COLUMNS + " FROM chat_messages WHERE session_id = ?"
                    + (beforeMessageId == null ? "" : " AND id < ?") + " ORDER BY id DESC LIMIT ?";
            try (PreparedStatement st = c.prepareStatement(sql)) {
                int i = 1;
                st.setString(i++, sessionId);
                if (beforeMessageId != null) st.setString(i++, beforeMessageId);
                st.setInt(i, limit + 1);
                List<ChatMessage> newestFirst = new ArrayList<>();
                try (ResultSet r = st.executeQuery()) {
                    while (r.next()) newestFirst.add(message(r));
                }
                boolean more = newestFirst.size() > limit;
                List<ChatMessage> page = new ArrayList<>(newestFirst.subList(0, Math.min(limit, newestFirst.size())));
                Collections.reverse(page);
                return Optional.of(new Page<>(page, more ? page.getFirst().id() : null));
            }
        });
    }

    /** A generating row's instance holds no valid lease at {@code ?} (now): it is gone, or it predates leases. */
    private static final String INSTANCE_GONE = "(instance_id IS NULL OR NOT EXISTS (SELECT 1 FROM service_instances i "
            + "WHERE i.id = chat_messages.instance_id AND i.expires_ms > ?))";

    /**
     * Start-up recovery. PostgreSQL (shared by replicas): the replies of instances without a valid lease. SQLite:
     * every reply of another instance — an embedded file is served by one process, so whoever opens it for
     * serving takes over, even from a killed predecessor whose lease has not expired yet.
     */
    @Override
    public int markInterrupted() {
        if (!sqlite) return markInterruptedOfExpiredInstances();
        return tx.write("mark interrupted messages", c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE chat_messages SET status = ? WHERE status = ? "
                    + "AND (instance_id IS NULL OR instance_id <> ?)")) {
                st.setString(1, MessageStatus.INTERRUPTED.key());
                st.setString(2, MessageStatus.GENERATING.key());
                st.setString(3, instanceId);
                return st.executeUpdate();
            }
        });
    }

    /**
     * The periodic sweep (the {@link InstanceLease} thread): marks interrupted the generating replies whose
     * instance's lease expired or is gone, or that have no instance. Never this instance's own replies (they
     * are running here, even when a clock jump or a slow database made our own row look stale).
     */
    @Override
    public int markInterruptedOfExpiredInstances() {
        long now = clock.millis();
        return tx.write("mark interrupted messages of expired instances", c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE chat_messages SET status = ? WHERE status = ? "
                    + "AND (instance_id IS NULL OR instance_id <> ?) AND " + INSTANCE_GONE)) {
                st.setString(1, MessageStatus.INTERRUPTED.key());
                st.setString(2, MessageStatus.GENERATING.key());
                st.setString(3, instanceId);
                st.setLong(4, now);
                return st.executeUpdate();
            }
        });
    }

    @Override
    public boolean generatingOnAnotherInstance(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        long now = clock.millis();
        return tx.read("check running replies", c -> generatingElsewhere(c, sessionId, now));
    }

    /** Whether another instance with a lease valid at {@code now} has a generating reply in the session. */
    private boolean generatingElsewhere(Connection c, String sessionId, long now) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM chat_messages m JOIN service_instances i "
                + "ON i.id = m.instance_id WHERE m.session_id = ? AND m.status = ? AND m.instance_id <> ? "
                + "AND i.expires_ms > ?")) {
            st.setString(1, sessionId);
            st.setString(2, MessageStatus.GENERATING.key());
            st.setString(3, instanceId);
            st.setLong(4, now);
            try (ResultSet r = st.executeQuery()) {
                return r.next();
            }
        }
    }

    @Override
    public List<String> integrityCheck() {
        return tx.read("integrity check", c -> {
            List<String> problems = new ArrayList<>();
            try (Statement st = c.createStatement()) {
                if (sqlite) {
                    try (ResultSet r = st.executeQuery("PRAGMA integrity_check")) {
                        while (r.next()) {
                            if (!"ok".equals(r.getString(1))) problems.add("integrity_check: " + r.getString(1));
                        }
                    }
                    try (ResultSet r = st.executeQuery("PRAGMA foreign_key_check")) {
                        while (r.next()) {
                            problems.add("foreign_key_check: row " + r.getLong(2) + " of " + r.getString(1)
                                    + " references a missing row of " + r.getString(3));
                        }
                    }
                }
                try (ResultSet r = st.executeQuery("SELECT COUNT(*) FROM chat_messages m WHERE NOT EXISTS "
                        + "(SELECT 1 FROM chat_sessions s WHERE s.id = m.session_id)")) {
                    r.next();
                    long orphans = r.getLong(1);
                    if (orphans > 0) problems.add(orphans + " messages belong to no session");
                }
            }
            return problems;
        });
    }

    private Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    private static void setText(PreparedStatement st, int index, String value) throws SQLException {
        if (value == null) st.setNull(index, Types.VARCHAR);
        else st.setString(index, value);
    }
}
