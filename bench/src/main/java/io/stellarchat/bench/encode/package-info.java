/** Encoder (embedding model) throughput beside llama.cpp: {@link io.stellarchat.bench.encode.EncodeBench}. */
package io.stellarchat.bench.encode;
