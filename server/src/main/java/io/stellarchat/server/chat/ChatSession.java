package io.stellarchat.server.chat;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored chat session.
 *
 * @param id           time-ordered UUID string made by the store
 * @param owner        who owns it
 * @param model        model id
 * @param title        display title, may be empty
 * @param systemPrompt system prompt, may be empty
 * @param samplingJson default sampling parameters, a JSON object
 * @param metadataJson metadata, a JSON object
 * @param created      when it was created (millisecond precision)
 * @param updated      when it or its messages last changed (millisecond precision)
 */
public record ChatSession(String id, String owner, String model, String title, String systemPrompt,
                          String samplingJson, String metadataJson, Instant created, Instant updated) {
    public ChatSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(systemPrompt, "systemPrompt");
        Objects.requireNonNull(samplingJson, "samplingJson");
        Objects.requireNonNull(metadataJson, "metadataJson");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(updated, "updated");
    }
}
