package io.stellarchat.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One declared model: either a local GGUF file ({@code path}) or a set of remote deployments
 * ({@code upstreams}), never both.
 *
 * @param id               the name clients use in {@code "model"}
 * @param path             the GGUF file (relative paths are relative to the working directory), or null for a remote model
 * @param aliases          other names for the same model
 * @param contextLength    context window: for a local model the context to allocate (0 = the model's own); for a
 *                         remote one what the upstreams accept (0 = unknown), used for history windows and
 *                         {@code context_fallbacks}
 * @param upstreams        deployments that can answer it (empty for a local model)
 * @param routing          how an upstream is picked
 * @param retries          retries of a failed attempt before the first byte
 * @param fallbacks        other model ids tried in order when every upstream failed or is open
 * @param contextFallbacks model ids with larger contexts, tried when a prompt does not fit this one
 * @param chatTemplate     a local model's chat template file ({@code chat_template_file}), used instead of the
 *                         one in the GGUF file; null for the file's own
 */
public record ModelEntry(String id, Path path, List<String> aliases, int contextLength, List<Upstream> upstreams,
                         Routing routing, RetrySettings retries, List<String> fallbacks, List<String> contextFallbacks,
                         Path chatTemplate) {
    public ModelEntry {
        Objects.requireNonNull(id, "id");
        aliases = List.copyOf(aliases);
        upstreams = List.copyOf(upstreams);
        fallbacks = List.copyOf(fallbacks);
        contextFallbacks = List.copyOf(contextFallbacks);
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(retries, "retries");
        if (contextLength < 0) throw new IllegalArgumentException("contextLength is negative: " + contextLength);
        if ((path == null) == upstreams.isEmpty()) {
            throw new IllegalArgumentException("model " + id + ": exactly one of path and upstreams must be given");
        }
    }

    /** A local model. */
    /** Without a chat template file. */
    public ModelEntry(String id, Path path, List<String> aliases, int contextLength, List<Upstream> upstreams,
                      Routing routing, RetrySettings retries, List<String> fallbacks, List<String> contextFallbacks) {
        this(id, path, aliases, contextLength, upstreams, routing, retries, fallbacks, contextFallbacks, null);
    }

    public ModelEntry(String id, Path path, List<String> aliases, int contextLength) {
        this(id, path, aliases, contextLength, List.of(), Routing.WEIGHTED, RetrySettings.DEFAULTS, List.of(), List.of());
    }

    /** A remote model with default routing and retries. */
    public static ModelEntry remote(String id, List<Upstream> upstreams) {
        return new ModelEntry(id, null, List.of(), 0, upstreams, Routing.WEIGHTED, RetrySettings.DEFAULTS, List.of(),
                List.of());
    }

    public boolean isLocal() {
        return path != null;
    }

    public ModelEntry withFallbacks(List<String> f) {
        return new ModelEntry(id, path, aliases, contextLength, upstreams, routing, retries, f, contextFallbacks, chatTemplate);
    }

    public ModelEntry withRetries(RetrySettings r) {
        return new ModelEntry(id, path, aliases, contextLength, upstreams, routing, r, fallbacks, contextFallbacks, chatTemplate);
    }

    public ModelEntry withRouting(Routing r) {
        return new ModelEntry(id, path, aliases, contextLength, upstreams, r, retries, fallbacks, contextFallbacks, chatTemplate);
    }

    /** The same local model with its chat template read from {@code file}. */
    public ModelEntry withChatTemplate(Path file) {
        return new ModelEntry(id, path, aliases, contextLength, upstreams, routing, retries, fallbacks, contextFallbacks, file);
    }

    public ModelEntry withContext(int ctx, List<String> ctxFallbacks) {
        return new ModelEntry(id, path, aliases, ctx, upstreams, routing, retries, fallbacks, ctxFallbacks, chatTemplate);
    }

    /**
     * One deployment of a remote model.
     *
     * @param provider a {@link ProviderConfig#id()}
     * @param model    the name that provider knows the model by
     * @param weight   share of traffic under weighted routing, >= 0 (0 = only when the others cannot answer)
     */
    public record Upstream(String provider, String model, int weight) {
        public Upstream {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(model, "model");
            if (weight < 0) throw new IllegalArgumentException("weight must be >= 0: " + weight);
        }
    }

    /** How an upstream of a model is picked for each request. */
    public enum Routing {
        /** At random, in proportion to the weights. */
        WEIGHTED,
        /** The one with the fewest requests in flight. */
        LEAST_BUSY,
        /** The one with the lowest moving average of time to first token. */
        LOWEST_LATENCY
    }

    /**
     * Retries of a model call that failed before its first byte reached the client.
     *
     * @param max        retries after the first attempt
     * @param backoff    base of the exponential backoff (full jitter)
     * @param maxBackoff the longest wait, also the cap on an upstream's {@code Retry-After}
     * @param resumeStreams whether a streamed answer that breaks off after text reached the client is continued
     *                   (routed again with that text as the reply to continue) instead of ending in an error
     */
    public record RetrySettings(int max, Duration backoff, Duration maxBackoff, boolean resumeStreams) {
        public static final RetrySettings DEFAULTS = new RetrySettings(2, Duration.ofMillis(100), Duration.ofSeconds(2));

        /** Settings that do not continue broken-off streams. */
        public RetrySettings(int max, Duration backoff, Duration maxBackoff) {
            this(max, backoff, maxBackoff, false);
        }

        public RetrySettings {
            if (max < 0) throw new IllegalArgumentException("retries must be >= 0: " + max);
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
        }
    }
}
