package io.stellarchat.engine.util;

/**
 * A source of monotonic nanoseconds, injected wherever code measures time, so that tests can drive time
 * step by step instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long read();

    /** {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
