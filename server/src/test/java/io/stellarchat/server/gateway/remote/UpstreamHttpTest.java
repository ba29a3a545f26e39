package io.stellarchat.server.gateway.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shared client holder: one pooled client per (version, connect timeout), h2 only over TLS, a close path. */
class UpstreamHttpTest {

    @Test
    void plainHttpUpstreamsAreSpokenToInHttp11AndTlsOnesAreOfferedHttp2() {
        try (UpstreamHttp http = new UpstreamHttp()) {
            assertEquals(HttpClient.Version.HTTP_1_1,
                    http.clientFor(URI.create("http://10.0.0.5:8000/v1"), Duration.ofSeconds(2)).version());
            assertEquals(HttpClient.Version.HTTP_2,
                    http.clientFor(URI.create("https://api.example.com/v1"), Duration.ofSeconds(2)).version());
        }
    }

    @Test
    void providersWithTheSameSettingsShareOneClientAndItsConnectTimeout() {
        try (UpstreamHttp http = new UpstreamHttp()) {
            HttpClient a = http.clientFor(URI.create("http://a:8000/v1"), Duration.ofSeconds(2));
            HttpClient b = http.clientFor(URI.create("http://b:9000/v1"), Duration.ofSeconds(2));
            HttpClient c = http.clientFor(URI.create("http://a:8000/v1"), Duration.ofSeconds(5));
            assertSame(a, b);
            assertNotSame(a, c);
            assertEquals(Optional.of(Duration.ofSeconds(5)), c.connectTimeout());
            assertEquals(HttpClient.Redirect.NEVER, a.followRedirects());
        }
    }

    @Test
    void closeIsIdempotentAndRefusesNewClients() {
        UpstreamHttp http = new UpstreamHttp();
        http.clientFor(URI.create("http://a:8000/v1"), Duration.ofSeconds(2));
        http.close();
        http.close();
        assertThrows(IllegalStateException.class, () -> http.clientFor(URI.create("http://a/v1"), Duration.ofSeconds(1)));
    }
}
