package io.stellarchat.server.gateway.remote;

import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.gateway.Provider;

/** Makes the {@link Provider} for a configured remote model server ({@code providers[]}). */
public final class RemoteProviders {
    private RemoteProviders() {}

    /**
     * The provider for {@code config}, sending through {@code http} (which the caller owns and closes after every
     * provider made with it).
     */
    public static Provider create(ProviderConfig config, UpstreamHttp http) {
        return switch (config.type()) {
            case OPENAI -> new OpenAiProvider(config, http);
            case ANTHROPIC -> new AnthropicProvider(config, http);
        };
    }
}
