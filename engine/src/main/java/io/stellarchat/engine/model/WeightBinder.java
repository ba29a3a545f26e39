package io.stellarchat.engine.model;

import io.stellarchat.engine.gguf.GgmlType;
import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufTensorInfo;
import io.stellarchat.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Binds GGUF tensors to a model's weights by name, checking each shape against the {@link ModelConfig}.
 * Matrices stay as {@link Tensor} views of the mapped file; 1-D vectors (norms, biases, rope factors) are
 * decoded to float arrays (they are tiny).
 */
final class WeightBinder {
    /** Weight types the kernels compute with. */
    static final Set<GgmlType> MATRIX_TYPES = EnumSet.of(
            GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
            GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K,
            GgmlType.Q6_K);

    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgufFile file;
    private final ModelConfig c;

    WeightBinder(GgufFile file, ModelConfig config) {
        this.file = file;
        this.c = config;
    }

    /** The Llama-family layout: {@code token_embd}, {@code blk.N.*}, {@code output_norm}, {@code output}. */
    ModelWeights bindLlamaFamily() throws IOException {
        Tensor embd = matrix("token_embd.weight", c.dim(), c.vocabSize());
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            layers.add(new LayerWeights(
                    vector(p + "attn_norm.weight", c.dim()),
                    matrix(p + "attn_q.weight", c.dim(), c.qDim()),
                    matrix(p + "attn_k.weight", c.dim(), c.kvDim()),
                    matrix(p + "attn_v.weight", c.dim(), c.kvDim()),
                    matrix(p + "attn_output.weight", c.qDim(), c.dim()),
                    c.qkvBias() ? vector(p + "attn_q.bias", c.qDim()) : null,
                    c.qkvBias() ? vector(p + "attn_k.bias", c.kvDim()) : null,
                    c.qkvBias() ? vector(p + "attn_v.bias", c.kvDim()) : null,
                    c.qkNorm() ? vector(p + "attn_q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? vector(p + "attn_k_norm.weight", c.headDim()) : null,
                    vector(p + "ffn_norm.weight", c.dim()),
                    matrix(p + "ffn_gate.weight", c.dim(), c.ffnDim()),
                    matrix(p + "ffn_up.weight", c.dim(), c.ffnDim()),
                    matrix(p + "ffn_down.weight", c.ffnDim(), c.dim())));
        }
        float[] outNorm = vector("output_norm.weight", c.dim());
        Tensor output = file.findTensor("output.weight").isPresent()
                ? matrix("output.weight", c.dim(), c.vocabSize())
                : embd; // tied embeddings
        float[] ropeFreqs = file.findTensor("rope_freqs.weight").isPresent()
                ? vector("rope_freqs.weight", c.ropeDims() / 2)
                : null;
        return new ModelWeights(embd, List.copyOf(layers), outNorm, output, ropeFreqs);
    }

    /**
     * The BERT-family layout (llama.cpp's tensor names): {@code token_embd}, {@code token_types},
     * {@code position_embd} (learned positions), {@code token_embd_norm}, {@code blk.N.*} with post-LayerNorms
     * {@code attn_output_norm} and {@code layer_output_norm}, and the optional classifier head {@code cls},
     * {@code cls.output}.
     */
    EncoderWeights bindEncoder(EncoderConfig e) throws IOException {
        int d = e.dim();
        int f = e.ffnDim();
        Tensor embd = matrix("token_embd.weight", d, e.vocabSize());
        Tensor types = require("token_types.weight").dims().length == 1
                ? vectorTensor("token_types.weight", d)
                : matrix("token_types.weight", d, e.tokenTypes());
        Tensor pos = e.rotary() ? null : matrix("position_embd.weight", d, e.contextLength());
        List<EncoderWeights.Layer> layers = new ArrayList<>(e.layers());
        for (int i = 0; i < e.layers(); i++) {
            String p = "blk." + i + ".";
            boolean bert = !e.fusedQkv();
            layers.add(new EncoderWeights.Layer(
                    e.fusedQkv() ? matrix(p + "attn_qkv.weight", d, 3 * d) : null,
                    bert ? matrix(p + "attn_q.weight", d, d) : null,
                    bert ? matrix(p + "attn_k.weight", d, d) : null,
                    bert ? matrix(p + "attn_v.weight", d, d) : null,
                    bert ? vector(p + "attn_q.bias", d) : null,
                    bert ? vector(p + "attn_k.bias", d) : null,
                    bert ? vector(p + "attn_v.bias", d) : null,
                    matrix(p + "attn_output.weight", d, d),
                    optionalVector(p + "attn_output.bias", d),
                    vector(p + "attn_output_norm.weight", d),
                    vector(p + "attn_output_norm.bias", d),
                    matrix(p + "ffn_up.weight", d, f),
                    e.gatedFfn() ? null : optionalVector(p + "ffn_up.bias", f),
                    e.gatedFfn() ? matrix(p + "ffn_gate.weight", d, f) : null,
                    matrix(p + "ffn_down.weight", f, d),
                    e.gatedFfn() ? null : optionalVector(p + "ffn_down.bias", d),
                    vector(p + "layer_output_norm.weight", d),
                    vector(p + "layer_output_norm.bias", d)));
        }
        Tensor cls = null;
        float[] clsBias = null;
        Tensor clsOut = null;
        float[] clsOutBias = null;
        if (file.findTensor("cls.weight").isPresent()) {
            cls = matrix("cls.weight", d, d);
            clsBias = vector("cls.bias", d);
            if (file.findTensor("cls.output.weight").isPresent()) {
                long[] od = require("cls.output.weight").dims();
                int labels = od.length == 2 ? (int) od[1] : 1;
                clsOut = od.length == 1 ? vectorTensor("cls.output.weight", d) : matrix("cls.output.weight", d, labels);
                clsOutBias = vector("cls.output.bias", labels);
            }
        } else if (e.pooling() == Pooling.RANK) {
            throw new ModelLoadException("pooling_type is rank but tensor 'cls.weight' (the classifier head) is missing");
        }
        return new EncoderWeights(embd, types, pos, vector("token_embd_norm.weight", d),
                vector("token_embd_norm.bias", d), List.copyOf(layers), cls, clsBias, clsOut, clsOutBias);
    }

    /** A 1-D tensor of {@code n} elements used as a one-row matrix (a classifier with one label). */
    private Tensor vectorTensor(String name, int n) throws IOException {
        GgufTensorInfo info = require(name);
        if (info.dims()[0] != n || !MATRIX_TYPES.contains(info.type())) {
            throw new ModelLoadException("tensor '" + name + "' has shape " + Arrays.toString(info.dims())
                    + " and type " + info.type() + ", expected [" + n + "] of a supported type");
        }
        Tensor t = file.tensor(name);
        return new Tensor(t.name(), t.type(), new long[] {n, 1}, t.data());
    }

    private float[] optionalVector(String name, int n) throws IOException {
        return file.findTensor(name).isPresent() ? vector(name, n) : null;
    }

    /** A matrix of {@code rows} rows of {@code cols} elements, i.e. GGUF dims {@code [cols, rows]}. */
    Tensor matrix(String name, int cols, int rows) throws IOException {
        GgufTensorInfo info = require(name);
        if (!MATRIX_TYPES.contains(info.type())) {
            throw new ModelLoadException("tensor '" + name + "' has type " + info.type()
                    + ", which the engine does not support (supported: " + MATRIX_TYPES + ")");
        }
        long[] d = info.dims();
        boolean ok = d.length == 2 && d[0] == cols && d[1] == rows
                || d.length == 3 && d[0] == cols && d[1] == rows && d[2] == 1;
        if (!ok) {
            throw new ModelLoadException("tensor '" + name + "' has shape " + Arrays.toString(d)
                    + ", expected [" + cols + ", " + rows + "]");
        }
        return file.tensor(name);
    }

    /** A 1-D vector of {@code n} elements decoded to floats. */
    float[] vector(String name, int n) throws IOException {
        GgufTensorInfo info = require(name);
        long[] d = info.dims();
        long elements = 1;
        for (long x : d) {
            elements *= x;
        }
        if (d[0] != n || elements != n) {
            throw new ModelLoadException("tensor '" + name + "' has shape " + Arrays.toString(d)
                    + ", expected [" + n + "]");
        }
        MemorySegment s = file.tensor(name).data();
        float[] out = new float[n];
        switch (info.type()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = s.get(F32_LE, 4L * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(s.get(I16_LE, 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((s.get(I16_LE, 2L * i) & 0xFFFF) << 16);
                }
            }
            default -> throw new ModelLoadException("tensor '" + name + "' has type " + info.type()
                    + "; vectors must be F32, F16 or BF16");
        }
        return out;
    }

    private GgufTensorInfo require(String name) throws ModelLoadException {
        Optional<GgufTensorInfo> t = file.findTensor(name);
        if (t.isEmpty()) {
            throw new ModelLoadException("tensor '" + name + "' is missing (architecture "
                    + c.architecture() + ")");
        }
        return t.get();
    }
}
