/**
 * The HTTP edge: the server ({@link io.stellarchat.server.api.HttpServer}), route groups
 * ({@link io.stellarchat.server.api.RouteGroup}; each feature registers its own routes), the one error shape
 * of every endpoint ({@link io.stellarchat.server.api.ApiException}, written by
 * {@code ErrorMapping} as OpenAI's {@code {"error":{message,type,param,code}}}, or in a route group's own
 * {@link io.stellarchat.server.api.ErrorDialect} for its paths),
 * bounded JSON body reading ({@link io.stellarchat.server.api.JsonBodyReader}), request ids, access log and
 * request metrics ({@code RequestTracking}), and the operational routes {@code /health}, {@code /ready}
 * ({@link io.stellarchat.server.api.HealthRoutes}) and {@code /metrics}
 * ({@link io.stellarchat.server.api.MetricsRoutes}); who may call: keys and scopes
 * ({@link io.stellarchat.server.api.Authentication}) and, only when configured, other sites' browsers
 * ({@link io.stellarchat.server.api.Cors}). Sub-packages ({@code api.openai} …) hold feature routes.
 */
package io.stellarchat.server.api;
