package io.stellarchat.server.limits;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import java.nio.file.Path;

/** Authentication and ownership on the embedded SQLite database. */
class SqliteKeyAuthTest extends KeyAuthContract {
    @Override
    DatabaseConfig database(Path dir) {
        return new DatabaseConfig("", "", new Secret(""), 4);
    }
}
