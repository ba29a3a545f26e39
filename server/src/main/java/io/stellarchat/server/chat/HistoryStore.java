package io.stellarchat.server.chat;

import java.util.List;
import java.util.Optional;

/**
 * The durable chat history: sessions and their messages. Every method that writes returns after its
 * transaction committed. Every method takes the owner; a session of another owner behaves exactly like a
 * session that does not exist (empty, false). Methods are safe to call from many threads at once.
 *
 * <p>Failures: bad arguments throw {@link IllegalArgumentException} (bad cursors {@link
 * InvalidCursorException}); the database failing throws {@link StoreException}.
 */
public interface HistoryStore {
    /** Largest page size the listings accept. */
    int MAX_PAGE = 1000;

    /** Creates a session; its created and updated times are now. */
    ChatSession createSession(NewSession session);

    /** The owner's session with this id, or empty. */
    Optional<ChatSession> getSession(String owner, String sessionId);

    /**
     * The owner's sessions, newest (last created) first. Pass {@code null} for the first page, then the
     * page's {@link Page#nextCursor()}, which is opaque. Pages are stable under inserts: sessions created
     * after the first page was read never appear on later pages, and none is repeated or skipped.
     *
     * @param limit 1..{@value #MAX_PAGE}
     */
    Page<ChatSession> listSessions(String owner, String cursor, int limit);

    /** Applies the patch (null components keep their value) and returns the updated session, or empty. */
    Optional<ChatSession> updateSession(String owner, String sessionId, SessionPatch patch);

    /** Deletes the session and all its messages; false when the owner has no such session. */
    boolean deleteSession(String owner, String sessionId);

    /** Appends a whole message (status complete) to the owner's session; empty when there is no such session. */
    Optional<ChatMessage> appendMessage(String owner, String sessionId, NewMessage message);

    /** The two rows that start a turn. */
    record StartedTurn(ChatMessage first, ChatMessage reply) {
    }

    /**
     * Starts a turn in one transaction: appends {@code first} (the user's message or a tool's result, status
     * complete) and an empty assistant reply with status {@link MessageStatus#GENERATING} run by this instance —
     * unless another instance with a valid lease has a generating reply in the session. Turns of one session
     * started on several replicas at once are serialized on the session's row, so at most one of them starts.
     *
     * @return empty when the owner has no such session
     * @throws SessionBusyException when a turn of the session runs on another live instance (nothing is stored)
     */
    Optional<StartedTurn> startTurn(String owner, String sessionId, NewMessage first);

    /**
     * Commits an empty assistant reply with status {@link MessageStatus#GENERATING}, before generation starts;
     * empty when the owner has no such session.
     */
    Optional<ChatMessage> startAssistantMessage(String owner, String sessionId);

    /**
     * Commits the text and finish reason of a generating reply; it becomes {@link MessageStatus#COMPLETE}.
     * Empty when the owner has no such message.
     *
     * @throws IllegalStateException when the message is not generating (already finished, or interrupted)
     */
    Optional<ChatMessage> finishAssistantMessage(String owner, String messageId, AssistantReply reply);

    /** The text a generating reply has produced so far (the whole text, not the last piece). */
    record ReplyProgress(String messageId, String content) {
        public ReplyProgress {
            java.util.Objects.requireNonNull(messageId, "messageId");
            java.util.Objects.requireNonNull(content, "content");
        }
    }

    /**
     * Writes the text produced so far of generating replies that this instance runs, all in one transaction, so
     * that a crash keeps it (recovery then marks the reply {@link MessageStatus#INTERRUPTED}, text kept). Only
     * the content changes; a row that is no longer generating (finished, or marked interrupted because this
     * instance's lease lapsed) or that another instance runs is left alone, so a late write never overwrites a
     * finished reply. Called by {@link PartialReplyWriter}'s thread with the ids {@link #startTurn} returned,
     * which is why it takes no owner.
     *
     * @return how many replies were updated
     */
    int saveReplyProgress(List<ReplyProgress> progress);

    /**
     * A page of the owner's session's messages, empty when there is no such session. The page holds the
     * {@code limit} newest messages older than {@code beforeMessageId} (all messages when null), listed
     * oldest first (conversation order). To page further back pass the page's {@link Page#nextCursor()}, which
     * is the id of its oldest message, as {@code beforeMessageId}.
     *
     * @param limit 1..{@value #MAX_PAGE}
     */
    Optional<Page<ChatMessage>> listMessages(String owner, String sessionId, int limit, String beforeMessageId);

    /**
     * Start-up recovery, run before requests are served: marks {@link MessageStatus#GENERATING} replies that no
     * live instance runs {@link MessageStatus#INTERRUPTED}. On a database shared by replicas (PostgreSQL) that
     * is the replies of instances whose lease ({@link InstanceLease}) expired or is gone, and those from before
     * leases; a live replica's replies are never touched. An embedded SQLite file is served by one process, so
     * there it is every reply of another instance (a killed predecessor's lease may not have expired yet).
     *
     * @return how many messages were marked
     */
    int markInterrupted();

    /**
     * The periodic sweep: marks interrupted the generating replies of instances whose lease expired or is gone
     * (and those without an instance), never this instance's own.
     *
     * @return how many messages were marked
     */
    int markInterruptedOfExpiredInstances();

    /**
     * Whether the session has a generating reply run by another instance that holds a valid lease: a turn of
     * the session is running on another replica.
     */
    boolean generatingOnAnotherInstance(String sessionId);

    /**
     * Checks the database's consistency: SQLite's {@code integrity_check} and {@code foreign_key_check}, and
     * on every database that no message lacks its session.
     *
     * @return the problems found; empty when the database is sound
     */
    List<String> integrityCheck();

    /**
     * Records a user's rating of a message of one of {@code owner}'s sessions (replacing an earlier one).
     *
     * @param rating  {@code up} or {@code down}
     * @param comment free text, or null
     * @return the message with its feedback; empty when the owner has no such message in that session
     */
    Optional<ChatMessage> setFeedback(String owner, String sessionId, String messageId, String rating, String comment);

    /**
     * Deletes a message of one of {@code owner}'s sessions and every later message of that session, so the
     * conversation can go on from just before it (regenerate an answer, edit and resend a question). The caller
     * makes sure no turn of the session is running here ({@code conversation.SessionTurns#truncate}); a turn
     * running on another instance with a valid lease is checked atomically with the delete.
     *
     * @return how many messages were deleted; empty when the owner has no such message in that session
     * @throws SessionBusyException when another instance is generating a reply in the session
     */
    Optional<Integer> deleteMessagesFrom(String owner, String sessionId, String messageId);
}
