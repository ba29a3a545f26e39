/**
 * Reading and writing GGUF v2/v3 files: header, typed metadata, tensor directory, and the tensor data
 * region memory-mapped with FFM. Every size read from a file is checked against the file before use.
 */
package io.stellarchat.engine.gguf;
