package io.stellarchat.server.limits;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.testing.LocalPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** Authentication and ownership on PostgreSQL. */
@ExtendWith(LocalPostgres.StopAtEndOfRun.class)
class PostgresKeyAuthTest extends KeyAuthContract {
    @Override
    DatabaseConfig database(Path dir) {
        return new DatabaseConfig(LocalPostgres.shared().newDatabase(), LocalPostgres.USER,
                new Secret(LocalPostgres.PASSWORD), 4);
    }
}
