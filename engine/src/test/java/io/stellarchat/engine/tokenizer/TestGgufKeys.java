package io.stellarchat.engine.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * TEST-ONLY minimal GGUF metadata reader: just enough to read the {@code tokenizer.*} keys of the test vocab
 * files until the engine's GGUF reader ({@code io.stellarchat.engine.gguf}) is wired in through
 * {@code Vocabulary.fromMetadata}. It reads the header and the key/value section (v1: u32 counts and lengths;
 * v2/v3: u64) and stops before the tensor directory. Any malformed input fails loudly.
 */
final class TestGgufKeys implements MetadataView {
    private final Map<String, Object> values = new HashMap<>();

    private TestGgufKeys() {}

    static Vocabulary vocabulary(Path file) throws IOException {
        return Vocabulary.fromMetadata(read(file));
    }

    static TestGgufKeys read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x46554747) { // "GGUF"
            throw new IOException(file + ": not a GGUF file");
        }
        int version = b.getInt();
        boolean v1 = version == 1;
        long tensors = v1 ? Integer.toUnsignedLong(b.getInt()) : b.getLong();
        long kvs = v1 ? Integer.toUnsignedLong(b.getInt()) : b.getLong();
        if (tensors < 0 || kvs < 0 || kvs > 1_000_000) {
            throw new IOException(file + ": bad counts");
        }
        TestGgufKeys keys = new TestGgufKeys();
        for (long i = 0; i < kvs; i++) {
            String key = string(b, v1);
            int type = b.getInt();
            keys.values.put(key, value(b, type, v1));
        }
        return keys;
    }

    private static long length(ByteBuffer b, boolean v1) {
        return v1 ? Integer.toUnsignedLong(b.getInt()) : b.getLong();
    }

    private static String string(ByteBuffer b, boolean v1) {
        long n = length(b, v1);
        if (n < 0 || n > b.remaining()) {
            throw new IllegalStateException("string length " + n + " beyond end of file");
        }
        byte[] s = new byte[(int) n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type, boolean v1) {
        return switch (type) {
            case 0 -> (long) Byte.toUnsignedInt(b.get());
            case 1 -> (long) b.get();
            case 2 -> (long) Short.toUnsignedInt(b.getShort());
            case 3 -> (long) b.getShort();
            case 4 -> Integer.toUnsignedLong(b.getInt());
            case 5 -> (long) b.getInt();
            case 6 -> b.getFloat();
            case 7 -> b.get() != 0;
            case 8 -> string(b, v1);
            case 9 -> array(b, v1);
            case 10, 11 -> b.getLong();
            case 12 -> b.getDouble();
            default -> throw new IllegalStateException("unknown GGUF value type " + type);
        };
    }

    private static Object array(ByteBuffer b, boolean v1) {
        int type = b.getInt();
        long n = length(b, v1);
        if (n < 0 || n > b.remaining()) {
            throw new IllegalStateException("array length " + n + " beyond end of file");
        }
        int len = (int) n;
        return switch (type) {
            case 8 -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) {
                    a[i] = string(b, v1);
                }
                yield a;
            }
            case 6 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) {
                    a[i] = b.getFloat();
                }
                yield a;
            }
            case 4, 5 -> {
                int[] a = new int[len];
                for (int i = 0; i < len; i++) {
                    a[i] = b.getInt();
                }
                yield a;
            }
            default -> {
                Object[] a = new Object[len];
                for (int i = 0; i < len; i++) {
                    a[i] = value(b, type, v1);
                }
                yield a;
            }
        };
    }

    @Override
    public boolean has(String key) {
        return values.containsKey(key);
    }

    private Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing key " + key);
        }
        return v;
    }

    @Override
    public String string(String key) {
        return (String) get(key);
    }

    @Override
    public long integer(String key) {
        return (Long) get(key);
    }

    @Override
    public boolean bool(String key) {
        return (Boolean) get(key);
    }

    @Override
    public String[] strings(String key) {
        return (String[]) get(key);
    }

    @Override
    public float[] floats(String key) {
        Object v = get(key);
        if (v instanceof int[] ints) {
            float[] f = new float[ints.length];
            for (int i = 0; i < ints.length; i++) {
                f[i] = ints[i];
            }
            return f;
        }
        return (float[]) v;
    }

    @Override
    public int[] ints(String key) {
        return (int[]) get(key);
    }
}
