package io.stellarchat.server.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ProviderConfig.BreakerSettings;
import io.stellarchat.server.gateway.resilience.ProviderBreaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProviderBreakerTest {
    private static final Duration CALL = Duration.ofMillis(200);
    private static final Duration OPEN_FOR = Duration.ofSeconds(30);

    private final ManualTicker ticker = new ManualTicker();
    private final List<String> transitions = new ArrayList<>();

    private ProviderBreaker breaker(int failureRate, int minimumCalls, int window, int halfOpenCalls) {
        return new ProviderBreaker("gpu", new BreakerSettings(failureRate, minimumCalls, window, OPEN_FOR, halfOpenCalls),
                ticker, (provider, from, to) -> transitions.add(provider + ":" + from + "->" + to));
    }

    private static void succeed(ProviderBreaker b, int n) {
        for (int i = 0; i < n; i++) {
            assertTrue(b.tryAcquire());
            b.onSuccess(CALL);
        }
    }

    private static void fail(ProviderBreaker b, int n) {
        for (int i = 0; i < n; i++) {
            assertTrue(b.tryAcquire());
            b.onFailure(CALL);
        }
    }

    /** Opens the breaker: 4 failures of 4 calls (rate 50 %, minimum 4). */
    private ProviderBreaker opened(int halfOpenCalls) {
        ProviderBreaker b = breaker(50, 4, 10, halfOpenCalls);
        fail(b, 4);
        assertEquals(State.OPEN, b.state());
        return b;
    }

    @Test
    void staysClosedUntilMinimumCallsThenOpensAtTheFailureRate() {
        ProviderBreaker b = breaker(50, 4, 10, 1);
        fail(b, 3);
        assertEquals(State.CLOSED, b.state(), "3 failures of 3 calls, but the minimum is 4");
        succeed(b, 1);
        assertEquals(State.OPEN, b.state(), "3 failures of 4 calls = 75 % >= 50 %");
        assertEquals(List.of("gpu:CLOSED->OPEN"), transitions);
    }

    @Test
    void aRateBelowTheThresholdKeepsItClosed() {
        ProviderBreaker b = breaker(50, 4, 10, 1);
        succeed(b, 6);
        fail(b, 4); // 4 of 10
        assertEquals(State.CLOSED, b.state());
        fail(b, 1); // the window slides: 5 of the last 10
        assertEquals(State.OPEN, b.state());
    }

    @Test
    void openRejectsAndSaysHowLongUntilProbes() {
        ProviderBreaker b = opened(1);
        assertFalse(b.tryAcquire());
        assertEquals(OPEN_FOR, b.remainingOpen());
        ticker.advance(Duration.ofSeconds(10));
        assertFalse(b.tryAcquire());
        assertEquals(Duration.ofSeconds(20), b.remainingOpen());
        assertEquals(State.OPEN, b.state());
        assertEquals(2, b.state().gaugeValue());
    }

    @Test
    void afterOpenForTheNextCallsMoveItToHalfOpenAndExactlyHalfOpenCallsGetThrough() {
        ProviderBreaker b = opened(2);
        ticker.advance(OPEN_FOR.plusMillis(1));
        assertEquals(Duration.ZERO, b.remainingOpen());
        assertEquals(State.OPEN, b.state(), "no timer thread: the state moves on the next call");
        assertTrue(b.tryAcquire());
        assertEquals(State.HALF_OPEN, b.state());
        assertEquals(1, b.state().gaugeValue());
        assertTrue(b.tryAcquire());
        assertFalse(b.tryAcquire(), "only 2 probes");
        assertEquals(Duration.ZERO, b.remainingOpen());
    }

    @Test
    void aSuccessfulProbeCloses() {
        ProviderBreaker b = opened(1);
        ticker.advance(OPEN_FOR.plusMillis(1));
        assertTrue(b.tryAcquire());
        b.onSuccess(CALL);
        assertEquals(State.CLOSED, b.state());
        assertEquals(0, b.state().gaugeValue());
        assertEquals(List.of("gpu:CLOSED->OPEN", "gpu:OPEN->HALF_OPEN", "gpu:HALF_OPEN->CLOSED"), transitions);
        succeed(b, 3); // a fresh window: earlier failures are forgotten
        assertEquals(State.CLOSED, b.state());
    }

    @Test
    void aFailedProbeReopensForAnotherOpenFor() {
        ProviderBreaker b = opened(1);
        ticker.advance(OPEN_FOR.plusMillis(1));
        assertTrue(b.tryAcquire());
        ticker.advance(Duration.ofSeconds(2));
        b.onFailure(CALL);
        assertEquals(State.OPEN, b.state());
        assertEquals(OPEN_FOR, b.remainingOpen());
        assertFalse(b.tryAcquire());
        assertEquals(List.of("gpu:CLOSED->OPEN", "gpu:OPEN->HALF_OPEN", "gpu:HALF_OPEN->OPEN"), transitions);
    }

    @Test
    void ignoredCallsDoNotCount() {
        ProviderBreaker b = breaker(50, 4, 10, 1);
        for (int i = 0; i < 20; i++) {
            assertTrue(b.tryAcquire());
            b.onIgnored(); // e.g. a 400: the client's fault, not the provider's
        }
        fail(b, 3);
        assertEquals(State.CLOSED, b.state(), "ignored calls are not calls: still below the minimum");
        fail(b, 1);
        assertEquals(State.OPEN, b.state());
    }

    @Test
    void anIgnoredProbeGivesItsPermitBack() {
        ProviderBreaker b = opened(1);
        ticker.advance(OPEN_FOR.plusMillis(1));
        assertTrue(b.tryAcquire());
        assertFalse(b.tryAcquire());
        b.onIgnored();
        assertEquals(State.HALF_OPEN, b.state());
        assertTrue(b.tryAcquire(), "the permit came back");
        b.onSuccess(CALL);
        assertEquals(State.CLOSED, b.state());
    }

    @Test
    void longCallsAreNotFailures() {
        ProviderBreaker b = breaker(50, 4, 10, 1);
        for (int i = 0; i < 10; i++) {
            assertTrue(b.tryAcquire());
            b.onSuccess(Duration.ofMinutes(9)); // a long generation
        }
        assertEquals(State.CLOSED, b.state());
        assertEquals(List.of(), transitions);
    }
}
