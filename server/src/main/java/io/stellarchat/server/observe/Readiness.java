package io.stellarchat.server.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The set of readiness checks. Components register theirs when they are built (or later: checks may be
 * added while serving). With no checks registered the service is ready.
 */
public final class Readiness {
    private final List<ReadinessCheck> checks = new CopyOnWriteArrayList<>();

    /** Adds a check; names must be unique. */
    public void register(ReadinessCheck check) {
        for (ReadinessCheck c : checks) {
            if (c.name().equals(check.name())) {
                throw new IllegalArgumentException("readiness check '" + check.name() + "' is already registered");
            }
        }
        checks.add(check);
    }

    /** Runs every check, in registration order. */
    public Report evaluate() {
        List<Outcome> outcomes = new ArrayList<>();
        boolean ready = true;
        for (ReadinessCheck c : checks) {
            ReadinessCheck.Result r;
            try {
                r = c.check();
                if (r == null) r = ReadinessCheck.Result.notReady("check returned no result");
            } catch (RuntimeException e) {
                r = ReadinessCheck.Result.notReady("check failed: " + e);
            }
            ready &= r.ready();
            outcomes.add(new Outcome(c.name(), r.ready(), r.detail()));
        }
        return new Report(ready, outcomes);
    }

    /** All outcomes. */
    public record Report(boolean ready, List<Outcome> checks) {
        public Report {
            checks = List.copyOf(checks);
        }
    }

    /** One check's outcome. */
    public record Outcome(String name, boolean ready, String detail) {}
}
