package io.stellarchat.server.config;

import java.util.List;

/**
 * The configuration cannot be used. Carries every problem found (not just the first), each naming the key,
 * the value, where the value came from and what is allowed.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        if (problems.size() == 1) return "invalid configuration: " + problems.getFirst();
        return "invalid configuration (" + problems.size() + " problems):\n  " + String.join("\n  ", problems);
    }
}
