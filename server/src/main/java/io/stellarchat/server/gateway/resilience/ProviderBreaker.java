package io.stellarchat.server.gateway.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.stellarchat.engine.util.Ticker;
import io.stellarchat.server.config.ProviderConfig.BreakerSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The circuit breaker of one provider: stops sending to it for a while when too many recent calls failed,
 * then lets a few probes through to see whether it is back.
 *
 * <p><b>Threads.</b> Shared by every request thread that calls the provider; all methods are thread-safe and
 * non-blocking. The state machine is Resilience4j's {@link CircuitBreaker} (it owns the sliding window and
 * the state, behind its own atomics and lock); this class adds the time until probes are allowed and the
 * transition listener. No thread is started: Resilience4j's automatic open → half-open timer is off, the
 * transition happens in the first {@link #tryAcquire()} after {@code openFor}.
 *
 * <p><b>States and transitions</b> (from {@link BreakerSettings}):
 * <pre>
 *  CLOSED ──(≥ minimumCalls recorded in the last `window` calls and failures ≥ failureRate %)──▶ OPEN
 *  OPEN ──(first tryAcquire() more than openFor after opening)──▶ HALF_OPEN
 *  HALF_OPEN ──(halfOpenCalls probes recorded, failures &lt; failureRate %)──▶ CLOSED
 *  HALF_OPEN ──(halfOpenCalls probes recorded, failures ≥ failureRate %)──▶ OPEN (for openFor again)
 * </pre>
 * With the default {@code halfOpenCalls = 1}: the probe's success closes, its failure reopens.
 *
 * <p><b>Protocol for a caller.</b> Before each attempt call {@link #tryAcquire()}; false means do not send
 * (answer 503 with {@code Retry-After: }{@link #remainingOpen()}, or try another upstream). After a permitted
 * attempt call exactly one of: {@link #onSuccess}, {@link #onFailure} (connect errors, timeouts, 5xx, 429),
 * or {@link #onIgnored()} (outcomes that say nothing about the provider's health: 4xx other than 429, a
 * client that went away). Forgetting to report keeps a half-open probe permit taken, and the breaker stays
 * half-open until the permit is given back. Call durations are recorded but never count as failures (the
 * slow-call rule of Resilience4j is switched off: a long generation is not a sick provider).
 */
public final class ProviderBreaker {
    /** The breaker's state, in the order of its gauge value. */
    public enum State {
        CLOSED, HALF_OPEN, OPEN;

        /** 0 closed, 1 half-open, 2 open: the value of the {@code stellar_provider_breaker_state} gauge. */
        public int gaugeValue() {
            return ordinal();
        }
    }

    /** Told of every state change, on the thread whose call caused it; must be quick and must not throw. */
    @FunctionalInterface
    public interface TransitionListener {
        void onTransition(String provider, State from, State to);

        TransitionListener NONE = (provider, from, to) -> { };
    }

    // Recorded as the cause of a failed call; Resilience4j wants a Throwable, the cause itself is the caller's.
    private static final RuntimeException FAILURE = new UpstreamFailure();
    // Far beyond any call's total timeout: durations never make a call "slow".
    private static final Duration NEVER_SLOW = Duration.ofDays(3650);

    private final String provider;
    private final Duration openFor;
    private final Ticker ticker;
    private final CircuitBreaker breaker;
    // Ticker nanos at which the breaker last opened; read with the state, written by the transition event.
    private final AtomicLong openedAt = new AtomicLong();

    /**
     * @param provider the provider id (names the breaker in events and logs)
     * @param settings window, minimum calls, failure rate, open time, half-open probes
     * @param ticker   the time source; {@link Ticker#system()} in production
     * @param listener told of each transition (metrics, audit); {@link TransitionListener#NONE} for none
     */
    public ProviderBreaker(String provider, BreakerSettings settings, Ticker ticker, TransitionListener listener) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(listener, "listener");
        this.openFor = settings.openFor();
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindow(settings.window(), Math.min(settings.minimumCalls(), settings.window()),
                        CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(settings.failureRate())
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .slowCallDurationThreshold(NEVER_SLOW)
                .slowCallRateThreshold(100)
                .clock(new TickerClock(ticker))
                .currentTimestampFunction(clock -> ticker.read(), TimeUnit.NANOSECONDS)
                .build();
        this.breaker = CircuitBreaker.of(provider, config);
        breaker.getEventPublisher().onStateTransition(event -> {
            State from = map(event.getStateTransition().getFromState());
            State to = map(event.getStateTransition().getToState());
            if (to == State.OPEN) openedAt.set(ticker.read());
            if (from != to) listener.onTransition(provider, from, to);
        });
    }

    public String provider() {
        return provider;
    }

    /**
     * Asks to send one call. True: send it, then report its outcome. False: the breaker is open (or its
     * half-open probes are all out); nothing was taken. Moves an open breaker whose {@code openFor} has passed
     * to half-open and takes one of its probe permits.
     */
    public boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    /** A permitted call succeeded after {@code duration}. */
    public void onSuccess(Duration duration) {
        breaker.onSuccess(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A permitted call failed in a way that counts against the provider, after {@code duration}. */
    public void onFailure(Duration duration) {
        breaker.onError(duration.toNanos(), TimeUnit.NANOSECONDS, FAILURE);
    }

    /** A permitted call ended in a way that says nothing about the provider; gives back a half-open permit. */
    public void onIgnored() {
        breaker.releasePermission();
    }

    /**
     * The share of failed calls among those the breaker's current window recorded, 0..1; negative while fewer
     * than {@code minimumCalls} are recorded (the rate would say little). Half-open probes start a new window.
     */
    public double failureRate() {
        float percent = breaker.getMetrics().getFailureRate();
        return percent < 0 ? -1 : percent / 100.0;
    }

    public State state() {
        return map(breaker.getState());
    }

    /**
     * How long an open breaker still rejects calls: the {@code Retry-After} to give a client. Zero when the
     * breaker is not open, or when {@code openFor} has passed (the next call is let through as a probe).
     * The opening time is recorded by the transition event, just after Resilience4j switches state: a call
     * in that instant may still see the previous opening's time (and so a shorter wait).
     */
    public Duration remainingOpen() {
        if (state() != State.OPEN) return Duration.ZERO;
        long left = openFor.toNanos() - (ticker.read() - openedAt.get());
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public String toString() {
        return "ProviderBreaker[" + provider + ", " + state() + "]";
    }

    private static State map(CircuitBreaker.State s) {
        return switch (s) {
            case OPEN, FORCED_OPEN -> State.OPEN;
            case HALF_OPEN -> State.HALF_OPEN;
            case CLOSED, DISABLED, METRICS_ONLY -> State.CLOSED;
        };
    }

    /** The failure recorded for each failed call; no stack trace, it is only a token. */
    private static final class UpstreamFailure extends RuntimeException {
        UpstreamFailure() {
            super("upstream call failed", null, false, false);
        }
    }

    /** A {@link java.time.Clock} reading a {@link Ticker}: Resilience4j times its open state with a Clock. */
    private static final class TickerClock extends java.time.Clock {
        private final Ticker ticker;

        TickerClock(Ticker ticker) {
            this.ticker = ticker;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this; // only instants are read
        }

        @Override
        public Instant instant() {
            return Instant.EPOCH.plusNanos(ticker.read());
        }

        @Override
        public long millis() {
            return Math.floorDiv(ticker.read(), 1_000_000L);
        }
    }
}
