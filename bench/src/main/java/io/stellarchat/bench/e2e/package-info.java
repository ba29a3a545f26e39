/**
 * End-to-end throughput benchmark, llama-bench style: prompt processing ({@code ppN}) and generation
 * ({@code tgN}) tokens/s of whole models, next to the machine's measured memory copy bandwidth.
 * Entry point: {@link io.stellarchat.bench.e2e.EndToEndBench} ({@code ./stellar bench e2e ...}).
 */
package io.stellarchat.bench.e2e;
