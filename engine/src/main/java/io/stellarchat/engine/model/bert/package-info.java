/** The {@code bert} encoder architecture (BERT, BGE, E5, GTE, MiniLM, cross-encoder rerankers). */
package io.stellarchat.engine.model.bert;
