package io.stellarchat.server.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The direction of dependencies between packages, checked by reading the sources' imports (and fully qualified
 * names in code): a rule nobody checks erodes. See docs/ARCHITECTURE.md.
 */
class DependencyRulesTest {
    private static final Path MAIN = Path.of("src/main/java/io/stellarchat/server");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.stellarchat\\.(engine|server)((?:\\.[a-z][a-z0-9]*)*)");

    /** Every reference to one of our packages in the files under {@code dir}: "file → package". */
    private static List<String> references(String dir, String forbiddenPrefix) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve(dir))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String src = Files.readString(f);
                Matcher m = REFERENCE.matcher(src);
                while (m.find()) {
                    String pkg = "io.stellarchat." + m.group(1) + m.group(2);
                    if (pkg.startsWith(forbiddenPrefix)) {
                        out.add(MAIN.relativize(f) + " → " + pkg);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void noApiClassUsesTheEngine() throws IOException {
        assertTrue(Files.isDirectory(MAIN.resolve("api")), "run from the server module");
        assertEquals(List.of(), references("api", "io.stellarchat.engine"));
    }

    @Test
    void theConversationCodeUsesNeitherTheEngineNorTheApi() throws IOException {
        assertEquals(List.of(), references("conversation", "io.stellarchat.engine"));
        assertEquals(List.of(), references("conversation", "io.stellarchat.server.api"));
    }

    @Test
    void theProtocolImportsNothingOfOurs() throws IOException {
        List<String> refs = references("protocol", "io.stellarchat");
        refs.removeIf(r -> r.endsWith("→ io.stellarchat.server.protocol"));
        assertEquals(List.of(), refs);
    }

    @Test
    void onlyTheLocalProviderAndTheCommandLineUseTheEngine() throws IOException {
        List<String> refs = new ArrayList<>();
        for (String dir : List.of("api", "chat", "conversation", "protocol", "observe")) {
            refs.addAll(references(dir, "io.stellarchat.engine"));
        }
        assertEquals(List.of(), refs);
    }

    @Test
    void theChatStoreAndTheGatewayDoNotImportEachOther() throws IOException {
        assertEquals(List.of(), references("chat", "io.stellarchat.server.gateway"));
        assertEquals(List.of(), references("gateway", "io.stellarchat.server.chat"));
    }
}
