/**
 * Quantization formats as block layouts and the kernels over them (dot, mat-vec, mat-mat), each with a
 * scalar reference twin and a Vector API fast path; the compute pool that splits work over cores.
 * Entry points: {@link io.stellarchat.engine.tensor.Kernels}, {@link io.stellarchat.engine.tensor.Tensor}.
 */
package io.stellarchat.engine.tensor;
