-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE attachments (
            id {{uuid}} PRIMARY KEY,
            uploader_id {{uuid}} REFERENCES agents(id),
            filename TEXT NOT NULL,
            mime TEXT NOT NULL,
            size {{integer}} NOT NULL,
            has_thumbnail {{boolean}} NOT NULL,
            conversation_id {{uuid}} REFERENCES conversations(id),
            message_id {{uuid}} REFERENCES messages(id),
            created_at {{timestamp}} NOT NULL
        );
        CREATE INDEX attachments_by_conversation ON attachments(conversation_id);
