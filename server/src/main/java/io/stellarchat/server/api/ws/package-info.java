/**
 * The WebSocket chat at {@code GET /v1/ws}: JSON text frames that run conversation turns of stored sessions
 * (the same {@link io.stellarchat.server.conversation.SessionTurns} as the REST API), several sessions at once
 * on one connection, each streamed as {@code start}, {@code delta}… and {@code end} (or {@code error}) frames
 * tagged with the client's {@code request_id}. The protocol is documented in {@code docs/websocket.md}.
 *
 * <p>Entry point: {@link io.stellarchat.server.api.ws.ChatSocketRoutes}, a route group. Inside: one
 * {@code ChatConnection} per socket (its running turns, the send lock), {@code ClientFrame} (parsing and
 * checking what the client sends) and {@code ServerFrames} (the shapes the server sends).
 */
package io.stellarchat.server.api.ws;
