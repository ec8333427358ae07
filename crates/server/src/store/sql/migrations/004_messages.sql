-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE messages (
            id {{uuid}} PRIMARY KEY,
            conversation_id {{uuid}} NOT NULL REFERENCES conversations(id),
            channel_id TEXT NOT NULL,
            seq {{integer}} NOT NULL,
            client_id {{uuid}},
            provider_message_id TEXT,
            direction TEXT NOT NULL,
            author_agent_id {{uuid}} REFERENCES agents(id),
            author_name TEXT NOT NULL,
            body TEXT NOT NULL,
            attachments {{json}} NOT NULL,
            status TEXT NOT NULL,
            error TEXT,
            created_at {{timestamp}} NOT NULL,
            UNIQUE (conversation_id, seq)
        );
        CREATE UNIQUE INDEX messages_by_client_id
            ON messages(author_agent_id, client_id) WHERE client_id IS NOT NULL;
        CREATE UNIQUE INDEX messages_by_provider_id
            ON messages(channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
