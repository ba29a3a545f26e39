package io.stellarchat.server.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of the Hugging Face Hub's HTTP API a pull needs: a repository's file tree (sizes and the SHA-256 of
 * LFS files) and a file's bytes from an offset ({@code Range}), following the Hub's redirects to its storage
 * without sending the token there. The endpoint is {@code https://huggingface.co} or a mirror ({@code HF_ENDPOINT}).
 *
 * <p>Threads: one pull uses it at a time; the JDK client is thread-safe.
 */
public final class HubClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;
    private final URI endpoint;
    private final String token; // null: anonymous
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(15)).build();

    /**
     * @param endpoint the Hub's base URL
     * @param token    an access token for gated or private repositories, or null
     */
    public HubClient(URI endpoint, String token) {
        String e = endpoint.toString();
        this.endpoint = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        this.token = token == null || token.isBlank() ? null : token;
    }

    /** Every file of {@code repo} (e.g. {@code Qwen/Qwen2.5-0.5B-Instruct-GGUF}) on its main branch. */
    public List<HubFile> files(String repo) throws PullException {
        URI uri = URI.create(endpoint + "/api/models/" + repo + "/tree/main?recursive=true");
        HttpResponse<InputStream> r = send(uri, null, repo, null);
        try (InputStream in = r.body()) {
            JsonNode arr = JSON.readTree(in);
            if (!arr.isArray()) throw new PullException("the Hub answered an unexpected file list for " + repo);
            List<HubFile> out = new ArrayList<>();
            for (JsonNode f : arr) {
                if (!"file".equals(f.path("type").asText())) continue;
                JsonNode lfs = f.get("lfs");
                String sha = lfs != null && lfs.has("oid") ? lfs.get("oid").asText() : null;
                long size = lfs != null && lfs.has("size") ? lfs.get("size").asLong() : f.path("size").asLong();
                out.add(new HubFile(f.path("path").asText(), size, sha));
            }
            return out;
        } catch (IOException e) {
            throw new PullException("could not read the file list of " + repo + ": " + e.getMessage(), e);
        }
    }

    /**
     * The bytes of {@code file} from {@code offset} on.
     *
     * @return the response; status 206 when the range was honoured, 200 when the whole file comes
     */
    public HttpResponse<InputStream> open(String repo, HubFile file, long offset) throws PullException {
        String path = String.join("/", java.util.Arrays.stream(file.path().split("/"))
                .map(p -> URLEncoder.encode(p, StandardCharsets.UTF_8).replace("+", "%20")).toList());
        return send(URI.create(endpoint + "/" + repo + "/resolve/main/" + path), offset > 0 ? "bytes=" + offset + "-" : null,
                repo, file.path());
    }

    private HttpResponse<InputStream> send(URI uri, String range, String repo, String file) throws PullException {
        URI at = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(at).timeout(Duration.ofMinutes(2)).header("User-Agent", "stellarchat");
            if (token != null && sameHost(at)) b.header("Authorization", "Bearer " + token);
            if (range != null) b.header("Range", range);
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new PullException("cannot reach " + at.getHost() + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PullException("interrupted", e);
            }
            int s = r.statusCode();
            if (s >= 300 && s < 400 && r.headers().firstValue("Location").isPresent()) {
                close(r);
                at = at.resolve(r.headers().firstValue("Location").get());
                continue;
            }
            if (s == 200 || s == 206) return r;
            String why = errorText(r);
            if (s == 401 || s == 403) {
                String gated = r.headers().firstValue("X-Error-Code").orElse("");
                throw new PullException((gated.equalsIgnoreCase("GatedRepo") || why.toLowerCase(java.util.Locale.ROOT).contains("gated")
                        ? repo + " is a gated repository: accept its terms at " + endpoint + "/" + repo + " and "
                        : "access to " + repo + " was refused (" + s + "): ")
                        + (token == null ? "set HF_TOKEN (or --token) to an access token." : "check that HF_TOKEN may read it.")
                        + (why.isEmpty() ? "" : " The Hub said: " + why));
            }
            if (s == 404) {
                throw new PullException(file == null ? "no repository " + repo + " on " + endpoint
                        : "no file " + file + " in " + repo);
            }
            if (s == 416) throw new PullException("the Hub refused the byte range " + range + " of " + file);
            throw new PullException("the Hub answered " + s + (why.isEmpty() ? "" : ": " + why) + " for " + at);
        }
        throw new PullException("too many redirects for " + uri);
    }

    private boolean sameHost(URI u) {
        return u.getHost() != null && u.getHost().equalsIgnoreCase(endpoint.getHost()) && u.getPort() == endpoint.getPort();
    }

    private static String errorText(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            String text = new String(in.readNBytes(2000), StandardCharsets.UTF_8).strip();
            try {
                JsonNode j = JSON.readTree(text);
                if (j.has("error")) return j.get("error").asText();
            } catch (IOException notJson) {
                // plain text
            }
            return text.length() > 300 ? text.substring(0, 300) : text;
        } catch (IOException e) {
            return "";
        }
    }

    private static void close(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException ignored) {
            // nothing to free
        }
    }
}
