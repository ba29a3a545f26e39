package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.engine.runtime.FinishReason;
import io.stellarchat.engine.runtime.Usage;
import io.stellarchat.server.gateway.ModelRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code usage} object of chat completions and completions: {@code prompt_tokens_details.cached_tokens}
 * is the engine's {@link Usage#cachedTokens()}, counted once per prompt like {@code prompt_tokens}.
 */
class UsageTest {
    private final OpenAiRoutes routes = new OpenAiRoutes(ModelRegistry.empty(), new ObjectMapper(), 1 << 20,
            Duration.ofSeconds(5), null);

    private static ChoiceResult choice(int index, int prompt, int cached, int completion) {
        return new ChoiceResult(index, "x", FinishReason.LENGTH,
                new Usage(prompt, cached, completion, 2_000_000, 8_000_000), List.of());
    }

    @Test
    void cachedTokensComeFromTheEnginesUsage() {
        ObjectNode u = routes.usage(40, List.of(choice(0, 40, 32, 5)), 1);
        assertEquals(40, u.get("prompt_tokens").asInt());
        assertEquals(32, u.get("prompt_tokens_details").get("cached_tokens").asInt());
        assertEquals(5, u.get("completion_tokens").asInt());
        assertEquals(45, u.get("total_tokens").asInt());
    }

    @Test
    void severalPromptsAndChoicesCountEachPromptsCachedTokensOnce() {
        // Two prompts (30 and 20 tokens), n = 2: choices 0,1 answer the first prompt and 2,3 the second. The
        // second choice of a prompt finds the first one's blocks cached; that is not a saving the client made.
        List<ChoiceResult> choices = List.of(choice(0, 30, 16, 4), choice(1, 30, 29, 4), choice(2, 20, 0, 4),
                choice(3, 20, 16, 4));
        ObjectNode u = routes.usage(50, choices, 2);
        assertEquals(16, u.get("prompt_tokens_details").get("cached_tokens").asInt());
        assertEquals(16, u.get("completion_tokens").asInt());
        assertEquals(66, u.get("total_tokens").asInt());
    }
}
