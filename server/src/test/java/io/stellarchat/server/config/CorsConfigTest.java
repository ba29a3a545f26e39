package io.stellarchat.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.cors_allowed_origins}: empty by default; a list in YAML, comma-separated in the environment; origins only. */
class CorsConfigTest {
    @TempDir
    Path dir;

    private LoadedConfig load(Path file, Map<String, String> env) {
        return ConfigLoader.load(new ConfigInputs(file, env, Map.of(), dir));
    }

    @Test
    void offByDefaultAndReadFromTheFileAndTheEnvironment() throws IOException {
        assertEquals(List.of(), load(null, Map.of()).config().server().corsAllowedOrigins());
        Path f = Files.writeString(dir.resolve("s.yaml"),
                "server:\n  cors_allowed_origins: [\"https://app.example.com\", \"http://localhost:5173\"]\n");
        assertEquals(List.of("https://app.example.com", "http://localhost:5173"),
                load(f, Map.of()).config().server().corsAllowedOrigins());
        assertEquals(List.of("*"), load(f, Map.of("STELLAR_SERVER_CORS_ALLOWED_ORIGINS", "*")).config().server()
                .corsAllowedOrigins());
        assertTrue(ConfigPrinter.render(load(f, Map.of())).contains("cors_allowed_origins: [\"https://app.example.com\", "
                + "\"http://localhost:5173\"]"));
    }

    @Test
    void somethingThatIsNotAnOriginIsRefusedNamingTheKey() {
        for (String bad : List.of("https://app.example.com/", "app.example.com", "https://a.b/path", "ftp://a.b", "*.example.com")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> load(null, Map.of("STELLAR_SERVER_CORS_ALLOWED_ORIGINS", bad)), bad);
            assertTrue(e.getMessage().contains("server.cors_allowed_origins") && e.getMessage().contains("not an origin"),
                    e.getMessage());
        }
    }
}
