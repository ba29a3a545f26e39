package io.stellarchat.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code database} section: defaults, the layers, validation, and the password never printed. */
class DatabaseConfigTest {
    @TempDir
    Path dir;

    private LoadedConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        return ConfigLoader.load(new ConfigInputs(file, env, flags, dir));
    }

    @Test
    void defaultIsTheEmbeddedDatabase() {
        DatabaseConfig d = StellarConfig.defaults().database();
        assertTrue(d.embedded());
        assertEquals("", d.user());
        assertEquals("", d.password().reveal());
        assertEquals(8, d.poolSize());
    }

    @Test
    void fileEnvironmentAndFlagsSetTheSection() throws IOException {
        Path file = Files.writeString(dir.resolve("s.yaml"), """
                database:
                  url: jdbc:postgresql://db.internal:5432/stellar
                  user: stellar
                  pool_size: 16
                """);
        LoadedConfig loaded = load(file, Map.of("STELLAR_DATABASE_PASSWORD", "pg-password-0123456789"),
                Map.of("database.pool_size", "3"));
        DatabaseConfig d = loaded.config().database();
        assertEquals("jdbc:postgresql://db.internal:5432/stellar", d.url());
        assertFalse(d.embedded());
        assertEquals("stellar", d.user());
        assertEquals("pg-password-0123456789", d.password().reveal());
        assertEquals(3, d.poolSize());

        String printed = ConfigPrinter.render(loaded);
        assertFalse(printed.contains("pg-password"), printed);
        assertTrue(printed.contains("password: \"****6789\"  # from env STELLAR_DATABASE_PASSWORD"), printed);
        assertTrue(printed.contains("url: \"jdbc:postgresql://db.internal:5432/stellar\"  # from file"), printed);
    }

    @Test
    void badValuesNameTheKeyAndNeverShowThePassword() throws IOException {
        Path file = Files.writeString(dir.resolve("s.yaml"), """
                database:
                  url: mysql://localhost/db
                  password: [not, a, string]
                  pool_size: 0
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> load(file, Map.of(), Map.of()));
        String msg = e.getMessage();
        assertTrue(msg.contains("database.url = \"mysql://localhost/db\""), msg);
        assertTrue(msg.contains("unsupported database URL"), msg);
        assertTrue(msg.contains("database.password = \"****\""), msg);
        assertFalse(msg.contains("not, a"), msg);
        assertTrue(msg.contains("database.pool_size = 0"), msg);
    }

    @Test
    void theReplicaLeaseIsTenSecondsRenewedEveryThreeUnlessSet() throws IOException {
        DatabaseConfig d = StellarConfig.defaults().database();
        assertEquals(java.time.Duration.ofSeconds(10), d.lease());
        assertEquals(java.time.Duration.ofSeconds(3), d.leaseRenew());
        LoadedConfig loaded = load(null, Map.of("STELLAR_DATABASE_LEASE", "4s", "STELLAR_DATABASE_LEASE_RENEW", "500ms"),
                Map.of());
        assertEquals(java.time.Duration.ofSeconds(4), loaded.config().database().lease());
        assertEquals(java.time.Duration.ofMillis(500), loaded.config().database().leaseRenew());
        String printed = ConfigPrinter.render(loaded);
        assertTrue(printed.contains("lease_renew: \"500ms\"  # from env STELLAR_DATABASE_LEASE_RENEW"), printed);
    }

    @Test
    void aRenewalNotShorterThanTheLeaseIsRefusedNamingBothKeys() throws IOException {
        Path file = Files.writeString(dir.resolve("s.yaml"), """
                database:
                  lease: 2s
                  lease_renew: 2s
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("database.lease_renew = \"2s\""), e.getMessage());
        assertTrue(e.getMessage().contains("shorter than database.lease (2s)"), e.getMessage());
    }

    @Test
    void partialRepliesAreWrittenEvery16PiecesOrHalfASecondUnlessSet() throws IOException {
        DatabaseConfig d = StellarConfig.defaults().database();
        assertEquals(16, d.partialReplyTokens());
        assertEquals(java.time.Duration.ofMillis(500), d.partialReplyInterval());
        LoadedConfig loaded = load(null, Map.of("STELLAR_DATABASE_PARTIAL_REPLY_TOKENS", "4"),
                Map.of("database.partial_reply_interval", "2s"));
        assertEquals(4, loaded.config().database().partialReplyTokens());
        assertEquals(java.time.Duration.ofSeconds(2), loaded.config().database().partialReplyInterval());
        String printed = ConfigPrinter.render(loaded);
        assertTrue(printed.contains("partial_reply_tokens: 4  # from env STELLAR_DATABASE_PARTIAL_REPLY_TOKENS"), printed);
        assertEquals(4, loaded.config().database().withLease(java.time.Duration.ofSeconds(5),
                java.time.Duration.ofSeconds(1)).partialReplyTokens(), "changing the lease keeps the rest");
    }

    @Test
    void aZeroPartialReplyBudgetIsRefusedNamingTheKey() throws IOException {
        Path file = Files.writeString(dir.resolve("s.yaml"), """
                database:
                  partial_reply_tokens: 0
                  partial_reply_interval: 0ms
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("database.partial_reply_tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("database.partial_reply_interval"), e.getMessage());
    }
}
