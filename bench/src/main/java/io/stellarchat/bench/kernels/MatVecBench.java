package io.stellarchat.bench.kernels;

import io.stellarchat.engine.gguf.GgmlType;
import io.stellarchat.engine.tensor.ActivationPrecision;
import io.stellarchat.engine.tensor.Kernels;
import io.stellarchat.engine.tensor.QuantizedRows;
import io.stellarchat.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread dot product and mat-vec of a {@code rows} x {@code cols} weight matrix (default 512 x 2048:
 * 2048-column rows, the hidden size of a Llama-3.2-1B) per quantization type, scalar kernels against vector
 * kernels, float activations ({@code activations=f32}) against int8 activations and integer dot products
 * ({@code activations=q8}; the quantization of the activation row is part of each {@code matVec} call, as in the
 * model; types without an integer kernel run the float path under both).
 *
 * <p>Each (type, kernels) pair runs in its own forked JVM, so only one {@code VectorKernels} subclass is loaded
 * and its species is a constant for C2, as in production. Build, then run (all types, about 2 minutes per type):
 * <pre>
 * ./mvnw -B -q -pl bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp 'bench/target/stellarchat-bench-0.1.0.jar:bench/target/lib/*' \
 *     org.openjdk.jmh.Main 'MatVecBench' -p type=Q4_0,Q8_0 -f 1 -wi 3 -i 3 -w 1s -r 1s
 * </pre>
 * Real layer shapes: {@code -p rows=2048 -p cols=8192} (FFN down), {@code -p rows=8192 -p cols=2048} (gate/up),
 * {@code -p type=Q6_K -p rows=128256 -p cols=2048} (the output matrix), with {@code -p kernels=vector
 * -p activations=f32,q8 -bm avgt -m matVec}.
 * or {@code ./stellar bench MatVecBench -p type=Q4_0} (same JMH arguments). Scores are microseconds per call;
 * compare {@code kernels=scalar} and {@code kernels=vector} rows of one type.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatVecBench {

    @Param({"Q8_0", "Q4_0", "Q4_K", "Q6_K", "F16", "F32", "BF16", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q5_K"})
    public String type;

    @Param({"scalar", "vector"})
    public String kernels;

    @Param({"f32", "q8"})
    public String activations;

    @Param({"512"})
    public int rows;

    @Param({"2048"})
    public int cols;

    private Arena arena;
    private Tensor w;
    private Kernels k;
    private float[] x;
    private float[] out;
    private int row;
    private QuantizedRows.Format format;
    private QuantizedRows qx;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        w = WeightsState.weights(arena, GgmlType.valueOf(type), rows, cols);
        k = WeightsState.kernels(kernels);
        x = WeightsState.activations(cols);
        out = new float[rows];
        format = ActivationPrecision.valueOf(activations.toUpperCase(java.util.Locale.ROOT)).formatFor(w.type());
        qx = format == null ? null : k.quantize(format, x, 1, cols);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** One row's dot product (rows cycle so the weights come from L2 like a real mat-vec); q8: pre-quantized x. */
    @Benchmark
    public float dot() {
        row = row + 1 == rows ? 0 : row + 1;
        return qx == null ? k.dot(w, row, x, 0) : k.dot(w, row, qx, 0);
    }

    /** The whole mat-vec on one thread (q8: quantizing x included). */
    @Benchmark
    public float[] matVec() {
        if (format == null) {
            k.matVec(w, x, 0, out, 0, 0, rows);
        } else {
            k.matVec(w, k.quantize(format, x, 1, cols), 0, out, 0, 0, rows);
        }
        return out;
    }
}
