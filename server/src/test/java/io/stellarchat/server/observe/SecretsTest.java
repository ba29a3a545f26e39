package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.LoggingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Secrets never reach a log line, in either layout, on the console or in the file. */
class SecretsTest {
    static final String KEY = "sk-stellar-Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA";

    @Test
    void masksHeaderJsonQueryAndBareKeyForms() {
        assertEquals("Authorization: Bearer sk-s****", Secrets.mask("Authorization: Bearer " + KEY));
        assertEquals("x-api-key: abcd****", Secrets.mask("x-api-key: abcdefghijkl"));
        assertEquals("{\"api_key\":\"sk-a****\",\"model\":\"m\"}", Secrets.mask("{\"api_key\":\"sk-abcdefghijklmnop\",\"model\":\"m\"}"));
        assertEquals("GET /x?api_key=zzzz****&q=1", Secrets.mask("GET /x?api_key=zzzzzzzz&q=1"));
        assertEquals("key sk-s**** revoked", Secrets.mask("key " + KEY + " revoked"));
        assertEquals("token hf_a****", Secrets.mask("token hf_abcdefghijklmnopqrstu"));
        assertEquals("password=****", Secrets.mask("password=abc"));
        String plain = "loaded model stories260K in 120 ms (task-skip)";
        assertEquals(plain, Secrets.mask(plain));
    }

    @Test
    void fileAndConsoleLinesAreMaskedInBothLayouts(@TempDir Path dir) throws Exception {
        for (LoggingConfig.Format format : LoggingConfig.Format.values()) {
            Path file = dir.resolve("stellar-" + format.key() + ".log");
            LogSetup.apply(new LoggingConfig(format, LoggingConfig.Level.INFO, file, 10L << 20, 7,
                    Map.of("io.stellarchat.test.quiet", LoggingConfig.Level.ERROR), false));
            try {
                var log = LoggerFactory.getLogger("io.stellarchat.test.secrets");
                log.atInfo().addKeyValue("header", "Bearer " + KEY).log("upstream said: Authorization: Bearer {}", KEY);
                LoggerFactory.getLogger("io.stellarchat.test.quiet").warn("this is below the logger's level");
            } finally {
                LogSetup.apply(new LoggingConfig(LoggingConfig.Format.TEXT, LoggingConfig.Level.INFO));
            }
            String text = Files.readString(file);
            assertTrue(text.contains("upstream said"), format + ": " + text);
            assertFalse(text.contains(KEY), format + " layout leaked the key: " + text);
            assertFalse(text.contains("Zm9vYmFy"), format + " layout leaked part of the key: " + text);
            assertFalse(text.contains("below the logger's level"), "logging.levels applies");
        }
    }
}
