/**
 * Where requests meet models: the registry of locally served models (by id and alias) with their engines.
 * Entry point: {@link io.stellarchat.server.gateway.ModelRegistry}. Remote providers, routing, retries and
 * fallbacks will live here too.
 */
package io.stellarchat.server.gateway;
