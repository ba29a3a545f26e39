package io.stellarchat.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.config.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A presented key is never compared with a secret by a comparison whose time depends on the data: it is hashed,
 * the static keys' digests are all compared with {@code MessageDigest.isEqual} (no early exit), and a managed key
 * found by its hash index is confirmed the same way. Checked by behaviour (the right caller, near misses refused)
 * and by reading the code, so that a later shortcut ({@code Arrays.equals}, a map lookup, a {@code return} inside
 * the loop, {@code secret.equals(...)}) fails here.
 */
class ConstantTimeKeyLookupTest {
    private static final Path MAIN = Path.of("src/main/java/io/stellarchat/server");

    @Test
    void everyStaticKeyIsFoundAndNearMissesAreRefused() {
        List<Secret> keys = List.of(new Secret("first-static-key"), new Secret("second-static-key"), new Secret("third-static-key"));
        try (KeyRing ring = new KeyRing(keys, null, KeyLimits.NONE, Clock.systemUTC(), new ObjectMapper())) {
            List<String> ids = new ArrayList<>();
            for (Secret k : keys) ids.add(ring.authenticate(k.reveal()).id());
            assertEquals(3, ids.stream().distinct().count(), "each key is its own caller: " + ids);
            // A guess whose SHA-256 shares its first two bytes with a real key's digest: found by search, refused.
            byte[] target = KeyRing.digest("third-static-key");
            String near = null;
            for (int i = 0; near == null; i++) {
                byte[] d = KeyRing.digest("guess-" + i);
                if (d[0] == target[0] && d[1] == target[1]) near = "guess-" + i;
            }
            String guess = near;
            assertNull(ring.matchStatic(KeyRing.digest(guess)));
            assertThrows(KeyRing.KeyRejected.class, () -> ring.authenticate(guess));
            assertThrows(KeyRing.KeyRejected.class, () -> ring.authenticate("third-static-ke"));
            assertThrows(KeyRing.KeyRejected.class, () -> ring.authenticate("third-static-key "));
            assertNotNull(ring.matchStatic(target));
        }
    }

    @Test
    void theStaticScanComparesWithMessageDigestIsEqualAndNeverLeavesEarly() throws Exception {
        String source = Files.readString(MAIN.resolve("limits/KeyRing.java"));
        Matcher m = Pattern.compile("Caller matchStatic\\(byte\\[\\] presented\\) \\{(.*?)\\n    }", Pattern.DOTALL).matcher(source);
        assertTrue(m.find(), "KeyRing.matchStatic is where static keys are compared");
        String body = m.group(1);
        assertTrue(body.contains("MessageDigest.isEqual(k.digest(), presented)"), body);
        String loop = body.substring(body.indexOf("for ("), body.lastIndexOf("return found;"));
        assertTrue(!loop.contains("return") && !loop.contains("break"), "no early exit from the scan: " + loop);
        assertTrue(source.contains("sameDigest(row.get().secretHash(), digest)"), "a managed row is confirmed in constant time");
        assertTrue(source.contains("MessageDigest.isEqual(HexFormat.of().parseHex(storedHex), digest)"));
    }

    @Test
    void noSourceComparesASecretOrDigestWithAnOrdinaryEquals() throws Exception {
        // Names that hold a presented or stored secret, or a digest of one.
        Pattern risky = Pattern.compile("\\b(secret|apiKey|presented|digest|secretHash|password|token)\\w*(\\(\\))?"
                + "\\s*\\.\\s*(equals|equalsIgnoreCase|contentEquals|compareTo)\\(|Arrays\\.equals\\([^)]*(digest|hash|secret)",
                Pattern.CASE_INSENSITIVE);
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (risky.matcher(lines.get(i)).find()) found.add(MAIN.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        // The puller compares a downloaded file's SHA-256 with the one the Hub lists: public data, not a secret.
        found.removeIf(l -> l.startsWith("models/ModelPuller.java") && l.contains("f.sha256()"));
        assertEquals(List.of(), found, "compare secrets and their digests with MessageDigest.isEqual");
    }
}
