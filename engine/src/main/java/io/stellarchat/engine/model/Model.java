package io.stellarchat.engine.model;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufMetadata;
import io.stellarchat.engine.tensor.ComputePool;
import io.stellarchat.engine.tensor.Kernels;
import io.stellarchat.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * A loaded model: its metadata, hyper-parameters, tokenizer and forward pass. The weights stay in the
 * memory-mapped GGUF file for the life of this object, except those the kernels copy into their own layout at
 * load ({@link Kernels#prepareWeights}), which live in {@link #prepared}; {@link #close()} unmaps and frees both
 * (idempotent).
 *
 * <p>Threads: the metadata, config and tokenizer are immutable and safe to share. The {@link Transformer}
 * has one owner at a time (the generation or engine loop that runs it).
 */
public final class Model implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Model.class.getName());

    private final GgufFile file;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final Transformer transformer; // null for an encoder
    private final Encoder encoder;         // null for a decoder
    private final Kernels kernels;
    private final ComputePool pool;
    private final boolean ownsPool;
    private final String name;
    private final Arena prepared; // the kernels' copies of weights (prepareWeights), freed by close()
    private boolean closed;

    private Model(String name, GgufFile file, ModelConfig config, Tokenizer tokenizer, Transformer transformer,
                  Encoder encoder, Kernels kernels, ComputePool pool, boolean ownsPool, Arena prepared) {
        this.prepared = prepared;
        this.encoder = encoder;
        this.name = name;
        this.file = file;
        this.config = config;
        this.tokenizer = tokenizer;
        this.transformer = transformer;
        this.kernels = kernels;
        this.pool = pool;
        this.ownsPool = ownsPool;
    }

    /** Loads with one compute thread per core and kernels chosen from the CPU. */
    public static Model load(Path path) throws IOException {
        return load(path, ModelOptions.defaults());
    }

    /**
     * Opens the GGUF file, picks the architecture from {@code general.architecture}, reads the
     * hyper-parameters, binds the weights and builds the tokenizer.
     *
     * @throws io.stellarchat.engine.gguf.GgufFormatException when the file is not valid GGUF
     * @throws ModelLoadException when it is valid but cannot be run (naming the key or tensor)
     */
    public static Model load(Path path, ModelOptions options) throws IOException {
        GgufFile file = GgufFile.open(path);
        ComputePool pool = null;
        boolean ownsPool = options.pool() == null;
        Arena prepared = Arena.ofShared();
        try {
            String archName = file.metadata().getString("general.architecture", "");
            if (archName.isEmpty()) {
                throw new ModelLoadException("metadata key 'general.architecture' is missing");
            }
            Architecture arch = Architectures.find(archName).orElseThrow(() -> new ModelLoadException(
                    "architecture '" + archName + "' is not supported (supported: " + Architectures.names() + ")"));
            ModelConfig config = arch.readConfig(file);
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new ModelLoadException("tokenizer has " + tokenizer.vocabSize()
                        + " tokens but token_embd.weight has only " + config.vocabSize() + " rows");
            }
            Kernels kernels = options.kernels() != null ? options.kernels() : Kernels.select();
            int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
            pool = ownsPool ? ComputePool.withParallelism(threads) : options.pool(); // threads - 1 workers + caller
            Transformer transformer = null;
            Encoder encoder = null;
            if (arch instanceof EncoderArchitecture ea) {
                EncoderConfig ec = ea.readEncoderConfig(file);
                encoder = new Encoder(ec, ea.bindEncoderWeights(file, ec), kernels, pool);
            } else {
                ModelWeights weights = arch.bindWeights(file, config).map(t -> kernels.prepareWeights(t, prepared));
                transformer = new Transformer(config, weights, kernels, pool);
            }
            String fn = path.getFileName().toString();
            String name = file.metadata().getString("general.name", fn.endsWith(".gguf") ? fn.substring(0, fn.length() - 5) : fn);
            // The one start-up line naming the kernels: path, float species, activation precision, integer width.
            LOG.info(() -> "model " + name + ": kernels " + kernels.description() + ", " + threads + " threads");
            return new Model(name, file, config, tokenizer, transformer, encoder, kernels, pool, ownsPool, prepared);
        } catch (IOException | RuntimeException e) {
            if (ownsPool && pool != null) {
                pool.close();
            }
            prepared.close();
            file.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public GgufMetadata metadata() {
        return file.metadata();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The forward pass of a decoder; one owner thread at a time.
     *
     * @throws IllegalStateException for an encoder model (see {@link #isEncoder()})
     */
    public Transformer transformer() {
        if (transformer == null) {
            throw new IllegalStateException("model " + name + " is an encoder (" + config.architecture()
                    + "): it embeds and ranks, it does not generate");
        }
        return transformer;
    }

    /** Whether this is an encoder (embedding or reranking model) rather than a decoder. */
    public boolean isEncoder() {
        return encoder != null;
    }

    /**
     * The forward pass of an encoder; one owner thread at a time.
     *
     * @throws IllegalStateException for a decoder model
     */
    public Encoder encoder() {
        if (encoder == null) {
            throw new IllegalStateException("model " + name + " is a decoder (" + config.architecture() + "), not an encoder");
        }
        return encoder;
    }

    public Kernels kernels() {
        return kernels;
    }

    public Path path() {
        return file.path();
    }

    /** Size of the GGUF file in bytes (the weights are mapped, not copied). */
    public long fileSize() {
        return file.fileSize();
    }

    /** {@code general.name} if present, else the file name without extension. */
    public String name() {
        return name;
    }

    /** A fresh KV cache for one sequence of at most {@code contextLength} tokens. */
    public KvCache newKvCache(int contextLength) {
        return new KvCache(config, contextLength);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsPool) {
            pool.close();
        }
        file.close();
        prepared.close();
    }
}
