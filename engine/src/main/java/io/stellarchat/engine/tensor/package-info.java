/**
 * Quantization formats as block layouts and the kernels over them (dot, mat-vec, mat-mat), each with a
 * scalar reference twin and a Vector API fast path; the compute pool that splits work over cores.
 *
 * <p>Entry points:
 * <ul>
 *   <li>{@link io.stellarchat.engine.tensor.Tensor}: a named tensor over a {@code MemorySegment} (usually a
 *       slice of a mapped GGUF file).</li>
 *   <li>{@link io.stellarchat.engine.tensor.Kernels}: dot, matVec, matMul, dequantizeRow over F32, F16, BF16,
 *       Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K; chosen once with {@code Kernels.select()}
 *       (system property {@code stellar.kernels=scalar} forces the reference path) and passed by constructor.</li>
 *   <li>{@link io.stellarchat.engine.tensor.QuantizedRows} and {@link io.stellarchat.engine.tensor.ActivationPrecision}:
 *       activation rows quantized to int8 blocks (Q8_0, Q8_K) by {@code kernels.quantize(...)}, and the integer
 *       {@code dot}/{@code matVec}/{@code matMul} over them for Q8_0, Q4_0, Q4_K and Q6_K weights (as llama.cpp);
 *       system property {@code stellar.activations=f32|q8} (default q8), carried by the kernels instance. Vector
 *       paths: {@code IntVectorDots} (256-bit, AVX2) and {@code IntVectorDots512} (AVX-512), picked by the float
 *       species; {@code IntDots} is their scalar twin.</li>
 *   <li>Native kernels (optional): {@code NativeKernelLibrary} binds the C library of module engine-native for the
 *       CPU's level (directory from {@code stellar.native.path}; {@code stellar.native=off} switches it off) and
 *       {@code NativeKernels} runs the integer products of Q8_0, Q4_0 and Q6_K weights there, everything else
 *       on the Java kernels it wraps; {@code Kernels.select()} picks it when found, {@code Kernels.selectJava()}
 *       never; {@code Kernels.kernelSet()} names the set ({@code java-512}, {@code native-avx512vnni}).</li>
 *   <li>{@link io.stellarchat.engine.tensor.FloatOps}: RMSNorm, softmax, SiLU, dot, axpy, add, mul, scale on
 *       float rows, from {@code kernels.ops()}.</li>
 *   <li>{@link io.stellarchat.engine.tensor.ComputePool}: a fixed pool of platform threads running
 *       {@code parallelFor(n, (start, end) -> ...)} over row ranges.</li>
 *   <li>{@link io.stellarchat.engine.tensor.Quantizer}: float32 to any supported type, for the synthetic-model
 *       maker and tests.</li>
 * </ul>
 *
 * <p>Dequantization is bit-exact with ggml's {@code dequantize_row_*} (and gguf-py's {@code quants.dequantize}):
 * same element order, same float operations in the same order. Activations are float32, or int8 blocks for the
 * integer kernels. Every matMul is batch-invariant: row i of a batch is bit-identical to matVec of row i.
 */
package io.stellarchat.engine.tensor;
