package io.stellarchat.server.chat;


/**
 * What a caller gives to create a session.
 *
 * @param owner        who owns it (the API key's principal); non-blank
 * @param model        the model id it chats with; non-blank
 * @param title        display title, may be empty
 * @param systemPrompt system prompt, may be empty
 * @param samplingJson default sampling parameters as a JSON object ({@code {}} for none)
 * @param metadataJson free-form metadata as a JSON object ({@code {}} for none)
 */
public record NewSession(String owner, String model, String title, String systemPrompt, String samplingJson,
                         String metadataJson) {
    public NewSession {
        JsonText.requireName("owner", owner);
        JsonText.requireName("model", model);
        JsonText.requireText("title", title);
        JsonText.requireText("systemPrompt", systemPrompt);
        JsonText.requireObject("samplingJson", samplingJson);
        JsonText.requireObject("metadataJson", metadataJson);
    }

    /** A session with no title, system prompt, sampling defaults or metadata. */
    public static NewSession of(String owner, String model) {
        return new NewSession(owner, model, "", "", "{}", "{}");
    }
}
