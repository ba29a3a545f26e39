package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The optional native kernel library (module {@code engine-native}: C sources compiled at build time into
 * {@code libstellar-kernels-LEVEL.so}, one per instruction-set level), bound through FFM. The engine has no
 * compile-time dependency on it: the libraries are found in the directory named by the system property
 * {@value #PATH_PROPERTY}, and when that is unset, the directory missing, the CPU below every level, or the
 * property {@value #PROPERTY} is {@code off}, {@link #load()} answers empty and the Java kernels run (the reason
 * is logged once per process).
 *
 * <p>Level, picked from the CPU flags in {@code /proc/cpuinfo} (not from the build host): {@code avx512vnni}
 * when avx512f, avx512bw, avx512dq, avx512vl and avx512_vnni are present, else {@code avx2} when avx2, fma and f16c are;
 * the best level whose library exists is loaded. Down-calls use {@link Linker.Option#critical(boolean)
 * critical(true)}: heap arrays are passed in place, no thread-state transition (about 15 ns a call), so the
 * engine calls once per chunk of weight rows, never per block; the C code neither blocks nor calls back.
 *
 * <p>Immutable once loaded; the library stays mapped for the life of the process ({@link Arena#global()}).
 * Thread-safe: the C functions keep no state.
 */
final class NativeKernelLibrary {

    /** {@code auto} (default): use the native kernels when found; {@code off}: never. */
    static final String PROPERTY = "stellar.native";
    /** The directory holding {@code libstellar-kernels-LEVEL.so} (the launcher passes engine-native/target/native). */
    static final String PATH_PROPERTY = "stellar.native.path";
    /** The interface version both sides agree on ({@code stellar_abi_version()} in the C source). */
    static final int ABI = 2;

    private static final Logger LOG = Logger.getLogger(NativeKernelLibrary.class.getName());
    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    // void f(const u8 *w, i64 row_bytes, i32 cols, i32 r0, i32 r1, const i8 *xq, const float *xd, i32 n,
    //        float *out, i64 out_stride)
    private static final FunctionDescriptor MATMUL = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    // void f(const u8 *w, i32 cols, i32 r0, i32 r1, const i8 *xq, const float *xd, const i32 *xs, i32 n,
    //        float *out, i64 out_stride)
    private static final FunctionDescriptor MATMUL_X16 = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    // void f(const u8 *w, i64 row_bytes, i32 cols, i32 r0, i32 r1, const i8 *xq, const float *xd, const i16 *xs,
    //        i32 n, float *out, i64 out_stride)
    private static final FunctionDescriptor MATMUL_SUMS = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG);
    // void f(const u16 *w, i64 row_elems, i32 cols, i32 r0, i32 r1, const float *x, i32 n, float *out, i64 out_stride)
    private static final FunctionDescriptor MATMUL_F16 = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    // void f(const u8 *src, i64 row_bytes, i32 rows, i32 cols, u8 *dst, i32 release)
    private static final FunctionDescriptor PACK = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);

    private final String level;
    private final Path file;
    private final MethodHandle q8_0;
    private final MethodHandle q4_0;
    private final MethodHandle q6_k;
    private final MethodHandle q8_0x16;
    private final MethodHandle q4_0x16;
    private final MethodHandle q8_0pack;
    private final MethodHandle q4_0pack;
    private final MethodHandle q4_k;
    private final MethodHandle f16;

    private NativeKernelLibrary(String level, Path file, MethodHandle q8_0, MethodHandle q4_0, MethodHandle q6_k,
                                MethodHandle q8_0x16, MethodHandle q4_0x16, MethodHandle q8_0pack,
                                MethodHandle q4_0pack, MethodHandle q4_k, MethodHandle f16) {
        this.level = level;
        this.file = file;
        this.q8_0 = q8_0;
        this.q4_0 = q4_0;
        this.q6_k = q6_k;
        this.q8_0x16 = q8_0x16;
        this.q4_0x16 = q4_0x16;
        this.q8_0pack = q8_0pack;
        this.q4_0pack = q4_0pack;
        this.q4_k = q4_k;
        this.f16 = f16;
    }

    /** The instruction-set level of the loaded library, e.g. {@code avx512vnni}. */
    String level() {
        return level;
    }

    Path file() {
        return file;
    }

    /**
     * The library for this process per the system properties, or empty (the reason logged once per process).
     */
    static Optional<NativeKernelLibrary> load() {
        String mode = System.getProperty(PROPERTY, "auto");
        if (mode.equals("off")) {
            report("native kernels off (" + PROPERTY + "=off); Java kernels");
            return Optional.empty();
        }
        if (!mode.equals("auto")) {
            throw new IllegalArgumentException(
                    "system property " + PROPERTY + " must be 'auto' or 'off', not '" + mode + "'");
        }
        String dir = System.getProperty(PATH_PROPERTY, "");
        if (dir.isEmpty()) {
            report("no native kernels (" + PATH_PROPERTY + " unset); Java kernels");
            return Optional.empty();
        }
        return load(Path.of(dir), cpuFlags());
    }

    /** The best library in {@code dir} that the CPU with {@code flags} runs, or empty (reason logged once). */
    static Optional<NativeKernelLibrary> load(Path dir, Set<String> flags) {
        List<String> levels = levels(flags);
        if (levels.isEmpty()) {
            report("no native kernels: the CPU has no avx2/fma/f16c (or is not x86-64 Linux); Java kernels");
            return Optional.empty();
        }
        for (String level : levels) {
            Path file = dir.resolve("libstellar-kernels-" + level + ".so");
            if (!Files.isRegularFile(file)) {
                continue;
            }
            try {
                NativeKernelLibrary lib = bind(level, file);
                report("native kernels " + level + " from " + file);
                return Optional.of(lib);
            } catch (RuntimeException e) {
                report("native kernels at " + file + " failed to load (" + e.getMessage() + "); Java kernels");
                return Optional.empty();
            }
        }
        report("no native kernels in " + dir + " for levels " + levels
                + " (engine-native not built: no C compiler?); Java kernels");
        return Optional.empty();
    }

    /** The levels this CPU runs, best first. */
    static List<String> levels(Set<String> flags) {
        if (!flags.containsAll(Set.of("avx2", "fma", "f16c"))) {
            return List.of();
        }
        if (flags.containsAll(Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni"))) {
            return List.of("avx512vnni", "avx2");
        }
        return List.of("avx2");
    }

    /** The flags of the first processor in {@code /proc/cpuinfo}, or none off x86-64 Linux. */
    static Set<String> cpuFlags() {
        String arch = System.getProperty("os.arch", "");
        if (!System.getProperty("os.name", "").startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Set.of();
        }
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    private static NativeKernelLibrary bind(String level, Path file) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(file, Arena.global());
        Linker linker = Linker.nativeLinker();
        MethodHandle abi = linker.downcallHandle(find(lookup, "stellar_abi_version"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int version;
        try {
            version = (int) abi.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("stellar_abi_version failed: " + t, t);
        }
        if (version != ABI) {
            throw new IllegalStateException("library ABI " + version + ", engine expects " + ABI + " (rebuild engine-native)");
        }
        Linker.Option critical = Linker.Option.critical(true);
        return new NativeKernelLibrary(level, file,
                linker.downcallHandle(find(lookup, "stellar_q8_0_matmul"), MATMUL, critical),
                linker.downcallHandle(find(lookup, "stellar_q4_0_matmul"), MATMUL, critical),
                linker.downcallHandle(find(lookup, "stellar_q6_k_matmul"), MATMUL, critical),
                linker.downcallHandle(find(lookup, "stellar_q8_0_x16_matmul"), MATMUL_X16, critical),
                linker.downcallHandle(find(lookup, "stellar_q4_0_x16_matmul"), MATMUL_X16, critical),
                // packing runs once per tensor at load, hundreds of milliseconds: a normal (non-critical) call
                linker.downcallHandle(find(lookup, "stellar_q8_0_x16_pack"), PACK),
                linker.downcallHandle(find(lookup, "stellar_q4_0_x16_pack"), PACK),
                linker.downcallHandle(find(lookup, "stellar_q4_k_matmul"), MATMUL_SUMS, critical),
                linker.downcallHandle(find(lookup, "stellar_f16_matmul"), MATMUL_F16, critical));
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " missing"));
    }

    private static void report(String line) {
        if (REPORTED.compareAndSet(false, true)) {
            LOG.info(line);
        }
    }

    /** Whether {@link #matMul} handles weights of {@code w}'s type. */
    boolean handles(GgmlType type) {
        return type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || type == GgmlType.Q6_K || type == GgmlType.Q4_K;
    }

    /**
     * {@code out[outOff + i * outStride + (r - r0)] = w row r . x row (xRow + i)} for r in [r0, r1), i in [0, n): one
     * down-call. The caller has checked every index against the arrays and the weight segment (the C code reads
     * and writes exactly these ranges and checks nothing).
     */
    void matMul(Tensor w, int r0, int r1, QuantizedRows x, int xRow, int n, float[] out, int outOff, long outStride) {
        int blocks = x.cols / x.format.blockSize();
        MemorySegment xq = MemorySegment.ofArray(x.int8).asSlice((long) xRow * x.cols);
        MemorySegment xd = MemorySegment.ofArray(x.d).asSlice((long) xRow * blocks * Float.BYTES);
        MemorySegment o = MemorySegment.ofArray(out).asSlice((long) outOff * Float.BYTES);
        if (w.type() == GgmlType.Q4_K) {
            MemorySegment xs = MemorySegment.ofArray(x.sums).asSlice((long) xRow * (x.cols / 16) * Short.BYTES);
            try {
                q4_k.invokeExact(w.data(), w.rowBytes(), w.cols(), r0, r1, xq, xd, xs, n, o, outStride);
            } catch (Throwable t) {
                throw new IllegalStateException("native kernel on tensor " + w.name() + " failed: " + t, t);
            }
            return;
        }
        MethodHandle h = switch (w.type()) {
            case Q8_0 -> q8_0;
            case Q4_0 -> q4_0;
            case Q6_K -> q6_k;
            default -> throw new UnsupportedOperationException("no native kernel for " + w.type());
        };
        try {
            h.invokeExact(w.data(), w.rowBytes(), w.cols(), r0, r1, xq, xd, n, o, outStride);
        } catch (Throwable t) {
            throw new IllegalStateException("native kernel on tensor " + w.name() + " failed: " + t, t);
        }
    }

    /**
     * {@code out[outOff + i * outStride + (r - r0)] = w row r . x row i} for an F16 {@code w}, float activation rows
     * {@code x[xOff + i * cols ..]}, r in [r0, r1), i in [0, n): one down-call, arguments checked by the caller.
     */
    void matMulF16(Tensor w, int r0, int r1, float[] x, int xOff, int n, float[] out, int outOff, long outStride) {
        MemorySegment xs = MemorySegment.ofArray(x).asSlice((long) xOff * Float.BYTES);
        MemorySegment o = MemorySegment.ofArray(out).asSlice((long) outOff * Float.BYTES);
        try {
            f16.invokeExact(w.data(), (long) w.cols(), w.cols(), r0, r1, xs, n, o, outStride);
        } catch (Throwable t) {
            throw new IllegalStateException("native kernel on tensor " + w.name() + " failed: " + t, t);
        }
    }

    /** Whether {@link #interleave} takes weights of {@code type}. */
    static boolean interleaves(GgmlType type) {
        return type == GgmlType.Q8_0 || type == GgmlType.Q4_0;
    }

    /**
     * {@code w} (file order, Q8_0 or Q4_0, rows a multiple of 16, checked by the caller) copied into {@code arena}
     * in the {@link Tensor.Layout#INTERLEAVED_16} layout (engine-native's "x16" layout). When {@code w} lies in a
     * mapped file, the whole pages inside it then leave this process's resident set (madvise DONTNEED: the engine
     * maps GGUF files read-only and shared, so they stay in the page cache and nothing is lost); the model's memory
     * is then the copy, not the copy plus the file's pages.
     */
    Tensor interleave(Tensor w, java.lang.foreign.Arena arena) {
        long bytes = (long) w.rows() * w.rowBytes();
        MemorySegment dst = arena.allocate(bytes, 64);
        MethodHandle h = w.type() == GgmlType.Q8_0 ? q8_0pack : q4_0pack;
        try {
            h.invokeExact(w.data(), w.rowBytes(), w.rows(), w.cols(), dst, w.data().isMapped() ? 1 : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("interleaving tensor " + w.name() + " failed: " + t, t);
        }
        return new Tensor(w.name(), w.type(), w.dims(), dst, Tensor.Layout.INTERLEAVED_16);
    }

    /**
     * As {@link #matMul}, for a tensor in the {@link Tensor.Layout#INTERLEAVED_16} layout and Q8_0 activations
     * (with their block sums).
     */
    void matMulInterleaved(Tensor w, int r0, int r1, QuantizedRows x, int xRow, int n, float[] out, int outOff,
                           long outStride) {
        int blocks = x.cols / 32;
        MemorySegment xq = MemorySegment.ofArray(x.int8).asSlice((long) xRow * x.cols);
        MemorySegment xd = MemorySegment.ofArray(x.d).asSlice((long) xRow * blocks * Float.BYTES);
        MemorySegment xs = MemorySegment.ofArray(x.blockSums).asSlice((long) xRow * blocks * Integer.BYTES);
        MemorySegment o = MemorySegment.ofArray(out).asSlice((long) outOff * Float.BYTES);
        MethodHandle h = w.type() == GgmlType.Q8_0 ? q8_0x16 : q4_0x16;
        try {
            h.invokeExact(w.data(), w.cols(), r0, r1, xq, xd, xs, n, o, outStride);
        } catch (Throwable t) {
            throw new IllegalStateException("native kernel on tensor " + w.name() + " failed: " + t, t);
        }
    }

    @Override
    public String toString() {
        return "native " + level + " (" + file.getFileName() + ")";
    }
}
