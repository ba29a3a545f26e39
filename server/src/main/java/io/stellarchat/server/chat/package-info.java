/**
 * Chat sessions and their messages as a durable history, plus the audit log and the gateway's model registry
 * rows ({@link io.stellarchat.server.chat.ModelRecordStore}: stored as text, never read as gateway types), on one
 * database.
 *
 * <p>Entry point: {@link io.stellarchat.server.chat.ChatDatabase#open}, which runs the Flyway migrations
 * ({@code db/migration}, one portable set for SQLite and PostgreSQL) and hands out a {@link
 * io.stellarchat.server.chat.HistoryStore} and an {@link io.stellarchat.server.chat.AuditLog}. The store's
 * records ({@link io.stellarchat.server.chat.ChatSession}, {@link io.stellarchat.server.chat.ChatMessage},
 * {@link io.stellarchat.server.chat.Page}) are immutable; every read and write names the owner, and an owner
 * never sees another owner's sessions (an empty {@code Optional} or {@code false}, which the API answers 404).
 *
 * <p>Durability: a call that writes returns only after its transaction committed. A reply is written in steps:
 * {@code startTurn} commits a {@code generating} row before tokens flow, the {@link
 * io.stellarchat.server.chat.PartialReplyWriter} (its {@code partial-reply-writer} thread, fed by a bounded
 * queue that coalesces by message) writes its text so far every few pieces or half second through
 * {@code saveReplyProgress}, and {@code finishAssistantMessage} commits its whole text and finish reason;
 * {@code markInterrupted} at start-up turns rows a killed process left {@code generating} into
 * {@code interrupted}, keeping the text last written.
 *
 * <p>Replicas: each open database is one service instance with a random id; a generating row names its
 * instance, and {@link io.stellarchat.server.chat.InstanceLease} keeps the instance's lease row alive (the
 * {@code instance-lease} thread) and sweeps the rows of instances whose lease expired. Recovery never touches a
 * live replica's rows; a live replica's generating row makes its session busy on the others.
 *
 * <p>Schema conventions: ids are time-ordered UUID strings made in Java ({@code TimeOrderedIds}), so ordering
 * by id is ordering by creation; timestamps are epoch milliseconds in BIGINT columns; JSON is TEXT.
 */
package io.stellarchat.server.chat;
