package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * When one request's generation ends, apart from cancellation: after {@code maxTokens} generated tokens
 * (finish reason "length"), at a stop token such as end-of-sequence or end-of-turn ("stop"), or at a stop
 * sequence in the text ("stop"). Immutable and validated; {@link StopChecker} applies it.
 *
 * @param maxTokens     the most tokens to generate, &gt;= 1
 * @param stopTokens    token ids that end generation (usually the model's EOS/EOT ids); their text is not
 *                      emitted. May be empty (generation then runs to {@code maxTokens}).
 * @param stopSequences strings that end generation; see {@link StopSequenceMatcher}. May be empty.
 */
public record StopConditions(int maxTokens, Set<Integer> stopTokens, List<String> stopSequences) {
    public StopConditions {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        if (stopTokens == null) {
            throw new IllegalArgumentException("stopTokens must not be null (use Set.of() for none)");
        }
        for (Integer t : new ArrayList<>(stopTokens)) {
            if (t == null || t < 0) {
                throw new IllegalArgumentException("stopTokens must hold token ids >= 0, got " + t);
            }
        }
        if (stopSequences == null) {
            throw new IllegalArgumentException("stopSequences must not be null (use List.of() for none)");
        }
        for (int i = 0; i < stopSequences.size(); i++) {
            String s = stopSequences.get(i);
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stopSequences[" + i + "] must be a non-empty string");
            }
        }
        stopTokens = Set.copyOf(stopTokens);
        stopSequences = List.copyOf(stopSequences);
    }
}
