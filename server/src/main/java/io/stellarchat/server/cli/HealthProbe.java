package io.stellarchat.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The container health check: {@code java -cp stellar-server.jar io.stellarchat.server.cli.HealthProbe [url]}
 * exits 0 when {@code GET /health} answers 200 within {@link #TIMEOUT_MS}, else 1 with one line on stderr.
 *
 * <p>It uses the JDK only (no picocli, no configuration loading) so a probe every 30 s costs one short JVM start
 * and the image needs no curl or shell. Without an argument it asks {@code http://127.0.0.1:$STELLAR_SERVER_PORT/health}
 * (8080 when the variable is unset). Runs on the main thread and exits; it starts no other thread.
 */
public final class HealthProbe {
    static final int TIMEOUT_MS = 3000;

    private HealthProbe() {}

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : defaultUrl(System.getenv("STELLAR_SERVER_PORT"));
        try {
            int status = status(url);
            if (status == 200) System.exit(0);
            System.err.println("health probe: " + url + " answered " + status);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("health probe: " + url + " failed: " + e);
        }
        System.exit(1);
    }

    /** The URL asked when none is given: loopback, the configured port (8080 when unset or blank). */
    static String defaultUrl(String port) {
        String p = port == null || port.isBlank() ? "8080" : port.strip();
        return "http://127.0.0.1:" + p + "/health";
    }

    /** The HTTP status of GET {@code url}, connect and read each bounded by {@link #TIMEOUT_MS}. */
    static int status(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        c.setRequestMethod("GET");
        try {
            int status = c.getResponseCode();
            InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream();
            if (body != null) {
                try (body) {
                    body.readAllBytes();
                }
            }
            return status;
        } finally {
            c.disconnect();
        }
    }
}
