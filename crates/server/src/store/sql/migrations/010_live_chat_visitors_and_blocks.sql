-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE visitors (
            id {{uuid}} PRIMARY KEY,
            channel_id TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            token_expires_at {{timestamp}} NOT NULL,
            name TEXT,
            email TEXT,
            ip TEXT NOT NULL,
            user_agent TEXT NOT NULL,
            language TEXT,
            created_at {{timestamp}} NOT NULL,
            last_seen_at {{timestamp}} NOT NULL
        );
        CREATE TABLE blocks (
            id {{uuid}} PRIMARY KEY,
            ip TEXT NOT NULL,
            reason TEXT,
            blocked_by {{uuid}} NOT NULL REFERENCES agents(id),
            conversation_id {{uuid}} REFERENCES conversations(id),
            created_at {{timestamp}} NOT NULL,
            expires_at {{timestamp}}
        );
        CREATE INDEX blocks_by_ip ON blocks(ip);
        ALTER TABLE attachments ADD COLUMN visitor_id {{uuid}};
