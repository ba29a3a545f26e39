/** Benchmarks of the engine and the service; each benchmark's javadoc says how to run it. */
package io.stellarchat.bench;
