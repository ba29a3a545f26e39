/**
 * The admin API: the model registry ({@code /v1/admin/models}: list, create remote entries, patch status,
 * weights, upstreams and fallbacks, delete), the providers' state ({@code /v1/admin/providers}), and
 * {@link io.stellarchat.server.api.admin.StatsRoutes} ({@code /v1/admin/stats}: providers, queues, KV cache and
 * latency quantiles in one document for the web console). Entry point: {@link io.stellarchat.server.api.admin.AdminRoutes}. Changes go to the gateway's
 * {@link io.stellarchat.server.gateway.ModelCatalog} (the shared database), take effect on this replica at once
 * ({@code Gateway.reload}) and on the others at their next catalog refresh; each is audited. The audit log's
 * listing ({@code /v1/admin/audit}) is still served by {@code api.sessions}.
 */
package io.stellarchat.server.api.admin;
