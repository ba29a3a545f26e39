package io.stellarchat.server.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Embeddings per (model, version, dimensions, input): a batch with some inputs cached computes only the rest
 * (the API splits it). Vectors are stored as little-endian float32.
 *
 * <p>Threads: any.
 */
public final class EmbeddingCache {
    static final String NAME = "embeddings";
    private final CacheTiers tiers;

    public EmbeddingCache(CacheTiers tiers) {
        this.tiers = tiers;
    }

    /**
     * The key of one input: the model, its version, the requested dimensions, the caller's owner (a hit must not
     * tell one tenant that another embedded this text) and the input itself.
     */
    public static String key(String model, String version, Integer dimensions, String owner, String input) {
        return ResponseCache.key(model, version + "|" + (dimensions == null ? "" : dimensions), owner + "\u0000" + input);
    }

    /** The cached vector under {@code key}, if any. */
    public Optional<float[]> get(String key) {
        return tiers.get(NAME, key).filter(b -> b.length % 4 == 0).map(b -> {
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.length / 4];
            buf.asFloatBuffer().get(v);
            return v;
        });
    }

    /** Stores {@code vector} under {@code key}. */
    public void put(String key, float[] vector) {
        ByteBuffer buf = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(vector);
        tiers.put(NAME, key, buf.array());
    }
}
