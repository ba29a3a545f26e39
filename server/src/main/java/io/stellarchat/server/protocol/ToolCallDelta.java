package io.stellarchat.server.protocol;

/**
 * A piece of a streamed tool call: the first piece of a call has its id and name, later ones add argument text.
 *
 * @param index     the call's position among the choice's calls
 * @param id        the call's id, or null after the first piece
 * @param name      the function's name, or null after the first piece
 * @param arguments more argument text (may be empty)
 */
public record ToolCallDelta(int index, String id, String name, String arguments) {}
