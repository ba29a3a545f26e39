package io.stellarchat.server.limits;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.testing.LocalPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The replicas contract on a real PostgreSQL server both replicas use. */
@ExtendWith(LocalPostgres.StopAtEndOfRun.class)
class PostgresReplicasTest extends ReplicasContract {
    @Override
    DatabaseConfig database(Path dir) {
        return new DatabaseConfig(LocalPostgres.shared().newDatabase(), LocalPostgres.USER,
                new Secret(LocalPostgres.PASSWORD), 4);
    }
}
