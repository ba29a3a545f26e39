package io.stellarchat.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes 0 / 2 / 1 and what each command prints, run in-process through picocli. */
class StellarCliTest {
    @TempDir
    Path dir;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(Map<String, String> env, String... args) {
        CliEnvironment e = new CliEnvironment(env, dir, new PrintWriter(out, true), new PrintWriter(err, true));
        return StellarCli.run(e, args);
    }

    int run(String... args) {
        return run(Map.of(), args);
    }

    @Test
    void versionPrintsTheVersionAndExitsZero() {
        assertEquals(0, run("version"));
        assertTrue(out.toString().matches("stellar (\\d+\\.\\d+\\.\\d+|dev) \\(Java .*\\)\\R"), out.toString());
        assertEquals(0, run("--version"));
    }

    @Test
    void helpWorksEverywhere() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("serve") && out.toString().contains("config")
                && out.toString().contains("version"), out.toString());
        for (String cmd : new String[] {"serve", "config", "version"}) {
            out.getBuffer().setLength(0);
            assertEquals(0, run(cmd, "--help"), cmd);
            assertTrue(out.toString().startsWith("Usage: stellar " + cmd), out.toString());
        }
        out.getBuffer().setLength(0);
        assertEquals(0, run("serve", "--help"));
        assertTrue(out.toString().contains("--port") && out.toString().contains("--log-format"), out.toString());
    }

    @Test
    void configPrintsTheEffectiveConfigurationWithSecretsMasked() {
        int code = run(Map.of("STELLAR_SERVER_API_KEYS", "sk-live-0123456789abcdef", "STELLAR_SERVER_HOST", "0.0.0.0"),
                "config", "--port", "9000", "--set", "server.drain_timeout=5s");
        assertEquals(0, code, err.toString());
        String printed = out.toString();
        assertTrue(printed.contains("port: 9000  # from flag"), printed);
        assertTrue(printed.contains("host: \"0.0.0.0\"  # from env STELLAR_SERVER_HOST"), printed);
        assertTrue(printed.contains("drain_timeout: \"5s\"  # from flag"), printed);
        assertFalse(printed.contains("sk-live-0123456789abcdef"), printed);
        assertTrue(printed.contains("api_keys: [\"****cdef\"]"), printed);
    }

    @Test
    void configReadsStellarYamlFromTheWorkingDirectory() throws Exception {
        Files.writeString(dir.resolve("stellar.yaml"), "logging:\n  level: warn\n");
        assertEquals(0, run("config"));
        assertTrue(out.toString().contains("level: warn  # from file\n"), out.toString());
        assertTrue(out.toString().contains("(file " + dir.resolve("stellar.yaml") + ")"), out.toString());
    }

    @Test
    void missingCommandIsAUsageError() {
        assertEquals(2, run());
        assertTrue(err.toString().contains("Usage: stellar"), err.toString());
    }

    @Test
    void unknownCommandOrOptionIsAUsageErrorWithUsage() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString().contains("Usage: stellar"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("serve", "--prot", "1"));
        assertTrue(err.toString().contains("Unknown option") && err.toString().contains("'--prot'"), err.toString());
        assertTrue(err.toString().contains("Usage: stellar serve"), err.toString());
    }

    @Test
    void invalidConfigurationIsAUsageErrorNamingKeyAndValue() {
        assertEquals(2, run("serve", "--port", "70000"));
        String e = err.toString();
        assertTrue(e.contains("server.port = \"70000\" (from flag): out of range; allowed: an integer 0..65535"), e);
        assertTrue(e.contains("Usage: stellar serve"), e);
        err.getBuffer().setLength(0);
        assertEquals(2, run(Map.of("STELLAR_LOGGING_FORMAT", "xml"), "config"));
        assertTrue(err.toString().contains("logging.format = \"xml\" (from env STELLAR_LOGGING_FORMAT)"), err.toString());
    }

    @Test
    void runtimeFailureExitsOneWithOneLine() throws Exception {
        Path notAFile = Files.createDirectory(dir.resolve("conf.d"));
        assertEquals(1, run("config", "--config", notAFile.toString()));
        String e = err.toString().strip();
        assertTrue(e.startsWith("stellar: error: cannot read config file"), e);
        assertEquals(1, e.lines().count(), e);
    }

    @Test
    void serveFailsWithOneWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int code = run("serve", "--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()));
            assertEquals(1, code, err.toString());
            String e = err.toString().strip();
            assertTrue(e.startsWith("stellar: error: "), e);
            assertEquals(1, e.lines().count(), e);
        }
    }
}
