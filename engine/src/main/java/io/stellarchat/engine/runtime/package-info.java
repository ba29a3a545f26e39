/**
 * Running generations: requests, the token stream handed back to callers, finish reasons, usage and
 * timings. Entry point: {@link io.stellarchat.engine.runtime.Generator}.
 */
package io.stellarchat.engine.runtime;
