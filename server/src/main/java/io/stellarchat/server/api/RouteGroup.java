package io.stellarchat.server.api;

import io.javalin.router.JavalinDefaultRoutingApi;

/**
 * A feature's routes. Each group registers its own handlers (plain lambdas or method references) on the
 * routing API it is given; the composition root lists the groups. Route paths are templates
 * ({@code /v1/models/{id}}); metrics are labelled by them.
 */
@FunctionalInterface
public interface RouteGroup {
    void register(JavalinDefaultRoutingApi routes);

    /** The error body of this group's routes when it is not OpenAI's; null (the default) for OpenAI's. */
    default ErrorDialect errors() {
        return null;
    }
}
