package io.stellarchat.server.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.testing.LiveService;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull (the CLI's, and the admin API's {@code /v1/admin/pull} and {@code /api/pull}, which use the same
 * {@link ModelPuller}) writes only inside {@code models.dir}, never through a symbolic link: a link planted at the
 * partial file's name is refused without writing through it, and a link at the model's name is replaced by the
 * downloaded file while the file it pointed to stays as it was. Real symlinks on a real file system.
 */
class PullConfinementTest {
    static FakeHub hub;
    static byte[] model;

    @TempDir
    Path root;

    @BeforeAll
    static void start() throws Exception {
        model = Files.readAllBytes(LiveService.STORIES);
        hub = new FakeHub();
        hub.repos.put("acme/tiny-GGUF", new FakeHub.Repo(Map.of("tiny-Q4_K_M.gguf", model), false, Map.of()));
    }

    @AfterAll
    static void stop() {
        if (hub != null) hub.close();
    }

    private static final ModelPuller.Progress QUIET = new ModelPuller.Progress() {
        public void start(HubFile f, long already) { }
        public void bytes(HubFile f, long done) { }
        public void finished(HubFile f, Path where) { }
    };

    private List<Path> pull(Path modelsDir) throws PullException {
        return new ModelPuller(new HubClient(URI.create(hub.endpoint()), null), modelsDir)
                .pull(ModelPuller.Spec.parse("acme/tiny-GGUF"), QUIET);
    }

    @Test
    void aSymlinkAtThePartialFilesNameIsNotWrittenThrough() throws Exception {
        Path models = Files.createDirectories(root.resolve("models"));
        Path victim = Files.writeString(root.resolve("victim.txt"), "precious", StandardCharsets.UTF_8);
        Files.createSymbolicLink(models.resolve(".tiny-Q4_K_M.gguf.part"), victim);
        PullException e = assertThrows(PullException.class, () -> pull(models));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals("precious", Files.readString(victim), "nothing was written through the link");
        assertFalse(Files.exists(models.resolve("tiny-Q4_K_M.gguf")));
    }

    @Test
    void aSymlinkAtTheModelsNameIsReplacedAndItsTargetLeftAlone() throws Exception {
        Path models = Files.createDirectories(root.resolve("models"));
        Path victim = Files.writeString(root.resolve("elsewhere.gguf"), "not a model", StandardCharsets.UTF_8);
        Path link = Files.createSymbolicLink(models.resolve("tiny-Q4_K_M.gguf"), victim);
        List<Path> got = pull(models);
        assertEquals(List.of(link.toAbsolutePath().normalize()), got);
        assertFalse(Files.isSymbolicLink(link), "the link itself was replaced by the download");
        assertArrayEquals(model, Files.readAllBytes(link));
        assertEquals("not a model", Files.readString(victim), "the file the link pointed to is untouched");
    }

    @Test
    void everyFileAPullLeavesIsADirectChildOfTheModelsDirectory() throws Exception {
        Path models = root.resolve("deep/models");
        List<Path> got = pull(models);
        try (var all = Files.walk(root)) {
            List<Path> files = all.filter(Files::isRegularFile).toList();
            assertEquals(got, files.stream().map(p -> p.toAbsolutePath().normalize()).toList());
            for (Path f : files) assertEquals(models.toAbsolutePath().normalize(), f.getParent().toAbsolutePath().normalize());
        }
    }
}
