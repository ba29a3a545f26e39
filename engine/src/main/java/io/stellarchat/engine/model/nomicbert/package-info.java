/** The {@code nomic-bert} encoder architecture (nomic-embed-text). */
package io.stellarchat.engine.model.nomicbert;
