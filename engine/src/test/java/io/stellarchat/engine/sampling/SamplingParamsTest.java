package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    @Test
    void defaultsAreLlamaCppDefaults() {
        SamplingParams d = SamplingParams.defaults();
        assertEquals(0.8f, d.temperature());
        assertEquals(40, d.topK());
        assertEquals(0.95f, d.topP());
        assertEquals(0.05f, d.minP());
        assertEquals(1.0f, d.repeatPenalty());
        assertEquals(64, d.penaltyLastN());
        assertEquals(0f, d.presencePenalty());
        assertEquals(0f, d.frequencyPenalty());
        assertTrue(d.logitBias().isEmpty());
        assertEquals(0, d.topLogprobs());
    }

    @Test
    void greedyHasZeroTemperatureAndNoTruncationOrPenalty() {
        SamplingParams g = SamplingParams.greedy();
        assertEquals(0f, g.temperature());
        assertEquals(0, g.topK());
        assertEquals(1f, g.topP());
        assertEquals(0f, g.minP());
        assertTrue(g.penaltiesOff());
    }

    @Test
    void withersChangeOneFieldAndValidate() {
        SamplingParams p = SamplingParams.defaults().withTemperature(1.3f).withSeed(7).withTopLogprobs(5);
        assertEquals(1.3f, p.temperature());
        assertEquals(7L, p.seed());
        assertEquals(5, p.topLogprobs());
        assertEquals(40, p.topK());
        assertThrows(IllegalArgumentException.class, () -> p.withTopK(-3));
    }

    @Test
    void logitBiasIsCopiedAndImmutable() {
        Map<Integer, Float> bias = new HashMap<>();
        bias.put(3, -100f);
        SamplingParams p = SamplingParams.greedy().withLogitBias(bias);
        bias.put(4, 5f);
        assertEquals(Map.of(3, -100f), p.logitBias());
        assertThrows(UnsupportedOperationException.class, () -> p.logitBias().put(9, 1f));
    }

    static Stream<Arguments> invalid() {
        SamplingParams d = SamplingParams.defaults();
        Map<Integer, Float> nullKey = new HashMap<>();
        nullKey.put(null, 1f);
        Map<Integer, Float> nullValue = new HashMap<>();
        nullValue.put(1, null);
        return Stream.of(
                Arguments.of("temperature", "[0, 100]", (Supplier<?>) () -> d.withTemperature(-0.1f)),
                Arguments.of("temperature", "[0, 100]", (Supplier<?>) () -> d.withTemperature(Float.NaN)),
                Arguments.of("temperature", "[0, 100]", (Supplier<?>) () -> d.withTemperature(Float.POSITIVE_INFINITY)),
                Arguments.of("topK", ">= 0", (Supplier<?>) () -> d.withTopK(-1)),
                Arguments.of("topP", "[0, 1]", (Supplier<?>) () -> d.withTopP(1.01f)),
                Arguments.of("topP", "[0, 1]", (Supplier<?>) () -> d.withTopP(Float.NaN)),
                Arguments.of("minP", "[0, 1]", (Supplier<?>) () -> d.withMinP(-0.5f)),
                Arguments.of("repeatPenalty", "(0, 100]", (Supplier<?>) () -> d.withRepeatPenalty(0f)),
                Arguments.of("repeatPenalty", "(0, 100]", (Supplier<?>) () -> d.withRepeatPenalty(Float.NaN)),
                Arguments.of("penaltyLastN", "[0, 1048576]", (Supplier<?>) () -> d.withPenaltyLastN(-1)),
                Arguments.of("penaltyLastN", "[0, 1048576]", (Supplier<?>) () -> d.withPenaltyLastN(Integer.MAX_VALUE)),
                Arguments.of("presencePenalty", "[-2, 2]", (Supplier<?>) () -> d.withPresencePenalty(2.5f)),
                Arguments.of("frequencyPenalty", "[-2, 2]", (Supplier<?>) () -> d.withFrequencyPenalty(-2.5f)),
                Arguments.of("logitBias", "null", (Supplier<?>) () -> d.withLogitBias(null)),
                Arguments.of("logitBias", ">= 0", (Supplier<?>) () -> d.withLogitBias(Map.of(-1, 1f))),
                Arguments.of("logitBias", ">= 0", (Supplier<?>) () -> d.withLogitBias(nullKey)),
                Arguments.of("logitBias", "[-100, 100]", (Supplier<?>) () -> d.withLogitBias(Map.of(5, 100.5f))),
                Arguments.of("logitBias", "[-100, 100]", (Supplier<?>) () -> d.withLogitBias(nullValue)),
                Arguments.of("topLogprobs", "[0, 20]", (Supplier<?>) () -> d.withTopLogprobs(21)),
                Arguments.of("topLogprobs", "[0, 20]", (Supplier<?>) () -> d.withTopLogprobs(-1)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("invalid")
    void invalidValueIsRejectedWithFieldAndRange(String field, String range, Supplier<?> build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertTrue(e.getMessage().contains(range), e.getMessage());
    }

    @Test
    void boundaryValuesAreAccepted() {
        SamplingParams d = SamplingParams.defaults();
        d.withTemperature(0f).withTopP(0f).withTopP(1f).withMinP(1f).withPenaltyLastN(0)
                .withPresencePenalty(-2f).withFrequencyPenalty(2f).withTopLogprobs(20)
                .withLogitBias(Map.of(0, -100f, 1, 100f));
    }
}
