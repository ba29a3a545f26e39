package io.stellarchat.server.api.openai;

import io.stellarchat.server.testing.RawHttp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.completions.CompletionCreateParams;
import io.stellarchat.server.cli.StellarService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure: with an engine queue of depth 1, a request that finds the model busy and the queue full
 * gets 429 {@code rate_limit_error} / {@code queue_full} with a {@code Retry-After} header, and the SDK
 * surfaces it as {@link RateLimitException}.
 */
class OpenAiQueueFullTest {
    @TempDir
    Path emptyDir;

    @Test
    void fullQueueIs429WithRetryAfter() throws Exception {
        try (StellarService service = StoriesServer.start(emptyDir, 1, Duration.ofSeconds(30), 1);
             HttpClient http = HttpClient.newHttpClient()) {
            int port = service.port();
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1")
                    .apiKey("unused").maxRetries(0).timeout(Duration.ofSeconds(30)).build();
            try {
                // The first calls of both clients load many classes: make them before the part below, which
                // must finish while the long generation still holds the engine.
                assertEquals(1, client.models().list().data().size());
                client.completions().create(CompletionCreateParams.builder().model("stories260K").prompt("")
                        .maxTokens(1).build());
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build(),
                        HttpResponse.BodyHandlers.discarding());
                // 1. A long generation occupies the engine: EOS is banned, and after the first event this client
                // stops reading with a small receive buffer, so the server's writes and then the engine block
                // long before the 2000 tokens are done.
                try (RawHttp running = RawHttp.post(port, "/v1/completions", """
                        {"model":"stories260K","prompt":"","stream":true,"max_tokens":2000,"temperature":0,
                         "logit_bias":{"2":-100}}""", 4096)) {
                    assertEquals("HTTP/1.1 200 OK", running.statusLine);
                    assertNotNull(running.chunk(), "first event");
                    assertEquals(1, StoriesServer.stats(service).running());

                    // 2. A second request fills the one queue slot.
                    CompletableFuture<HttpResponse<String>> queued = http.sendAsync(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("""
                                            {"model":"stories260K","prompt":"","max_tokens":2,"temperature":0}"""))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (StoriesServer.stats(service).waiting() != 1 && System.nanoTime() < deadline) {
                        Thread.sleep(2);
                    }
                    assertEquals(1, StoriesServer.stats(service).waiting(), "the second request waits");

                    // 3. A third one is refused at once.
                    long rejectedBefore = StoriesServer.stats(service).rejected();
                    RateLimitException e = assertThrows(RateLimitException.class, () -> client.completions().create(
                            CompletionCreateParams.builder().model("stories260K").prompt("Hi").maxTokens(2).build()));
                    assertEquals(429, e.statusCode());
                    assertEquals("queue_full", e.code().orElseThrow());
                    assertEquals("rate_limit_error", e.type().orElseThrow());
                    String retryAfter = e.headers().values("Retry-After").getFirst();
                    assertTrue(Integer.parseInt(retryAfter) >= 1, retryAfter);
                    assertEquals(rejectedBefore + 1, StoriesServer.stats(service).rejected());

                    // 4. Dropping the long stream frees the engine; the queued request is then served.
                    running.close();
                    HttpResponse<String> r = queued.get(10, TimeUnit.SECONDS);
                    assertEquals(200, r.statusCode(), r.body());
                }
            } finally {
                client.close();
            }
        }
    }

    /**
     * A streamed request that waits in the queue past {@code engine.max_wait} (50 ms here) behind a running stream
     * gets a plain 503 with Retry-After. The running stream must still be generating when the late one has waited
     * long enough; stories260K fills its 512-token context in a few hundred milliseconds on a fast machine, so
     * an attempt in which it ended first (the late request was then admitted) is inconclusive and tried again.
     */
    @Test
    void aStreamedRequestThatTimesOutInTheQueueIs503WithRetryAfterNotAnErrorEvent() throws Exception {
        try (StellarService service = StoriesServer.start(emptyDir, 4, Duration.ofMillis(50), 1);
             HttpClient http = HttpClient.newHttpClient()) {
            int port = service.port();
            HttpResponse<String> warm = null;
            for (int i = 0; i < 20 && (warm == null || warm.statusCode() != 200); i++) {
                // The first requests may wait longer than 50 ms while the model loads and the JIT warms up.
                warm = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                {"model":"stories260K","prompt":"","max_tokens":1}""")).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            assertEquals(200, warm.statusCode(), warm.body());
            for (int attempt = 1; ; attempt++) {
                try (RawHttp running = RawHttp.post(port, "/v1/completions", """
                        {"model":"stories260K","prompt":"","stream":true,"max_tokens":2000,"temperature":0,
                         "logit_bias":{"2":-100}}""", 4096)) {
                    assertNotNull(running.chunk(), "first event");
                    long rejectedBefore = StoriesServer.stats(service).rejected();
                    // A streamed request commits no status until its answer's first event: waiting in the queue past
                    // max_wait, it gets a plain 503 with Retry-After, as a collected one would.
                    CompletableFuture<RawHttp> late = CompletableFuture.supplyAsync(() -> {
                        try {
                            return RawHttp.post(port, "/v1/chat/completions", """
                                    {"model":"stories260K","messages":[{"role":"user","content":"Hi"}],"stream":true,
                                     "max_tokens":5}""");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (StoriesServer.stats(service).waiting() != 1 && System.nanoTime() < deadline) {
                        Thread.sleep(1);
                    }
                    Thread.sleep(100); // twice max_wait
                    // Freeing the engine makes it look at its queue and find the late request too old.
                    if (StoriesServer.stats(service).waiting() == 1) running.close();
                    try (RawHttp r = late.get(10, TimeUnit.SECONDS)) {
                        if (r.statusLine.equals("HTTP/1.1 200 OK")) {
                            // The running stream reached its context's end first and the late request was admitted.
                            assertTrue(attempt < 5, "the running stream kept ending before the late request timed out");
                            continue;
                        }
                        assertEquals("HTTP/1.1 503 Service Unavailable", r.statusLine);
                        assertTrue(Integer.parseInt(r.headers.get("retry-after")) >= 1, r.headers.toString());
                        assertTrue(r.headers.get("content-type").startsWith("application/json"), r.headers.toString());
                        String body = r.body();
                        var error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).get("error");
                        assertEquals("queue_timeout", error.get("code").asText(), body);
                        assertEquals(io.stellarchat.server.api.ErrorType.UNAVAILABLE.wire(), error.get("type").asText());
                        assertTrue(error.get("message").asText().contains("waited"), body);
                    }
                    assertEquals(rejectedBefore + 1, StoriesServer.stats(service).rejected());
                    return;
                }
            }
        }
    }
}
