-- Usage accounting (observe): one row per model call, written asynchronously by the telemetry pipeline's usage
-- sink; GET /v1/admin/usage and `stellar usage` aggregate it. event_id is the telemetry event's id, so a retried
-- batch never counts a call twice. Times in epoch milliseconds; old rows are deleted after usage.retention.
-- Portable SQL for SQLite and PostgreSQL.
CREATE TABLE usage_records (
    event_id          TEXT    NOT NULL PRIMARY KEY,
    ts_ms             BIGINT  NOT NULL,
    owner             TEXT    NOT NULL,
    key_id            TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    upstream          TEXT    NOT NULL,
    endpoint          TEXT    NOT NULL,
    streamed          BOOLEAN NOT NULL,
    status            TEXT    NOT NULL,
    error_code        TEXT,
    prompt_tokens     BIGINT  NOT NULL,
    completion_tokens BIGINT  NOT NULL,
    cached_tokens     BIGINT  NOT NULL,
    duration_ms       BIGINT  NOT NULL,
    request_id        TEXT    NOT NULL
);
CREATE INDEX usage_records_ts ON usage_records (ts_ms);

-- A user's rating of an assistant message (POST /v1/sessions/{id}/messages/{mid}/feedback), kept with it.
ALTER TABLE chat_messages ADD COLUMN feedback_rating TEXT CHECK (feedback_rating IN ('up', 'down'));
ALTER TABLE chat_messages ADD COLUMN feedback_comment TEXT;
ALTER TABLE chat_messages ADD COLUMN feedback_ms BIGINT;

-- A reply the user stopped (a Stop button, the WebSocket's stop frame): finish_reason stays 'stop', as
-- OpenAI-style clients expect, and this marks that the stop was the user's, not the model's.
ALTER TABLE chat_messages ADD COLUMN stopped BOOLEAN NOT NULL DEFAULT FALSE;
