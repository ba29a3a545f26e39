package io.stellarchat.server.limits;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import java.nio.file.Path;

/** The replicas contract on one embedded SQLite file both replicas open. */
class SqliteReplicasTest extends ReplicasContract {
    @Override
    DatabaseConfig database(Path dir) {
        return new DatabaseConfig("", "", new Secret(""), 4);
    }
}
