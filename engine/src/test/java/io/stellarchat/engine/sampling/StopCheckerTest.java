package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.sampling.StopChecker.Outcome;
import io.stellarchat.engine.sampling.StopChecker.Step;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StopCheckerTest {

    private static final int EOS = 2;

    @Test
    void maxTokensEndsWithLengthAndReleasesHeldText() {
        StopChecker c = new StopChecker(new StopConditions(3, Set.of(EOS), List.of("</s>")));
        assertEquals(new Step("a", Outcome.CONTINUE), c.onToken(10, "a"));
        assertEquals(new Step("b", Outcome.CONTINUE), c.onToken(11, "b<"));
        assertEquals(new Step("</", Outcome.LENGTH), c.onToken(12, "/"));
        assertEquals(3, c.generated());
        assertThrows(IllegalStateException.class, () -> c.onToken(13, "x"));
    }

    @Test
    void stopTokenEndsWithoutItsTextAndReleasesHeldText() {
        StopChecker c = new StopChecker(new StopConditions(100, Set.of(EOS), List.of("</s>")));
        assertEquals(new Step("hi ", Outcome.CONTINUE), c.onToken(10, "hi <"));
        assertEquals(new Step("<", Outcome.STOP_TOKEN), c.onToken(EOS, "</s>"));
        assertEquals(Optional.empty(), c.matchedStop());
    }

    @Test
    void stopSequenceOnTheLastAllowedTokenReportsStopNotLength() {
        StopChecker c = new StopChecker(new StopConditions(2, Set.of(), List.of("llo")));
        assertEquals(new Step("He", Outcome.CONTINUE), c.onToken(5, "Hel"));
        Step last = c.onToken(6, "lo");
        assertEquals(new Step("", Outcome.STOP_SEQUENCE), last);
        assertTrue(last.outcome().ends());
        assertEquals(Optional.of("llo"), c.matchedStop());
    }

    @Test
    void invalidConditionsAreRejectedNamingTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StopConditions(0, Set.of(), List.of()))
                .getMessage().contains("maxTokens"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StopConditions(1, Set.of(-1), List.of()))
                .getMessage().contains("stopTokens"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new StopConditions(1, Set.of(), Arrays.asList("a", ""))).getMessage().contains("stopSequences[1]"));
        assertThrows(IllegalArgumentException.class, () -> new StopConditions(1, null, List.of()));
    }
}
