-- Replica-safe recovery of running replies. Each running service instance (replica) holds a lease row, renewed
-- by its heartbeat and deleted when it closes cleanly; a generating reply names the instance that runs it.
-- Recovery marks a generating reply interrupted only when its instance's lease is gone or expired, so the
-- replies of live replicas are never touched. Times in epoch milliseconds. Portable SQL for SQLite and PostgreSQL.
CREATE TABLE service_instances (
    id         TEXT    NOT NULL PRIMARY KEY,
    started_ms BIGINT  NOT NULL,
    expires_ms BIGINT  NOT NULL
);

-- The instance that runs a generating reply; NULL for rows written before this migration (and for user,
-- tool and finished messages, where it means nothing).
ALTER TABLE chat_messages ADD COLUMN instance_id TEXT;
