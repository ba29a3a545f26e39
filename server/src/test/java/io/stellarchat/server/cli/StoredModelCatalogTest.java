package io.stellarchat.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntry.Upstream;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.gateway.ModelCatalog.Stored;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog adapter between the gateway's entries and the chat database's rows, on SQLite. */
class StoredModelCatalogTest {
    @TempDir
    Path dir;
    private ChatDatabase db;
    private StoredModelCatalog catalog;

    @BeforeEach
    void open() {
        db = ChatDatabase.open(new DatabaseConfig("", "", new Secret(""), 2), dir, Clock.systemUTC());
        catalog = new StoredModelCatalog(db.modelRecords(), List.of("a", "b"), new ObjectMapper());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aRemoteEntryReadsBackEqualWithEverySetting() {
        ModelEntry e = new ModelEntry("big", null, List.of("large"), 32_768,
                List.of(new Upstream("a", "m-1", 3), new Upstream("b", "vendor/m-2", 0)),
                ModelEntry.Routing.LEAST_BUSY, new ModelEntry.RetrySettings(4, Duration.ofMillis(250), Duration.ofSeconds(3)),
                List.of("small"), List.of("huge"));
        catalog.put(new Stored("big", e, false));
        catalog.put(new Stored("file-model", null, true));
        assertEquals(List.of(new Stored("big", e, false), new Stored("file-model", null, true)), catalog.load());
        assertTrue(catalog.delete("big"));
        assertFalse(catalog.delete("big"));
        assertEquals(List.of(new Stored("file-model", null, true)), catalog.load());
    }

    @Test
    void aRowThisReplicaCannotReadIsLeftOutAndTheOthersStillLoad() {
        db.modelRecords().put("elsewhere", "{\"id\":\"elsewhere\",\"upstreams\":[{\"provider\":\"z\",\"model\":\"m\"}]}", true);
        db.modelRecords().put("mismatch", "{\"id\":\"other\",\"upstreams\":[{\"provider\":\"a\",\"model\":\"m\"}]}", true);
        db.modelRecords().put("ok", "{\"id\":\"ok\",\"upstreams\":[{\"provider\":\"a\",\"model\":\"m\"}],"
                + "\"fallbacks\":[\"deleted-since\"]}", true);
        List<Stored> loaded = catalog.load();
        assertEquals(List.of("ok"), loaded.stream().map(Stored::id).toList(),
                "an unknown provider and a wrong id are skipped; a fallback that no longer exists is not checked");
        assertEquals(List.of("deleted-since"), loaded.getFirst().entry().fallbacks());
    }
}
