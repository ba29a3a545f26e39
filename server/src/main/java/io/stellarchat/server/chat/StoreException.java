package io.stellarchat.server.chat;

/** The database failed an operation (connection lost, disk full, constraint broken); names the operation. */
public final class StoreException extends RuntimeException {
    public StoreException(String operation, Throwable cause) {
        super(operation + " failed: " + cause.getMessage(), cause);
    }
}
