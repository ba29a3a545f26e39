/**
 * REST for chat sessions and their durable history, and one conversation turn ({@link
 * io.stellarchat.server.conversation.SessionTurns}) shared with the WebSocket chat. Entry point:
 * {@link io.stellarchat.server.api.sessions.SessionRoutes}.
 */
package io.stellarchat.server.api.sessions;
