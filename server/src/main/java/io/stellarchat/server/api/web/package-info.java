/**
 * The web UI: the playground ({@code /}) and the operator console ({@code /console}), plain HTML, CSS and
 * JavaScript modules kept in the server jar under {@code web/} and served by {@link io.stellarchat.server.api.web.WebRoutes}
 * with ETags and a strict Content-Security-Policy. The pages talk to the public APIs only ({@code /v1/ws},
 * {@code /v1/sessions}, {@code /v1/models}, {@code /v1/admin/*}); nothing here reads a store or a model.
 */
package io.stellarchat.server.api.web;
