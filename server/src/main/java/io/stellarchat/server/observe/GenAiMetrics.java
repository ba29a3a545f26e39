package io.stellarchat.server.observe;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

/**
 * Model-call meters under the OpenTelemetry GenAI semantic-convention names that operators' dashboards already
 * use, recorded once per call at the API (local and remote models alike, cache hits excluded):
 * <ul>
 *   <li>{@code gen_ai_client_token_usage{gen_ai_token_type=input|output,...}} — tokens per call (histogram)</li>
 *   <li>{@code gen_ai_server_request_duration_seconds} — whole call, with {@code error_type} on failures</li>
 *   <li>{@code gen_ai_server_time_to_first_token_seconds} — to the first answer event (queueing included)</li>
 *   <li>{@code gen_ai_server_time_per_output_token_seconds} — after the first token, per further token</li>
 * </ul>
 * Labels: {@code gen_ai_operation_name} (chat, text_completion, embeddings), {@code gen_ai_provider_name} (the
 * provider id, {@code local} for the engine), {@code gen_ai_request_model}, and on the token and duration meters
 * {@code gen_ai_response_model}. All are bounded by configuration, never by request text.
 *
 * <p>Threads: Micrometer meters are thread-safe.
 */
public final class GenAiMetrics {
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};
    private static final Duration[] DURATION_BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80),
            Duration.ofMillis(160), Duration.ofMillis(320), Duration.ofMillis(640), Duration.ofMillis(1280),
            Duration.ofMillis(2560), Duration.ofMillis(5120), Duration.ofMillis(10240), Duration.ofMillis(20480),
            Duration.ofMillis(40960), Duration.ofMillis(81920)};
    private static final Duration[] TTFT_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofMillis(40), Duration.ofMillis(60), Duration.ofMillis(80), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofMillis(7500), Duration.ofSeconds(10)};
    private static final Duration[] TPOT_BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(75),
            Duration.ofMillis(100), Duration.ofMillis(150), Duration.ofMillis(200), Duration.ofMillis(300),
            Duration.ofMillis(400), Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1),
            Duration.ofMillis(2500)};

    private final MeterRegistry registry;

    public GenAiMetrics(MeterRegistry registry) {
        this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    }

    /**
     * One model call.
     *
     * @param ttft      to the first answer event, or null when none came
     * @param errorType the error code when it failed, else null
     */
    public void record(String operation, String provider, String requestModel, String responseModel, int inputTokens,
                       int outputTokens, Duration total, Duration ttft, String errorType) {
        Tags base = Tags.of("gen_ai.operation.name", operation, "gen_ai.provider.name", provider,
                "gen_ai.request.model", requestModel);
        Tags response = base.and("gen_ai.response.model", responseModel == null ? requestModel : responseModel);
        if (errorType == null) {
            tokens(response.and("gen_ai.token.type", "input")).record(inputTokens);
            tokens(response.and("gen_ai.token.type", "output")).record(outputTokens);
        }
        Timer.builder("gen_ai.server.request.duration").description("Model call duration, to the end of the answer")
                .tags(response).tag("error.type", errorType == null ? "" : errorType)
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry).record(total);
        if (ttft != null) {
            Timer.builder("gen_ai.server.time_to_first_token").description("Time to the first answer event, queueing included")
                    .tags(base).serviceLevelObjectives(TTFT_BUCKETS).register(registry).record(ttft);
            if (outputTokens > 1 && errorType == null) {
                Duration rest = total.minus(ttft);
                if (!rest.isNegative()) {
                    Timer.builder("gen_ai.server.time_per_output_token")
                            .description("Time per output token after the first")
                            .tags(base).serviceLevelObjectives(TPOT_BUCKETS).register(registry)
                            .record(rest.dividedBy(outputTokens - 1));
                }
            }
        }
    }

    private DistributionSummary tokens(Tags tags) {
        return DistributionSummary.builder("gen_ai.client.token.usage").description("Tokens per model call, by type")
                .tags(tags).serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
    }
}
