package io.stellarchat.server.api.admin;

import static io.stellarchat.server.api.admin.AdminServer.json;
import static io.stellarchat.server.api.admin.AdminServer.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.LocalPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas on one database: what the admin API changes on one is served by the other within 5 s (each
 * re-reads the catalog every 2 s), on PostgreSQL and on one shared SQLite file.
 */
@ExtendWith(LocalPostgres.StopAtEndOfRun.class)
class ReplicatedModelsTest {
    /** The promise to operators: another replica sees a change within this. */
    private static final Duration WITHIN = Duration.ofSeconds(5);
    @TempDir
    Path dirA;
    @TempDir
    Path dirB;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    @Test
    void aModelCreatedPatchedAndDeletedOnOneReplicaIsSoonTheSameOnTheOtherOnPostgresql() {
        DatabaseConfig pg = new DatabaseConfig(LocalPostgres.shared().newDatabase(), LocalPostgres.USER,
                new Secret(LocalPostgres.PASSWORD), 4);
        changesReachTheOtherReplica(pg, dirA, pg, dirB);
    }

    @Test
    void aModelCreatedPatchedAndDeletedOnOneReplicaIsSoonTheSameOnTheOtherOnOneSqliteFile() {
        changesReachTheOtherReplica(AdminServer.SQLITE, dirA, AdminServer.SQLITE, dirA);
    }

    private void changesReachTheOtherReplica(DatabaseConfig dbA, Path dataA, DatabaseConfig dbB, Path dataB) {
        FakeUpstream up = FakeUpstream.start();
        closing.add(up);
        AdminServer a = AdminServer.start(dataA, dbA, List.of(provider("p", up.baseUrl())), List.<ModelEntry>of());
        closing.add(a);
        AdminServer b = AdminServer.start(dataB, dbB, List.of(provider("p", up.baseUrl())), List.<ModelEntry>of());
        closing.add(b);
        assertEquals(404, b.chat("shared").statusCode());

        HttpResponse<String> created = a.post("/v1/admin/models", "{\"id\":\"shared\",\"upstreams\":[{\"provider\":\"p\","
                + "\"model\":\"" + FakeUpstream.MODEL + "\"}]}");
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> answered = eventually(b, r -> r.statusCode() == 200);
        assertEquals("p/" + FakeUpstream.MODEL, answered.headers().firstValue("X-Stellar-Upstream").orElseThrow());

        assertEquals(200, a.patch("/v1/admin/models/shared", "{\"status\":\"offline\"}").statusCode());
        HttpResponse<String> offline = eventually(b, r -> r.statusCode() == 503);
        assertEquals("model_offline", json(offline).at("/error/code").asText());

        assertEquals(200, a.delete("/v1/admin/models/shared").statusCode());
        HttpResponse<String> gone = eventually(b, r -> r.statusCode() == 404);
        assertEquals("model_not_found", json(gone).at("/error/code").asText());
    }

    /** Polls {@code replica} with a chat to {@code shared} until {@code done}; fails after {@link #WITHIN}. */
    private static HttpResponse<String> eventually(AdminServer replica, Predicate<HttpResponse<String>> done) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        HttpResponse<String> last;
        do {
            last = replica.chat("shared");
            if (done.test(last)) return last;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the other replica did not follow within " + WITHIN + "; last answer "
                + last.statusCode() + " " + last.body());
    }
}
