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
 * Prompt processing: a batch of {@code n} activation rows through a 512 x 2048 weight matrix, single thread,
 * as one {@code matMul} call against {@code n} separate {@code matVec} calls. {@code matMul} reads each weight
 * row once for the whole batch, so its time per activation row should fall well below one mat-vec for n >= 8.
 *
 * <p>Run (after {@code ./mvnw -B -q -pl bench -am package -DskipTests}):
 * <pre>
 * java --add-modules jdk.incubator.vector -cp 'bench/target/stellarchat-bench-0.1.0.jar:bench/target/lib/*' \
 *     org.openjdk.jmh.Main 'MatMulBench' -p type=Q4_0 -p n=1,8,32 -f 1 -wi 3 -i 3 -w 1s -r 1s
 * </pre>
 * Scores are microseconds for the whole batch; divide by n for the time per activation row. With
 * {@code activations=q8} the rows are quantized to int8 (inside the timed call) and multiplied with the integer
 * kernels where the type has one (Q8_0, Q4_0, Q4_K, Q6_K); {@code -p activations=f32,q8} puts both side by side.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatMulBench {
    static final int ROWS = 512;
    static final int COLS = 2048;

    @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F16", "F32"})
    public String type;

    @Param({"vector", "scalar"})
    public String kernels;

    @Param({"1", "8", "32"})
    public int n;

    @Param({"f32", "q8"})
    public String activations;

    private QuantizedRows.Format format;

    private Arena arena;
    private Tensor w;
    private Kernels k;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        w = WeightsState.weights(arena, GgmlType.valueOf(type), ROWS, COLS);
        k = WeightsState.kernels(kernels);
        x = WeightsState.activations(n * COLS);
        out = new float[n * ROWS];
        format = ActivationPrecision.valueOf(activations.toUpperCase(java.util.Locale.ROOT)).formatFor(w.type());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** The batch as one mat-mat call. */
    @Benchmark
    public float[] matMul() {
        if (format == null) {
            k.matMul(w, x, n, out, 0, ROWS);
        } else {
            k.matMul(w, k.quantize(format, x, n, COLS), out, 0, ROWS);
        }
        return out;
    }

    /** The batch as n mat-vec calls, one per activation row. */
    @Benchmark
    public float[] matVecPerRow() {
        for (int i = 0; i < n; i++) {
            if (format == null) {
                k.matVec(w, x, i * COLS, out, i * ROWS, 0, ROWS);
            } else {
                float[] row = java.util.Arrays.copyOfRange(x, i * COLS, (i + 1) * COLS);
                k.matVec(w, k.quantize(format, row, 1, COLS), 0, out, i * ROWS, 0, ROWS);
            }
        }
        return out;
    }
}
