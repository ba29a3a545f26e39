-- Chat history and audit log. Portable SQL, the same for SQLite and PostgreSQL:
-- ids are time-ordered UUID strings made in Java (TEXT), times are epoch milliseconds (BIGINT),
-- JSON is TEXT checked by the application.

CREATE TABLE chat_sessions (
    id            TEXT    NOT NULL PRIMARY KEY,
    owner         TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    system_prompt TEXT    NOT NULL,
    sampling_json TEXT    NOT NULL,
    metadata_json TEXT    NOT NULL,
    created_ms    BIGINT  NOT NULL,
    updated_ms    BIGINT  NOT NULL
);

-- listSessions: WHERE owner = ? AND id < ? ORDER BY id DESC
CREATE INDEX chat_sessions_owner_id ON chat_sessions (owner, id);

CREATE TABLE chat_messages (
    id                TEXT    NOT NULL PRIMARY KEY,
    session_id        TEXT    NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role              TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content           TEXT    NOT NULL,
    tool_calls_json   TEXT,
    tool_call_id      TEXT,
    finish_reason     TEXT    CHECK (finish_reason IN ('stop', 'length', 'tool_calls', 'cancelled', 'error')),
    status            TEXT    NOT NULL CHECK (status IN ('generating', 'complete', 'interrupted')),
    prompt_tokens     BIGINT  NOT NULL,
    completion_tokens BIGINT  NOT NULL,
    prompt_ms         BIGINT  NOT NULL,
    generation_ms     BIGINT  NOT NULL,
    created_ms        BIGINT  NOT NULL
);

-- listMessages: WHERE session_id = ? AND id < ? ORDER BY id DESC
CREATE INDEX chat_messages_session_id ON chat_messages (session_id, id);
-- markInterrupted at start-up: only the few generating rows are indexed.
CREATE INDEX chat_messages_generating ON chat_messages (status) WHERE status = 'generating';

CREATE TABLE audit_events (
    id         TEXT    NOT NULL PRIMARY KEY,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    created_ms BIGINT  NOT NULL
);
