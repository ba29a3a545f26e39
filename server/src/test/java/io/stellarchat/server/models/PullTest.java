package io.stellarchat.server.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.testing.LiveService;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulling from a Hub served on loopback ({@link FakeHub}): quant selection, resume after a cut connection (a
 * {@code Range} request, and the file checked whole), checksum mismatch refused and the partial file removed, a
 * gated repository with and without a token (the token never sent to the storage host), split files, and the
 * file only in place once verified.
 */
class PullTest {
    static FakeHub hub;
    static byte[] model;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        model = Files.readAllBytes(LiveService.STORIES);
        hub = new FakeHub();
        Map<String, byte[]> files = new HashMap<>();
        files.put("tiny-Q4_K_M.gguf", model);
        files.put("tiny-Q8_0.gguf", model);
        hub.repos.put("acme/tiny-GGUF", new FakeHub.Repo(files, false, Map.of()));
        hub.repos.put("acme/gated-GGUF", new FakeHub.Repo(Map.of("g-Q4_K_M.gguf", model), true, Map.of()));
        hub.repos.put("acme/bad-GGUF", new FakeHub.Repo(Map.of("b-Q4_K_M.gguf", model), false,
                Map.of("b-Q4_K_M.gguf", "0".repeat(64))));
        int half = model.length / 2;
        hub.repos.put("acme/split-GGUF", new FakeHub.Repo(Map.of(
                "big-Q8_0-00001-of-00002.gguf", Arrays.copyOfRange(model, 0, half),
                "big-Q8_0-00002-of-00002.gguf", Arrays.copyOfRange(model, half, model.length)), false, Map.of()));
    }

    @AfterAll
    static void stop() {
        if (hub != null) hub.close();
    }

    private ModelPuller puller(String token) {
        return new ModelPuller(new HubClient(URI.create(hub.endpoint()), token), dir);
    }

    private static final ModelPuller.Progress QUIET = new ModelPuller.Progress() {
        public void start(HubFile f, long already) { }
        public void bytes(HubFile f, long done) { }
        public void finished(HubFile f, Path where) { }
    };

    @Test
    void theDefaultQuantOrTheNamedOneIsPulledAndVerified() throws Exception {
        List<Path> got = puller(null).pull(ModelPuller.Spec.parse("acme/tiny-GGUF"), QUIET);
        assertEquals(List.of(dir.resolve("tiny-Q4_K_M.gguf")), got);
        assertArrayEquals(model, Files.readAllBytes(got.getFirst()));
        List<Path> q8 = puller(null).pull(ModelPuller.Spec.parse("hf.co/acme/tiny-GGUF:q8_0"), QUIET);
        assertEquals("tiny-Q8_0.gguf", q8.getFirst().getFileName().toString());
        PullException none = assertThrows(PullException.class, () -> puller(null).pull(ModelPuller.Spec.parse("acme/tiny-GGUF:Q2_K"), QUIET));
        assertTrue(none.getMessage().contains("matches 'Q2_K'") && none.getMessage().contains("tiny-Q8_0.gguf"), none.getMessage());
        PullException missing = assertThrows(PullException.class, () -> puller(null).pull(ModelPuller.Spec.parse("acme/nope"), QUIET));
        assertTrue(missing.getMessage().contains("no repository acme/nope"), missing.getMessage());
    }

    @Test
    void aCutDownloadResumesWithARangeRequestAndIsCheckedWhole() throws Exception {
        hub.cutAfter.put("tiny-Q4_K_M.gguf", 300_000);
        PullException cut = assertThrows(PullException.class, () -> puller(null).pull(ModelPuller.Spec.parse("acme/tiny-GGUF"), QUIET));
        assertTrue(cut.getMessage().contains("pull again to resume") || cut.getMessage().contains("resume"), cut.getMessage());
        assertFalse(Files.exists(dir.resolve("tiny-Q4_K_M.gguf")), "a partial download never looks like a model");
        Path part = dir.resolve(".tiny-Q4_K_M.gguf.part");
        long have = Files.size(part);
        assertTrue(have > 0 && have < model.length, "partial: " + have);
        hub.ranges.clear();
        List<Path> got = puller(null).pull(ModelPuller.Spec.parse("acme/tiny-GGUF"), QUIET);
        assertEquals(List.of("bytes=" + have + "-"), hub.ranges, "resumed where it stopped");
        assertArrayEquals(model, Files.readAllBytes(got.getFirst()));
        assertFalse(Files.exists(part));
    }

    @Test
    void aChecksumMismatchIsRefusedAndThePartialFileRemoved() {
        PullException e = assertThrows(PullException.class, () -> puller(null).pull(ModelPuller.Spec.parse("acme/bad-GGUF"), QUIET));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("b-Q4_K_M.gguf")));
        assertFalse(Files.exists(dir.resolve(".b-Q4_K_M.gguf.part")));
    }

    @Test
    void aGatedRepositoryNeedsATokenWhichNeverReachesTheStorageHost() throws Exception {
        PullException e = assertThrows(PullException.class, () -> puller(null).pull(ModelPuller.Spec.parse("acme/gated-GGUF"), QUIET));
        assertTrue(e.getMessage().contains("gated") && e.getMessage().contains("HF_TOKEN"), e.getMessage());
        hub.storageAuth.clear();
        List<Path> got = puller(FakeHub.TOKEN).pull(ModelPuller.Spec.parse("acme/gated-GGUF"), QUIET);
        assertArrayEquals(model, Files.readAllBytes(got.getFirst()));
        assertEquals(List.of("null"), hub.storageAuth, "no Authorization header sent to the storage host");
    }

    @Test
    void aSplitModelBringsAllItsParts() throws Exception {
        List<Path> got = puller(null).pull(ModelPuller.Spec.parse("acme/split-GGUF"), QUIET);
        assertEquals(List.of(dir.resolve("big-Q8_0-00001-of-00002.gguf"), dir.resolve("big-Q8_0-00002-of-00002.gguf")), got);
        byte[] joined = new byte[model.length];
        byte[] a = Files.readAllBytes(got.get(0));
        byte[] b = Files.readAllBytes(got.get(1));
        System.arraycopy(a, 0, joined, 0, a.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        assertArrayEquals(model, joined);
    }

    @Test
    void badSpecsAreExplained() {
        PullException e = assertThrows(PullException.class, () -> ModelPuller.Spec.parse("just-a-name"));
        assertTrue(e.getMessage().contains("<owner>/<repository>"), e.getMessage());
    }
}
