package io.stellarchat.server.models;

import java.util.Map;

/** Opens {@link FakeHub} to tests of other packages (the CLI): one public repository and one gated one. */
public final class FakeHubAccess implements AutoCloseable {
    private final FakeHub hub = new FakeHub();

    private FakeHubAccess(byte[] model) {
        hub.repos.put("acme/tiny-GGUF", new FakeHub.Repo(Map.of("tiny-Q4_K_M.gguf", model), false, Map.of()));
        hub.repos.put("acme/gated-GGUF", new FakeHub.Repo(Map.of("g-Q4_K_M.gguf", model), true, Map.of()));
    }

    public static FakeHubAccess start(byte[] model) {
        return new FakeHubAccess(model);
    }

    public String endpoint() {
        return hub.endpoint();
    }

    @Override
    public void close() {
        hub.close();
    }
}
