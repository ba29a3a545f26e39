package io.stellarchat.server.chat;

/** A paging cursor (or a {@code before} message id) this store did not issue; the API answers 400. */
public final class InvalidCursorException extends IllegalArgumentException {
    public InvalidCursorException(String message) {
        super(message);
    }
}
