package io.stellarchat.server.observe;

/**
 * One named condition the service needs before it can take traffic ("models", "storage"). Checks should be
 * quick (they run on every {@code GET /ready}); a check that throws counts as not ready, with the exception
 * message as the reason.
 */
public interface ReadinessCheck {
    /** Short stable name shown in {@code /ready}, e.g. {@code models}. */
    String name();

    /** The current state. */
    Result check();

    /** Outcome of a check. */
    record Result(boolean ready, String detail) {
        public static Result ok(String detail) {
            return new Result(true, detail);
        }

        public static Result notReady(String reason) {
            return new Result(false, reason);
        }
    }

    /** A check from a name and a supplier of results. */
    static ReadinessCheck of(String name, java.util.function.Supplier<Result> check) {
        return new ReadinessCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Result check() {
                return check.get();
            }
        };
    }
}
