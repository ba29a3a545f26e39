package io.stellarchat.server.gateway.remote;

import io.stellarchat.server.protocol.ChatEvent;

/**
 * Turns one upstream dialect's server-sent events into {@link ChatEvent}s ({@link OpenAiChunks},
 * {@link AnthropicEvents}). Holds the per-answer state of that dialect (which choices began and ended, the usage
 * seen so far).
 *
 * <p>Threads: used by one stream's reader thread only.
 */
interface StreamTranslator {

    /** Where translated events go; may block (a full queue) and is interrupted when the stream is cancelled. */
    @FunctionalInterface
    interface Sink {
        void emit(ChatEvent event) throws InterruptedException;
    }

    /**
     * Translates one event. Emits nothing for events without content (keep-alive pings, role-only chunks).
     *
     * @return true once the answer is complete: {@link ChatEvent.Done} was emitted and nothing may follow
     * @throws io.stellarchat.server.protocol.ProviderException an error event, or an answer that cannot be read
     */
    boolean accept(SseReader.Event event, Sink out) throws InterruptedException;

    /** Why a body that ended before {@link #accept} returned true is not a whole answer, e.g. "ended the stream before [DONE]". */
    String incomplete();
}
