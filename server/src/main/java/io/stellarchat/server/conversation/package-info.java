/**
 * Conversations over the stored history: {@link io.stellarchat.server.conversation.SessionTurns} runs one turn of
 * a chat session (commit the user's message, choose the history window, have the gateway answer, commit the
 * reply with its finish reason). It joins {@code chat} (the store) and {@code gateway} (the models), which must
 * not depend on each other, and is shared by the sessions REST API and the WebSocket chat; it speaks no wire
 * dialect.
 */
package io.stellarchat.server.conversation;
