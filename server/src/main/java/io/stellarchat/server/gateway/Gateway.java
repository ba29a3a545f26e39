package io.stellarchat.server.gateway;

import io.stellarchat.server.gateway.local.LocalProvider;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.ProviderException;
import java.util.List;
import java.util.Optional;

/**
 * Where every model call of the service goes: the API dialects and the conversation code call this and nothing
 * below it. It finds the model the client named and has it answered by whoever serves it.
 *
 * <p>Threads: immutable after construction; any request thread may call it.
 */
public final class Gateway implements AutoCloseable {
    private final LocalProvider local;

    /** @param local the in-process engine's models (closed by {@link #close()}) */
    public Gateway(LocalProvider local) {
        this.local = local;
    }

    /** Starts a chat answer for {@code request.model()}. */
    public ChatStream chat(ChatRequest request) {
        return local.chat(request);
    }

    /** Starts a plain completion. */
    public ChatStream complete(CompletionRequest request) {
        return local.complete(request);
    }

    public EmbeddingResult embed(EmbeddingRequest request) {
        return local.embed(request);
    }

    /** Every model a client may name, local ones first. */
    public List<ModelInfo> models() {
        return local.models();
    }

    /** The model called {@code name} (id or alias). */
    public Optional<ModelInfo> find(String name) {
        return local.find(name).map(m -> models().stream().filter(i -> i.id().equals(m.id())).findFirst().orElseThrow());
    }

    /** The model called {@code name}, or 404 {@code model_not_found} naming {@code param}. */
    public ModelInfo require(String name, String param) {
        return find(name).orElseThrow(() -> ProviderException.notFound("model_not_found", param,
                "The model '" + name + "' does not exist or is not loaded. Available models: "
                        + models().stream().map(ModelInfo::id).toList() + "."));
    }

    /**
     * Prompt tokens {@code messages} take on {@code model} as a chat prompt: exact for a local model (rendered
     * and tokenized).
     */
    public int promptTokens(String model, List<Message> messages) {
        return local.promptTokens(model, messages);
    }

    /** The vocabulary of a local model; {@code model} null means the first loaded one. */
    public TokenizerView tokenizer(String model) {
        String id = model != null ? model : local.firstModel().orElseThrow(() -> ProviderException.notFound(
                "model_not_found", "model", "No model is loaded."));
        String resolved = local.find(id).orElseThrow(() -> ProviderException.notFound("model_not_found", "model",
                "The model '" + id + "' does not exist or is not loaded.")).id();
        return new TokenizerView() {
            @Override
            public String model() {
                return resolved;
            }

            @Override
            public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
                return local.tokenize(resolved, text, addSpecial, parseSpecial);
            }

            @Override
            public String piece(int token) {
                return local.piece(resolved, token);
            }

            @Override
            public String decode(int[] ids) {
                return local.detokenize(resolved, ids);
            }

            @Override
            public int vocabSize() {
                return local.vocabSize(resolved);
            }
        };
    }

    /** Stops the providers. Idempotent. */
    @Override
    public void close() {
        local.close();
    }
}
