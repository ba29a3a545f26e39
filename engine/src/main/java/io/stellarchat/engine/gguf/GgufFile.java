package io.stellarchat.engine.gguf;

import io.stellarchat.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open GGUF file: its checked header (version, metadata, tensor directory) and its tensor data,
 * memory-mapped read-only with FFM. Weights stay in the page cache; the heap holds only the header.
 *
 * <p>Ownership: the mapping belongs to a shared {@link Arena} owned by this object, so the
 * {@link Tensor}s handed out may be read from any thread (the compute pool) but only until {@link #close()}.
 * After close, reading a tensor segment throws {@link IllegalStateException}; close is idempotent. Everything
 * else is immutable once {@link #open} returns, so an open file may be shared between threads freely.
 *
 * <p>Offsets and sizes are {@code long} throughout: files and tensors over 2 GiB work.
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;          // null when parsed from memory (package-private entry only)
    private final Arena arena;        // null when the caller owns the memory
    private final MemorySegment file; // the whole file
    private final GgufReader.Header header;
    private final MemorySegment data; // file[dataOffset, fileSize)
    private final AtomicBoolean closed = new AtomicBoolean();

    private GgufFile(Path path, Arena arena, MemorySegment file, GgufReader.Header header) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.header = header;
        this.data = file.asSlice(Math.min(header.dataOffset(), file.byteSize()), header.dataSize());
    }

    /**
     * Opens, maps and checks a GGUF v2/v3 file.
     *
     * @throws GgufFormatException if the file is not a well-formed GGUF v2/v3 file (the message names the
     *                             key, tensor or byte offset at fault)
     * @throws IOException         if it cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            if (!Files.exists(path)) {
                throw new java.nio.file.NoSuchFileException(path.toString());
            }
            throw new IOException(path + ": not a regular file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufReader.Header header = GgufReader.parse(whole, path.toString());
            return new GgufFile(path, arena, whole, header);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses a GGUF file already in memory. The caller owns {@code contents} and keeps it alive while the
     * result is used; {@link #close()} does not free it. Used by tests that mutate files in memory.
     */
    static GgufFile parse(MemorySegment contents, String source) throws GgufFormatException {
        return parse(contents, source, GgufReader.DEFAULT_HEAP_BUDGET);
    }

    /** As {@link #parse(MemorySegment, String)} with a given budget of heap for the header. */
    static GgufFile parse(MemorySegment contents, String source, long heapBudget) throws GgufFormatException {
        return new GgufFile(null, null, contents, GgufReader.parse(contents, source, heapBudget));
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** GGUF version: 2 or 3. */
    public int version() {
        return header.version();
    }

    /** {@code general.alignment}, or 32: the alignment of the data region and of every tensor offset. */
    public long alignment() {
        return header.alignment();
    }

    /**
     * File byte at which the tensor data region starts: the header end rounded up to {@link #alignment()}.
     * A file without tensors may end before it (vocabulary-only files have no padding); {@link #data()} is
     * then empty.
     */
    public long dataOffset() {
        return header.dataOffset();
    }

    /** File byte at which the header (metadata and tensor directory) ends, before padding. */
    public long headerEnd() {
        return header.headerEnd();
    }

    public long fileSize() {
        return file.byteSize();
    }

    public GgufMetadata metadata() {
        return header.metadata();
    }

    /** The tensor directory in file order. */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(header.tensorsByName().get(name));
    }

    /**
     * The tensor named {@code name}, its data a slice of the mapping (no copy).
     *
     * @throws GgufFormatException   naming the tensor if the file has none of that name
     * @throws IllegalStateException if this file is closed
     */
    public Tensor tensor(String name) throws GgufFormatException {
        GgufTensorInfo info = header.tensorsByName().get(name);
        if (info == null) {
            throw new GgufFormatException(source() + ": no tensor named '" + name + "'");
        }
        return tensor(info);
    }

    /** The tensor described by {@code info}, which must come from this file's {@link #tensors()}. */
    public Tensor tensor(GgufTensorInfo info) {
        checkOpen();
        if (!info.equals(header.tensorsByName().get(info.name()))) {
            throw new IllegalArgumentException(info.name() + " is not a tensor of " + source());
        }
        return new Tensor(info.name(), info.type(), info.dims(), data.asSlice(info.offset(), info.byteSize()));
    }

    /** The whole tensor data region, {@code [dataOffset(), fileSize())} of the file. */
    public MemorySegment data() {
        checkOpen();
        return data;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Unmaps the file. Idempotent. Tensor segments handed out before become unreadable. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && arena != null) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + source() + ", v" + version() + ", " + metadata().size() + " keys, " + tensors().size()
                + " tensors, data at " + dataOffset() + "]";
    }

    Map<String, GgufTensorInfo> tensorsByName() {
        return header.tensorsByName();
    }

    private String source() {
        return path == null ? "<memory>" : path.toString();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException(source() + " is closed");
        }
    }
}
