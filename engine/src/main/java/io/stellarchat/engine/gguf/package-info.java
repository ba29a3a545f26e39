/**
 * Reading and writing GGUF v2/v3 files: header, typed metadata, tensor directory, and the tensor data
 * region memory-mapped with FFM, never copied to the heap.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link io.stellarchat.engine.gguf.GgufFile#open(java.nio.file.Path)} maps and checks a file;
 *       {@link io.stellarchat.engine.gguf.GgufFile#metadata()} gives the typed key/values
 *       ({@link io.stellarchat.engine.gguf.GgufMetadata}), {@link io.stellarchat.engine.gguf.GgufFile#tensors()}
 *       the directory ({@link io.stellarchat.engine.gguf.GgufTensorInfo}) and
 *       {@link io.stellarchat.engine.gguf.GgufFile#tensor(String)} a
 *       {@link io.stellarchat.engine.tensor.Tensor} whose data is a slice of the mapping.</li>
 *   <li>{@link io.stellarchat.engine.gguf.GgufWriter} builds a valid GGUF v3 file (tests, synthetic models),
 *       streaming tensor data so multi-GiB files need no heap.</li>
 *   <li>{@link io.stellarchat.engine.gguf.GgmlType} (tensor block layouts) and
 *       {@link io.stellarchat.engine.gguf.GgufValueType} (metadata value types) name the ids the format stores.</li>
 * </ul>
 *
 * <h2>The format (little-endian)</h2>
 * <pre>
 *   u32 magic "GGUF" · u32 version (2, 3) · u64 tensor_count · u64 metadata_kv_count
 *   metadata_kv_count × { string key · u32 value_type · value }      value_type: GgufValueType ids 0..12
 *   tensor_count × { string name · u32 n_dims (1..4) · u64 dims[n_dims] · u32 ggml_type · u64 offset }
 *   zero padding to general.alignment (UINT32, a power of two, default 32)
 *   tensor data: tensor i at data_start + offset_i, each offset a multiple of the alignment
 *   string = u64 length · UTF-8 bytes;  array = u32 element type · u64 count · elements (arrays may nest)
 * </pre>
 * A tensor of shape {@code dims} (innermost first) and type {@code t} takes
 * {@code t.byteSize(product of dims)} bytes; {@code dims[0]} must be a multiple of {@code t.blockSize()}.
 * GGUF v1 (32-bit counts) is refused as too old; big-endian files are recognised by their byte-swapped
 * version and refused with a message saying so.
 *
 * <h2>Untrusted files</h2>
 * A file is untrusted input. Every length, count, dimension, type id and offset is checked against the
 * format and against the bytes the file actually has before it is used or anything is allocated from it;
 * arrays nest at most 8 deep; the parsed header may take at most 512 MiB of heap; tensors must lie inside the file, aligned, without overlapping; keys and
 * tensor names are unique. Any violation is a {@link io.stellarchat.engine.gguf.GgufFormatException}
 * (an {@link java.io.IOException}) whose message names the file and the key, tensor or byte offset, never
 * another exception. Sizes and offsets are {@code long} everywhere, so files over 2 GiB work.
 *
 * <h2>Lifetime and threads</h2>
 * A {@link io.stellarchat.engine.gguf.GgufFile} owns a shared {@link java.lang.foreign.Arena}: its tensors may be
 * read from any thread until {@link io.stellarchat.engine.gguf.GgufFile#close()}; afterwards reads fail with
 * {@link java.lang.IllegalStateException} instead of touching unmapped memory. Header objects are immutable.
 */
package io.stellarchat.engine.gguf;
