package io.stellarchat.bench.kernels;

import io.stellarchat.engine.gguf.GgmlType;
import io.stellarchat.engine.tensor.Kernels;
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
 * Single-thread dot product and mat-vec of a 512 x 2048 weight matrix (2048-column rows, the hidden size of a
 * Llama-3.2-1B) per quantization type, scalar kernels against vector kernels.
 *
 * <p>Each (type, kernels) pair runs in its own forked JVM, so only one {@code VectorKernels} subclass is loaded
 * and its species is a constant for C2, as in production. Build, then run (all types, about 2 minutes per type):
 * <pre>
 * ./mvnw -B -q -pl bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp 'bench/target/stellarchat-bench-0.1.0.jar:bench/target/lib/*' \
 *     org.openjdk.jmh.Main 'MatVecBench' -p type=Q4_0,Q8_0 -f 1 -wi 3 -i 3 -w 1s -r 1s
 * </pre>
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
    static final int ROWS = 512;
    static final int COLS = 2048;

    @Param({"Q8_0", "Q4_0", "Q4_K", "Q6_K", "F16", "F32", "BF16", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q5_K"})
    public String type;

    @Param({"scalar", "vector"})
    public String kernels;

    private Arena arena;
    private Tensor w;
    private Kernels k;
    private float[] x;
    private float[] out;
    private int row;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        w = WeightsState.weights(arena, GgmlType.valueOf(type), ROWS, COLS);
        k = WeightsState.kernels(kernels);
        x = WeightsState.activations(COLS);
        out = new float[ROWS];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** One 2048-element dot product (rows cycle so the weights come from L2 like a real mat-vec). */
    @Benchmark
    public float dot() {
        row = (row + 1) & (ROWS - 1);
        return k.dot(w, row, x, 0);
    }

    /** The whole 512 x 2048 mat-vec on one thread. */
    @Benchmark
    public float[] matVec() {
        k.matVec(w, x, 0, out, 0, 0, ROWS);
        return out;
    }
}
