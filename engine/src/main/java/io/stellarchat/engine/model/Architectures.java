package io.stellarchat.engine.model;

import io.stellarchat.engine.model.bert.BertArchitecture;
import io.stellarchat.engine.model.llama.LlamaArchitecture;
import io.stellarchat.engine.model.nomicbert.NomicBertArchitecture;
import io.stellarchat.engine.model.qwen2.Qwen2Architecture;
import io.stellarchat.engine.model.qwen3.Qwen3Architecture;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The table of supported architectures, keyed by {@code general.architecture}. */
public final class Architectures {
    private static final Map<String, Architecture> TABLE = List.<Architecture>of(
                    new LlamaArchitecture(),
                    new Qwen2Architecture(),
                    new Qwen3Architecture(),
                    new BertArchitecture(),
                    new NomicBertArchitecture())
            .stream()
            .collect(Collectors.toUnmodifiableMap(Architecture::name, Function.identity()));

    private Architectures() {}

    /** The architecture registered under {@code name}. */
    public static Optional<Architecture> find(String name) {
        return Optional.ofNullable(TABLE.get(name));
    }

    /** Names of every supported architecture, sorted. */
    public static List<String> names() {
        return TABLE.keySet().stream().sorted().toList();
    }
}
