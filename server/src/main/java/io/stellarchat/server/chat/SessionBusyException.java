package io.stellarchat.server.chat;

/**
 * A turn of the session is already running on another service instance (a replica holding a valid lease has a
 * generating reply in it), so {@link HistoryStore#startTurn} stored nothing.
 */
public final class SessionBusyException extends RuntimeException {
    private final String sessionId;

    public SessionBusyException(String sessionId) {
        super("session " + sessionId + " is generating a reply on another instance");
        this.sessionId = sessionId;
    }

    public String sessionId() {
        return sessionId;
    }
}
