package io.stellarchat.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.stellarchat.server.cache.EmbeddingCache;
import io.stellarchat.server.cache.ResponseCache;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.RateLimitedException;
import io.stellarchat.server.limits.RateLimiter;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What every model-calling route does before and around its call, once: the caller may see the model (else
 * 404 as if it did not exist), the rate limiter admits the request (429 naming the limit, with
 * {@code Retry-After} and the {@code x-ratelimit-*} headers on every answer), and the response cache may answer
 * it ({@code X-Stellar-Cache: hit|miss}). The reservation is settled with the real usage when the answer ends.
 *
 * <p>Threads: stateless apart from its collaborators; used by every request thread.
 */
public final class Admission {
    /** Response header telling whether the response cache answered. */
    public static final String CACHE_HEADER = "X-Stellar-Cache";
    /** Request header that lets answers to requests with tools be cached ({@code allow}). */
    public static final String CACHE_TOOLS_HEADER = "X-Stellar-Cache-Tools";
    /** The completion budget reserved for a remote model without max_tokens and without a known context. */
    static final int DEFAULT_COMPLETION_BUDGET = 4096;

    private final Gateway gateway;
    private final RateLimiter limiter;       // null: no limits
    private final ResponseCache responses;   // null: response cache off
    private final EmbeddingCache embeddings; // null: embedding cache off
    private final ModelCalls calls;

    public Admission(Gateway gateway, RateLimiter limiter, ResponseCache responses, EmbeddingCache embeddings,
                     ModelCalls calls) {
        this.gateway = gateway;
        this.limiter = limiter;
        this.responses = responses;
        this.embeddings = embeddings;
        this.calls = calls;
    }

    public Admission(Gateway gateway, RateLimiter limiter, ResponseCache responses, EmbeddingCache embeddings) {
        this(gateway, limiter, responses, embeddings, ModelCalls.off());
    }

    /** Where model calls are recorded. */
    public ModelCalls calls() {
        return calls;
    }

    /**
     * Describes a model call made by the request in {@code ctx} (null on a WebSocket: {@code endpoint} names it).
     *
     * @param operation {@code chat}, {@code text_completion} or {@code embeddings}
     * @param prompt    the prompt (messages or text), used only with {@code telemetry.include_content}
     */
    public static ModelCalls.Site site(Context ctx, String endpoint, String operation, Caller caller, String model,
                                       boolean stream, Object prompt) {
        String where = endpoint;
        if (where == null && ctx != null) {
            var matched = ctx.endpoints().matchedHttpEndpoint();
            where = matched == null ? ctx.path() : matched.path;
        }
        Supplier<Boolean> hit = ctx == null ? () -> false : () -> "hit".equals(ctx.res().getHeader(CACHE_HEADER));
        return new ModelCalls.Site(where == null ? "" : where, operation, caller, model, stream, hit, prompt);
    }

    /**
     * {@link #settled} and recorded: the call's answer settles the reservation and is recorded as a
     * {@code model_call} when it ends; a call that fails before answering is recorded as failed.
     */
    public ChatStream call(ModelCalls.Site site, Reservation r, Supplier<ChatStream> call) {
        long start = System.nanoTime();
        ChatStream s;
        try {
            s = settled(r, call);
        } catch (RuntimeException e) {
            calls.failed(site, start, e);
            throw e;
        }
        return calls.observe(site, start, s);
    }

    /** Without limits or caches (tests of single features). */
    public static Admission open(Gateway gateway) {
        return new Admission(gateway, null, null, null);
    }

    /**
     * The model {@code name} as the caller may see it.
     *
     * @throws ApiException 404 {@code model_not_found} for a model that does not exist or that the caller's key
     *                      does not allow (the same answer: a restricted key learns nothing of other models)
     */
    public ModelInfo model(Caller caller, String name, String param) {
        Optional<ModelInfo> m = gateway.find(name);
        if (m.isPresent() && (caller.mayUse(m.get().id()) || caller.mayUse(name))) return m.get();
        if (caller.mayUse(Caller.ANY_MODEL)) {
            try {
                return gateway.require(name, param);
            } catch (ProviderException e) {
                throw ApiException.from(e);
            }
        }
        throw ApiException.notFound("model_not_found", param, "The model '" + name
                + "' does not exist or you do not have access to it.");
    }

    /** Whether the caller may see the model {@code m} (for lists). */
    public static boolean visible(Caller caller, ModelInfo m) {
        return caller.mayUse(m.id()) || m.aliases().stream().anyMatch(caller::mayUse);
    }

    /**
     * Admits a request of {@code caller} on {@code model}, setting the rate-limit headers.
     *
     * @param tokens the token reservation, asked only when a token limit applies
     * @throws ApiException 429 {@code rate_limit_exceeded} (or 503 {@code rate_limiter_unavailable})
     */
    public Reservation reserve(Context ctx, Caller caller, String model, LongSupplier tokens) {
        return reserve(ctx == null ? (k, v) -> { } : ctx::header, caller, model, tokens);
    }

    private Reservation reserve(java.util.function.BiConsumer<String, String> headers, Caller caller, String model,
                                LongSupplier tokens) {
        if (limiter == null) return Reservation.NONE;
        long t = caller.limits().limitsTokens(model) ? tokens.getAsLong() : 0;
        io.opentelemetry.api.trace.Span span = calls.tracing().start("rate_limit", io.opentelemetry.api.trace.SpanKind.INTERNAL);
        try {
            Reservation r = limiter.reserve(caller, model, t);
            r.headers().forEach(headers);
            return r;
        } catch (RateLimitedException e) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, e.unavailable() ? "rate_limiter_unavailable"
                    : "rate_limit_exceeded");
            e.headers().forEach(headers);
            if (e.unavailable()) {
                throw new ApiException(503, ErrorType.UNAVAILABLE, "rate_limiter_unavailable", null, e.getMessage(),
                        e.retryAfter());
            }
            throw new ApiException(429, ErrorType.RATE_LIMIT, "rate_limit_exceeded", null, e.getMessage(), e.retryAfter());
        } finally {
            span.end();
        }
    }

    /**
     * The token reservation of a generation: the prompt plus {@code max_tokens}, or without it the rest of the
     * model's context (a local model would generate that far), or {@value #DEFAULT_COMPLETION_BUDGET}.
     */
    public static long budget(ModelInfo model, int promptTokens, GenerationParams params) {
        int n = Math.max(1, params.n());
        if (params.maxTokens() != null) return promptTokens + (long) n * params.maxTokens();
        long rest = model.contextLength() > 0 ? Math.max(1, model.contextLength() - promptTokens) : DEFAULT_COMPLETION_BUDGET;
        return promptTokens + n * rest;
    }

    /**
     * Starts an answer with its reservation: settles it with the real usage when the answer ends (the whole
     * reservation stands when it fails or is cancelled midway), or at once with nothing used when the call fails
     * before answering.
     */
    public static ChatStream settled(Reservation r, Supplier<ChatStream> call) {
        ChatStream s;
        try {
            s = call.get();
        } catch (RuntimeException e) {
            r.settle(0);
            throw e;
        }
        if (r == Reservation.NONE) return s;
        return new io.stellarchat.server.protocol.ForwardingChatStream(s) {
            @Override
            public ChatEvent next(Duration timeout) throws InterruptedException {
                ChatEvent e;
                try {
                    e = delegate.next(timeout);
                } catch (RuntimeException | InterruptedException ex) {
                    r.settle(-1);
                    throw ex;
                }
                if (e instanceof ChatEvent.Done d) r.settle(d.usage().totalTokens());
                return e;
            }

            @Override
            public void cancel() {
                r.settle(-1);
                delegate.cancel();
            }
        };
    }

    /**
     * The admission of a session turn for {@code caller}: the session's model must be one the key allows, and
     * the turn is reserved like any chat request (headers on {@code ctx} when there is one; none on a socket).
     */
    public io.stellarchat.server.conversation.SessionTurns.Gate gate(Context ctx, Caller caller) {
        return (model, request, promptTokens) -> {
            if (!visible(caller, model)) {
                throw ApiException.notFound("model_not_found", "model", "The session's model '" + model.id()
                        + "' does not exist or you do not have access to it.");
            }
            Reservation r = reserve(ctx, caller, model.id(), () -> budget(model, promptTokens, request.params()));
            ModelCalls.Site site = site(ctx, ctx == null ? "/v1/ws" : null, "chat", caller, model.id(),
                    ctx == null || request.stream(), request.messages());
            return new io.stellarchat.server.conversation.SessionTurns.Admitted() {
                @Override
                public ChatStream start(Supplier<ChatStream> call) {
                    return call(site, r, call);
                }

                @Override
                public void abandon() {
                    r.settle(0); // nothing was generated: the reservation is given back whole
                }
            };
        };
    }

    // ---- caches -----------------------------------------------------------------------------------------

    /** How one request uses the response cache. */
    public record CachePlan(String key, boolean read, boolean write) {
        static final CachePlan NONE = new CachePlan(null, false, false);
    }

    /**
     * Whether and how a generation request may use the response cache: only deterministic ones (temperature 0 or
     * a seed, one choice, no logprobs), with tools only when {@value #CACHE_TOOLS_HEADER}{@code : allow} is sent,
     * for callers whose key has caching on; {@code Cache-Control: no-cache} reads past it, {@code no-store}
     * keeps the answer out of it.
     *
     * @param body the request body (normalised into the key: transport-only fields removed, fields sorted)
     */
    public CachePlan cachePlan(Context ctx, Caller caller, ModelInfo model, JsonNode body, GenerationParams params) {
        if (responses == null || !caller.cache()) return CachePlan.NONE;
        Float temperature = params.sampling().temperature();
        boolean deterministic = temperature != null && temperature == 0f || params.sampling().seed() != null;
        if (!deterministic || params.n() != 1 || params.logprobs()) return CachePlan.NONE;
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull() && !tools.isEmpty()
                && !"allow".equalsIgnoreCase(String.valueOf(ctx.header(CACHE_TOOLS_HEADER)).trim())) {
            return CachePlan.NONE;
        }
        String control = String.valueOf(ctx.header("Cache-Control")).toLowerCase(java.util.Locale.ROOT);
        boolean read = !control.contains("no-cache");
        boolean write = !control.contains("no-store");
        if (!read && !write) return CachePlan.NONE;
        String version;
        try {
            version = gateway.modelVersion(model.id());
        } catch (RuntimeException e) {
            return CachePlan.NONE;
        }
        // Scoped to the caller's owner: a hit must not tell one tenant that another sent this exact request.
        return new CachePlan(ResponseCache.key(model.id(), version, caller.owner() + "\u0000" + canonical(body)), read, write);
    }

    /**
     * Answers from the cache when the plan allows and it has the answer ({@code X-Stellar-Cache: hit}); else
     * starts the call, recording its answer when the plan allows ({@code miss}).
     */
    public ChatStream cached(Context ctx, CachePlan plan, Supplier<ChatStream> call) {
        if (plan.key() == null) return call.get();
        if (plan.read()) {
            io.opentelemetry.api.trace.Span span = calls.tracing().start("cache_lookup",
                    io.opentelemetry.api.trace.SpanKind.INTERNAL);
            Optional<ChatStream> hit;
            try {
                hit = responses.lookup(plan.key());
                span.setAttribute("stellar.cache.hit", hit.isPresent());
            } finally {
                span.end();
            }
            if (hit.isPresent()) {
                ctx.header(CACHE_HEADER, "hit");
                return hit.get();
            }
        }
        ctx.header(CACHE_HEADER, "miss");
        ChatStream live = call.get();
        return plan.write() ? responses.record(plan.key(), live) : live;
    }

    /** The embedding cache, when on and the caller's key allows it. */
    public Optional<EmbeddingCache> embeddings(Caller caller) {
        return embeddings == null || !caller.cache() ? Optional.empty() : Optional.of(embeddings);
    }

    /** The gateway's version of a model (for cache keys). */
    public String modelVersion(String id) {
        return gateway.modelVersion(id);
    }

    /** Fields that change how an answer is delivered, not what it says: left out of the cache key. */
    private static final java.util.Set<String> TRANSPORT = java.util.Set.of("stream", "stream_options", "user", "model");

    /** The body with transport-only fields removed and every object's fields sorted, as compact JSON. */
    static String canonical(JsonNode body) {
        StringBuilder out = new StringBuilder();
        write(body, out, true);
        return out.toString();
    }

    private static void write(JsonNode n, StringBuilder out, boolean top) {
        if (n.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (var e : n.properties()) {
                if (!(top && TRANSPORT.contains(e.getKey()))) sorted.put(e.getKey(), e.getValue());
            }
            out.append('{');
            boolean first = true;
            for (var e : sorted.entrySet()) {
                if (!first) out.append(',');
                first = false;
                out.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey())).append(':');
                write(e.getValue(), out, false);
            }
            out.append('}');
        } else if (n.isArray()) {
            out.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) out.append(',');
                write(n.get(i), out, false);
            }
            out.append(']');
        } else {
            out.append(n);
        }
    }
}
