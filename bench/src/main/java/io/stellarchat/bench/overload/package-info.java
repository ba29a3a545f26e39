/**
 * {@code ./stellar bench overload}: {@link io.stellarchat.bench.overload.OverloadBench} drives a served model at
 * multiples of its engine's capacity and reports how every request ended, time to first token, heap and threads.
 */
package io.stellarchat.bench.overload;
