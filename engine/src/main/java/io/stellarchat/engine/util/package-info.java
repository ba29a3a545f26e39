/**
 * Small shared pieces: checks that throw precise exceptions ({@link io.stellarchat.engine.util.Checks}) and
 * the injected time source ({@link io.stellarchat.engine.util.Ticker}).
 */
package io.stellarchat.engine.util;
