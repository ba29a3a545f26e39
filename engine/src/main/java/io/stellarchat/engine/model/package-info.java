/**
 * Model architectures and the forward pass. Entry points: {@link io.stellarchat.engine.model.Model#load} and
 * {@link io.stellarchat.engine.model.Transformer#forward}. Architectures are registered in
 * {@link io.stellarchat.engine.model.Architectures}, one sub-package each.
 */
package io.stellarchat.engine.model;
