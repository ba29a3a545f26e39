/** Small shared pieces: checks that throw precise exceptions, time sources. */
package io.stellarchat.engine.util;
