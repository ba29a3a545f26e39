package io.stellarchat.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends one streamed {@code POST /v1/chat/completions} and reads its server-sent events as they arrive,
 * timing each content chunk. The request is what both StellarChat and llama-server accept: greedy
 * ({@code temperature 0}), {@code max_tokens} with {@code ignore_eos} so every reply has the same length,
 * and {@code stream_options.include_usage} for the token counts.
 *
 * <p>The deadline covers the whole request: {@link HttpRequest#timeout} bounds the wait for the headers, and
 * a timer closes the body stream if the reply is still running when it passes (the server sees a
 * disconnect and cancels the generation). Threads: one instance is shared by all clients; each call runs on
 * its caller's thread.
 */
final class StreamClient {
    private final HttpClient http;
    private final URI base;
    private final String model;
    private final ObjectMapper json;
    private final ScheduledExecutorService timer;
    private final boolean completionsApi;

    StreamClient(HttpClient http, URI base, String model, ObjectMapper json, ScheduledExecutorService timer) {
        this(http, base, model, json, timer, false);
    }

    /** With {@code completionsApi}, requests go to {@code /v1/completions} with the messages' text as prompt. */
    StreamClient(HttpClient http, URI base, String model, ObjectMapper json, ScheduledExecutorService timer,
                 boolean completionsApi) {
        this.completionsApi = completionsApi;
        this.http = http;
        this.base = base;
        this.model = model;
        this.json = json;
        this.timer = timer;
    }

    /** One chat message. */
    record Message(String role, String content) {}

    /** Streams a completion of {@code messages}; never throws for a failed request, it is in the result. */
    RequestResult chat(List<Message> messages, int maxTokens, Duration deadline) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        if (completionsApi) {
            StringBuilder prompt = new StringBuilder();
            for (Message m : messages) {
                prompt.append(m.content()).append('\n');
            }
            body.put("prompt", prompt.toString());
        } else {
            ArrayNode arr = body.putArray("messages");
            for (Message m : messages) {
                arr.addObject().put("role", m.role()).put("content", m.content());
            }
        }
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("ignore_eos", true);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        HttpRequest request = HttpRequest.newBuilder(base.resolve(completionsApi ? "/v1/completions" : "/v1/chat/completions")).timeout(deadline)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();

        AtomicBoolean expired = new AtomicBoolean();
        AtomicReference<InputStream> stream = new AtomicReference<>();
        long start = System.nanoTime();
        ScheduledFuture<?> watchdog = timer.schedule(() -> {
            expired.set(true);
            closeQuietly(stream.get());
        }, deadline.toNanos(), TimeUnit.NANOSECONDS);
        Reading r = new Reading(start);
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            stream.set(response.body());
            if (expired.get()) {
                closeQuietly(response.body());
            }
            if (response.statusCode() != 200) {
                String text;
                try (InputStream in = response.body()) {
                    text = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                }
                return r.end(outcomeOf(response.statusCode()), response.statusCode(), text.strip());
            }
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (!line.startsWith("data:")) {
                        continue; // event names, comments (keep-alives), blank separators
                    }
                    String data = line.substring(5).strip();
                    if (data.equals("[DONE]")) {
                        return r.end(RequestResult.Outcome.REPLY, 200, "");
                    }
                    RequestResult failed = r.event(json.readTree(data));
                    if (failed != null) {
                        return failed;
                    }
                }
            }
            if (expired.get()) {
                return r.end(RequestResult.Outcome.TIMEOUT, 200, "deadline of " + deadline.toMillis() + " ms passed");
            }
            // llama-server omits [DONE] in some versions: a stream that ended after its usage chunk is complete.
            return r.usageSeen ? r.end(RequestResult.Outcome.REPLY, 200, "")
                    : r.end(RequestResult.Outcome.ERROR, 200, "the stream ended without [DONE]");
        } catch (HttpTimeoutException e) {
            return r.end(RequestResult.Outcome.TIMEOUT, 0, "no response within " + deadline.toMillis() + " ms");
        } catch (IOException e) {
            return expired.get()
                    ? r.end(RequestResult.Outcome.TIMEOUT, r.status, "deadline of " + deadline.toMillis() + " ms passed")
                    : r.end(RequestResult.Outcome.ERROR, r.status, e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return r.end(RequestResult.Outcome.ERROR, 0, "interrupted");
        } finally {
            watchdog.cancel(false);
        }
    }

    /** The state of one response being read. */
    private static final class Reading {
        final long start;
        long[] chunks = new long[64];
        int count;
        int status;
        int prompt;
        int cached;
        int completion;
        boolean usageSeen;
        final StringBuilder text = new StringBuilder();

        Reading(long start) {
            this.start = start;
        }

        /** Takes one SSE payload; returns the result when it is an error event. */
        RequestResult event(JsonNode chunk) {
            status = 200;
            JsonNode error = chunk.get("error");
            if (error != null && !error.isNull()) {
                int s = statusOf(error);
                return end(outcomeOf(s), s, error.path("message").asText(error.toString()));
            }
            JsonNode choices = chunk.get("choices");
            if (choices != null && choices.isArray() && !choices.isEmpty()) {
                JsonNode content = choices.get(0).has("text") ? choices.get(0).get("text")
                        : choices.get(0).path("delta").get("content");
                if (content != null && content.isTextual() && !content.asText().isEmpty()) {
                    if (count == chunks.length) {
                        chunks = Arrays.copyOf(chunks, count * 2);
                    }
                    chunks[count++] = System.nanoTime() - start;
                    text.append(content.asText());
                }
            }
            JsonNode usage = chunk.get("usage");
            if (usage != null && usage.isObject()) {
                usageSeen = true;
                prompt = usage.path("prompt_tokens").asInt();
                completion = usage.path("completion_tokens").asInt();
                cached = usage.path("prompt_tokens_details").path("cached_tokens").asInt();
            }
            return null;
        }

        RequestResult end(RequestResult.Outcome outcome, int httpStatus, String detail) {
            return new RequestResult(outcome, httpStatus, detail, start, System.nanoTime(), Arrays.copyOf(chunks, count),
                    prompt, cached, usageSeen && completion > 0 ? completion : count, text.toString());
        }
    }

    /**
     * The HTTP status an in-stream error event stands for: llama-server puts the number in {@code code};
     * StellarChat names the case ({@code queue_full}, {@code queue_timeout}) and the OpenAI error type.
     */
    static int statusOf(JsonNode error) {
        JsonNode code = error.get("code");
        if (code != null && code.canConvertToInt() && code.isNumber()) {
            return code.asInt();
        }
        String c = code == null ? "" : code.asText();
        String type = error.path("type").asText();
        if (c.equals("queue_full") || type.equals("rate_limit_error")) {
            return 429;
        }
        if (c.equals("queue_timeout") || type.equals("unavailable_error") || type.equals("service_unavailable_error")) {
            return 503;
        }
        return 500;
    }

    static RequestResult.Outcome outcomeOf(int status) {
        return switch (status) {
            case 200 -> RequestResult.Outcome.REPLY;
            case 429 -> RequestResult.Outcome.REJECTED_429;
            case 503 -> RequestResult.Outcome.UNAVAILABLE_503;
            default -> RequestResult.Outcome.ERROR;
        };
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing only to stop the reader; nothing to report
            }
        }
    }
}
