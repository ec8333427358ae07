-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
ALTER TABLE conversations ADD COLUMN last_inbound_at {{timestamp}};
        CREATE TABLE outbound_jobs (
            message_id {{uuid}} PRIMARY KEY REFERENCES messages(id),
            conversation_id {{uuid}} NOT NULL REFERENCES conversations(id),
            channel_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts {{integer}} NOT NULL,
            next_attempt_at {{timestamp}} NOT NULL,
            last_error TEXT,
            created_at {{timestamp}} NOT NULL
        );
        CREATE INDEX outbound_due ON outbound_jobs(state, next_attempt_at);
        CREATE INDEX outbound_by_conversation ON outbound_jobs(conversation_id, state, created_at);
