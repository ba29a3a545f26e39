/**
 * JMH benchmarks of the tensor kernels ({@code io.stellarchat.engine.tensor.Kernels}): dot, mat-vec and mat-mat
 * per quantization type, scalar against vector in the same run. Run commands are in each class's javadoc.
 */
package io.stellarchat.bench.kernels;
