package io.stellarchat.server.models;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the Hugging Face Hub on loopback: the tree API and {@code resolve} URLs (302 to a storage server
 * on another port, as the Hub redirects to its CDN), byte ranges, a gated repository, a file whose listed
 * checksum is wrong, and a connection cut after some bytes. Never the internet.
 */
final class FakeHub implements AutoCloseable {
    record Repo(Map<String, byte[]> files, boolean gated, Map<String, String> wrongSha) {}

    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    /** Cut the next download of this file after this many bytes (once). */
    final Map<String, Integer> cutAfter = new ConcurrentHashMap<>();
    final List<String> storageAuth = new CopyOnWriteArrayList<>();
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final AtomicInteger downloads = new AtomicInteger();
    static final String TOKEN = "hf_test_token_123";
    private final Javalin api;
    private final Javalin storage;

    FakeHub() {
        storage = Javalin.create(c -> c.startup.showJavalinBanner = false);
        storage.unsafe.routes.get("/blob/{repo1}/{repo2}/{file}", ctx -> {
            storageAuth.add(String.valueOf(ctx.header("Authorization")));
            byte[] bytes = repos.get(ctx.pathParam("repo1") + "/" + ctx.pathParam("repo2")).files().get(ctx.pathParam("file"));
            long from = 0;
            String range = ctx.header("Range");
            ranges.add(String.valueOf(range));
            if (range != null && range.startsWith("bytes=")) {
                from = Long.parseLong(range.substring(6, range.indexOf('-')));
                ctx.status(206).header("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
            }
            downloads.incrementAndGet();
            int len = (int) (bytes.length - from);
            ctx.header("Content-Length", Integer.toString(len));
            Integer cut = cutAfter.remove(ctx.pathParam("file"));
            OutputStream out = ctx.res().getOutputStream();
            if (cut != null) {
                out.write(bytes, (int) from, Math.min(cut, len));
                out.flush();
                throw new IOException("connection cut by the test"); // Jetty aborts: the client sees a short body
            }
            out.write(bytes, (int) from, len);
        });
        storage.start("127.0.0.1", 0);
        api = Javalin.create(c -> c.startup.showJavalinBanner = false);
        api.unsafe.routes.get("/api/models/{o}/{n}/tree/main", ctx -> {
            Repo r = repo(ctx.pathParam("o") + "/" + ctx.pathParam("n"), ctx.header("Authorization"), ctx);
            if (r == null) return;
            StringBuilder b = new StringBuilder("[");
            for (var e : r.files().entrySet()) {
                if (b.length() > 1) b.append(',');
                String sha = r.wrongSha().getOrDefault(e.getKey(), sha256(e.getValue()));
                b.append("{\"type\":\"file\",\"path\":\"").append(e.getKey()).append("\",\"size\":").append(e.getValue().length)
                        .append(",\"lfs\":{\"oid\":\"").append(sha).append("\",\"size\":").append(e.getValue().length).append("}}");
            }
            b.append(",{\"type\":\"file\",\"path\":\"README.md\",\"size\":10}]");
            ctx.contentType("application/json").result(b.toString());
        });
        api.unsafe.routes.get("/{o}/{n}/resolve/main/{file}", ctx -> {
            String name = ctx.pathParam("o") + "/" + ctx.pathParam("n");
            if (repo(name, ctx.header("Authorization"), ctx) == null) return;
            ctx.status(302).header("Location", "http://127.0.0.1:" + storage.port() + "/blob/" + name + "/" + ctx.pathParam("file"));
        });
        api.start("127.0.0.1", 0);
    }

    private Repo repo(String name, String auth, io.javalin.http.Context ctx) {
        Repo r = repos.get(name);
        if (r == null) {
            ctx.status(404).result("{\"error\":\"Repository not found\"}");
            return null;
        }
        if (r.gated() && !("Bearer " + TOKEN).equals(auth)) {
            ctx.status(401).header("X-Error-Code", "GatedRepo").result("{\"error\":\"Access to model " + name + " is restricted.\"}");
            return null;
        }
        return r;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + api.port();
    }

    @Override
    public void close() {
        api.stop();
        storage.stop();
    }
}
