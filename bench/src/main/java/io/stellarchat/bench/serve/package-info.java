/**
 * Serving benchmark: concurrent streaming clients against an OpenAI-compatible HTTP server (StellarChat or
 * llama.cpp's llama-server), reporting throughput, time to first token, inter-token latency and how requests
 * under overload end. Entry point: {@link io.stellarchat.bench.serve.ServeBench} ({@code ./stellar bench serve ...}).
 */
package io.stellarchat.bench.serve;
