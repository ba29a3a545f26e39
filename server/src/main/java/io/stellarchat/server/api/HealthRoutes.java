package io.stellarchat.server.api;

import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.observe.Readiness;
import java.util.Map;

/**
 * {@code GET /health}: liveness, 200 {@code {"status":"ok"}} while the process can answer at all.
 * {@code GET /ready}: readiness, 200 when every registered {@link io.stellarchat.server.observe.ReadinessCheck}
 * passes, else 503 with each check's outcome, so a load balancer sends traffic only to a ready instance.
 */
public final class HealthRoutes implements RouteGroup {
    private final Readiness readiness;

    public HealthRoutes(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
        routes.get("/ready", ctx -> {
            Readiness.Report report = readiness.evaluate();
            ctx.status(report.ready() ? 200 : 503)
                    .json(new ReadyBody(report.ready() ? "ready" : "not_ready", report.checks()));
        });
    }

    /** The body of {@code /ready}. */
    public record ReadyBody(String status, java.util.List<Readiness.Outcome> checks) {}
}
