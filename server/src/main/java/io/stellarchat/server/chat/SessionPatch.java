package io.stellarchat.server.chat;

/**
 * A partial update of a session: each {@code null} component keeps the stored value. The owner and the id
 * never change.
 *
 * @param model        new model id, or null
 * @param title        new title (empty clears it), or null
 * @param systemPrompt new system prompt (empty clears it), or null
 * @param samplingJson new sampling defaults (a JSON object, replacing the old one whole), or null
 * @param metadataJson new metadata (a JSON object, replacing the old one whole), or null
 */
public record SessionPatch(String model, String title, String systemPrompt, String samplingJson, String metadataJson) {
    public static final SessionPatch NONE = new SessionPatch(null, null, null, null, null);

    public SessionPatch {
        if (model != null) JsonText.requireName("model", model);
        if (title != null) JsonText.requireText("title", title);
        if (systemPrompt != null) JsonText.requireText("systemPrompt", systemPrompt);
        if (samplingJson != null) JsonText.requireObject("samplingJson", samplingJson);
        if (metadataJson != null) JsonText.requireObject("metadataJson", metadataJson);
    }

    public SessionPatch withTitle(String newTitle) {
        return new SessionPatch(model, newTitle, systemPrompt, samplingJson, metadataJson);
    }

    public SessionPatch withModel(String newModel) {
        return new SessionPatch(newModel, title, systemPrompt, samplingJson, metadataJson);
    }

    public SessionPatch withSystemPrompt(String newPrompt) {
        return new SessionPatch(model, title, newPrompt, samplingJson, metadataJson);
    }

    public SessionPatch withSamplingJson(String newSampling) {
        return new SessionPatch(model, title, systemPrompt, newSampling, metadataJson);
    }

    public SessionPatch withMetadataJson(String newMetadata) {
        return new SessionPatch(model, title, systemPrompt, samplingJson, newMetadata);
    }
}
