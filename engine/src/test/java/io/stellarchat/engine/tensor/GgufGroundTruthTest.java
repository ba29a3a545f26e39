package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.gguf.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ground truth from llama.cpp: the synthetic models in {@code testdata/engine/models} were written once in F32
 * and then converted by {@code llama-quantize}. Dequantizing each converted tensor must give back the F32
 * tensor up to that type's quantization error: a wrong element order or bit layout gives errors as large as
 * the weights themselves (relative RMS near 1.4), far above the per-type bounds below. F16 and BF16 are
 * round-to-nearest-even conversions, so they must match bit for bit.
 *
 * <p>The tiny GGUF directory reader here is test scaffolding (the engine's reader lives in {@code gguf}).
 */
class GgufGroundTruthTest {

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Largest relative RMS error (|deq - f32|_2 / |f32|_2) llama-quantize's output may show per type. */
    static final Map<GgmlType, Double> BOUND = new EnumMap<>(Map.ofEntries(
            Map.entry(GgmlType.Q8_0, 0.01), Map.entry(GgmlType.Q6_K, 0.03),
            Map.entry(GgmlType.Q5_0, 0.06), Map.entry(GgmlType.Q5_1, 0.06), Map.entry(GgmlType.Q5_K, 0.06),
            Map.entry(GgmlType.Q4_0, 0.12), Map.entry(GgmlType.Q4_1, 0.12), Map.entry(GgmlType.Q4_K, 0.12),
            Map.entry(GgmlType.Q3_K, 0.25), Map.entry(GgmlType.Q2_K, 0.45)));

    record Info(GgmlType type, long[] dims, long offset) {}

    record Gguf(MemorySegment data, Map<String, Info> tensors) {
        Tensor tensor(String name) {
            Info i = tensors.get(name);
            long bytes = i.type().byteSize(java.util.Arrays.stream(i.dims()).reduce(1, (a, b) -> a * b));
            return new Tensor(name, i.type(), i.dims(), data.asSlice(i.offset(), bytes));
        }
    }

    static Path models() {
        return Path.of(System.getProperty("stellar.shared", "../shared"), "testdata", "engine", "models");
    }

    static Gguf open(Path file, Arena arena) throws IOException {
        MemorySegment s;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            s = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        long[] pos = {0};
        assertEquals(0x46554747, s.get(U32, 0), "GGUF magic");
        pos[0] = 8;
        long nTensors = s.get(U64, pos[0]);
        long nKv = s.get(U64, pos[0] + 8);
        pos[0] += 16;
        long alignment = 32;
        for (long k = 0; k < nKv; k++) {
            String key = string(s, pos);
            int type = s.get(U32, pos[0]);
            pos[0] += 4;
            if (key.equals("general.alignment")) {
                alignment = s.get(U32, pos[0]);
            }
            skipValue(s, pos, type);
        }
        Map<String, Info> infos = new LinkedHashMap<>();
        for (long t = 0; t < nTensors; t++) {
            String name = string(s, pos);
            int nDims = s.get(U32, pos[0]);
            pos[0] += 4;
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = s.get(U64, pos[0]);
                pos[0] += 8;
            }
            GgmlType type = GgmlType.byId(s.get(U32, pos[0]));
            long offset = s.get(U64, pos[0] + 4);
            pos[0] += 12;
            infos.put(name, new Info(type, dims, offset));
        }
        long dataStart = (pos[0] + alignment - 1) / alignment * alignment;
        return new Gguf(s.asSlice(dataStart), infos);
    }

    static String string(MemorySegment s, long[] pos) {
        long len = s.get(U64, pos[0]);
        byte[] b = s.asSlice(pos[0] + 8, len).toArray(ValueLayout.JAVA_BYTE);
        pos[0] += 8 + len;
        return new String(b, StandardCharsets.UTF_8);
    }

    static void skipValue(MemorySegment s, long[] pos, int type) {
        switch (type) {
            case 0, 1, 7 -> pos[0] += 1;
            case 2, 3 -> pos[0] += 2;
            case 4, 5, 6 -> pos[0] += 4;
            case 10, 11, 12 -> pos[0] += 8;
            case 8 -> string(s, pos);
            case 9 -> {
                int elem = s.get(U32, pos[0]);
                long n = s.get(U64, pos[0] + 4);
                pos[0] += 12;
                for (long i = 0; i < n; i++) {
                    skipValue(s, pos, elem);
                }
            }
            default -> throw new IllegalStateException("unknown GGUF value type " + type);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_m", "q4_k_m",
            "q5_k_m", "q6_k"})
    void dequantizedTensorsReproduceTheF32Model(String variant) throws IOException {
        Kernels scalar = Kernels.scalar();
        Kernels vector = Kernels.vector();
        try (Arena arena = Arena.ofConfined()) {
            Gguf f32 = open(models().resolve("synth-llama-f32.gguf"), arena);
            Gguf quant = open(models().resolve("synth-llama-" + variant + ".gguf"), arena);
            int checked = 0;
            for (String name : quant.tensors().keySet()) {
                Tensor q = quant.tensor(name);
                if (q.type() == GgmlType.F32) {
                    continue; // norms stay F32 in every file
                }
                Tensor ref = f32.tensor(name);
                float[] want = new float[q.cols()];
                float[] got = new float[q.cols()];
                float[] viaVector = new float[q.cols()];
                double err2 = 0;
                double ref2 = 0;
                for (int r = 0; r < q.rows(); r++) {
                    scalar.dequantizeRow(ref, r, want, 0);
                    scalar.dequantizeRow(q, r, got, 0);
                    vector.dequantizeRow(q, r, viaVector, 0);
                    assertTrue(java.util.Arrays.equals(got, viaVector), name + " row " + r);
                    for (int c = 0; c < want.length; c++) {
                        if (q.type() == GgmlType.F16) {
                            assertEquals(Float.float16ToFloat(Float.floatToFloat16(want[c])), got[c], 0f, name);
                        } else if (q.type() == GgmlType.BF16) {
                            assertEquals(Float.intBitsToFloat(Quantizer.toBf16(want[c]) << 16), got[c], 0f, name);
                        }
                        err2 += (double) (got[c] - want[c]) * (got[c] - want[c]);
                        ref2 += (double) want[c] * want[c];
                    }
                }
                double rel = Math.sqrt(err2 / ref2);
                double bound = BOUND.getOrDefault(q.type(), 0.01);
                assertTrue(rel < bound, name + " (" + q.type() + ") relative RMS error " + rel + " >= " + bound);
                checked++;
            }
            assertTrue(checked >= 7, "quantized tensors checked: " + checked);
        }
    }
}
