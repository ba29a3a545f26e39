package io.stellarchat.server.models;

/** A pull that cannot go on, with a message a person can act on (gated repository, no such file, disk full …). */
public final class PullException extends Exception {
    public PullException(String message) {
        super(message);
    }

    public PullException(String message, Throwable cause) {
        super(message, cause);
    }
}
