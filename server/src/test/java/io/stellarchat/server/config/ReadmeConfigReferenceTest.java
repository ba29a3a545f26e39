package io.stellarchat.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration reference, the example file and {@link ConfigKeys} cannot drift apart: every
 * key, env var, default and allowed-values text in the code is in the README table and vice versa; the
 * example file loads and mentions every key; the README opens with the two set-up commands.
 */
class ReadmeConfigReferenceTest {
    private static final Pattern ROW = Pattern.compile(
            "^\\| `([a-z_.]+)` \\| (`STELLAR_[A-Z_]+`|\\(YAML only\\)) \\| (`[^`]*`|\\(empty\\)) \\| ([^|]+) \\| ([^|]+) \\|$");

    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.exists(p.resolve("mvnw")) && Files.exists(p.resolve("README.md")))) p = p.getParent();
        if (p == null) throw new IllegalStateException("project root with README.md not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    record Row(String env, String defaultText, String allowed, String description) {}

    static Map<String, Row> table(String readme) {
        String section = readme.substring(readme.indexOf("### Reference"));
        int next = section.indexOf("\n## ");
        if (next > 0) section = section.substring(0, next);
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : section.lines().toList()) {
            if (!line.startsWith("| `")) continue;
            Matcher m = ROW.matcher(line);
            assertTrue(m.matches(), "README reference row does not have the expected form: " + line);
            String env = m.group(2).startsWith("`") ? m.group(2).replace("`", "") : "";
            String def = m.group(3).equals("(empty)") ? "" : m.group(3).replace("`", "");
            Row previous = rows.put(m.group(1), new Row(env, def, m.group(4).strip(), m.group(5).strip()));
            assertEquals(null, previous, "key listed twice: " + m.group(1));
        }
        return rows;
    }

    @Test
    void readmeTableMatchesConfigKeysBothWays() throws IOException {
        Map<String, Row> rows = table(Files.readString(root().resolve("README.md")));
        assertEquals(ConfigKeys.ALL.stream().map(ConfigKey::path).toList(), List.copyOf(rows.keySet()),
                "README rows and ConfigKeys.ALL must list the same keys in the same order");
        for (ConfigKey key : ConfigKeys.ALL) {
            Row row = rows.get(key.path());
            assertEquals(new Row(key.envVar(), key.defaultText(), key.allowed(), key.description()), row, key.path());
        }
    }

    @Test
    void everyStellarVariableInTheReadmeIsKnown() throws IOException {
        String readme = Files.readString(root().resolve("README.md"));
        Set<String> known = new TreeSet<>(ConfigKeys.OTHER_ENV);
        ConfigKeys.ALL.stream().map(ConfigKey::envVar).filter(s -> !s.isEmpty()).forEach(known::add);
        Matcher m = Pattern.compile("STELLAR_[A-Z_]+").matcher(readme);
        Set<String> mentioned = new TreeSet<>();
        while (m.find()) mentioned.add(m.group());
        mentioned.removeAll(known);
        assertEquals(Set.of(), mentioned, "README mentions environment variables the code does not know");
        assertTrue(readme.contains("STELLAR_SERVER_MAX_BODY_BYTES"));
    }

    @Test
    void exampleFileLoadsToTheDefaultsAndMentionsEveryKey() throws IOException {
        Path example = root().resolve("stellar.example.yaml");
        LoadedConfig loaded = ConfigLoader.load(new ConfigInputs(example, Map.of(), Map.of(), root()));
        assertEquals(StellarConfig.defaults(), loaded.config(), "the example shows the defaults");
        String text = Files.readString(example);
        for (ConfigKey key : ConfigKeys.ALL) {
            assertTrue(text.contains("\n" + key.section() + ":") || text.startsWith(key.section() + ":"), key.section());
            // A top-level key (providers) is its own section, written at the start of a line.
            String indent = key.topLevel() ? "" : "\\s+";
            assertTrue(Pattern.compile("(?m)^" + indent + Pattern.quote(key.name()) + ":").matcher(text).find(),
                    "stellar.example.yaml lacks " + key.path());
        }
    }

    @Test
    void readmeOpensWithTheTwoSetUpCommands() throws IOException {
        List<String> lines = Files.readString(root().resolve("README.md")).lines().toList();
        assertTrue(lines.get(0).startsWith("# "), "title line first");
        int i = 1;
        while (lines.get(i).isBlank()) i++;
        // The server command serves the shared test model, so a newcomer can chat at once.
        assertEquals(List.of("```sh", "./stellar serve --model ../shared/models/stories260K.gguf", "./stellar test", "```"),
                lines.subList(i, i + 4));
    }

    @Test
    void ciRunsTheReadmeTestCommand() throws IOException {
        String ci = Files.readString(root().resolve(".ci/run"));
        assertTrue(ci.lines().anyMatch(l -> l.strip().equals("./stellar test")), ci);
    }
}
