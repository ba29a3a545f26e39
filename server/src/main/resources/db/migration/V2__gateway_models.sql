-- Model entries made through the admin API, and status overrides of the configuration file's entries, shared
-- by every replica (each re-reads the table every few seconds). Portable SQL, the same for SQLite and PostgreSQL.
-- entry_json: the whole entry in the models.list shape (TEXT, checked by the application); NULL for a file
-- entry, of which only the status is stored. online: BOOLEAN (PostgreSQL boolean; SQLite stores 0/1).

CREATE TABLE gateway_models (
    id         TEXT    NOT NULL PRIMARY KEY,
    entry_json TEXT,
    online     BOOLEAN NOT NULL,
    updated_ms BIGINT  NOT NULL
);
