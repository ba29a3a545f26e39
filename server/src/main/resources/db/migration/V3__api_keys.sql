-- Managed API keys (the admin API's /v1/admin/keys), shared by every replica. The secret is never stored: only
-- its SHA-256 (hex, unique, the lookup key) and a short display prefix. scopes and models are comma-separated
-- lists; limits_json the key's limits as JSON text (checked by the application). Times in epoch milliseconds;
-- revoked_ms set by DELETE (rows are kept for the audit trail). Portable SQL for SQLite and PostgreSQL.

CREATE TABLE api_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    scopes       TEXT    NOT NULL,
    models       TEXT    NOT NULL,
    limits_json  TEXT    NOT NULL,
    cache        BOOLEAN NOT NULL,
    disabled     BOOLEAN NOT NULL,
    expires_ms   BIGINT,
    revoked_ms   BIGINT,
    created_ms   BIGINT  NOT NULL,
    updated_ms   BIGINT  NOT NULL
);

-- One row whose version goes up in the same transaction as every key change: replicas poll it (a cheap
-- primary-key read) and drop their cached lookups when it moved, so a revocation is seen everywhere quickly.
CREATE TABLE api_key_version (
    id      INTEGER NOT NULL PRIMARY KEY,
    version BIGINT  NOT NULL
);
INSERT INTO api_key_version (id, version) VALUES (1, 0);
