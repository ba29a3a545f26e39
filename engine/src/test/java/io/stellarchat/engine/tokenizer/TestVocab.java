package io.stellarchat.engine.tokenizer;

import io.stellarchat.engine.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Path;

/** Loads test vocabularies through the engine's GGUF reader; an unreadable file fails the test. */
final class TestVocab {
    private TestVocab() {}

    static Vocabulary load(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            return Vocabulary.fromMetadata(gguf.metadata());
        }
    }

    static Tokenizer tokenizer(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizer.fromGguf(gguf.metadata());
        }
    }
}
