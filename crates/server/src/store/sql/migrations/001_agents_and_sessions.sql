-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE agents (
            id {{uuid}} PRIMARY KEY,
            extension TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            email TEXT UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            presence TEXT NOT NULL,
            last_assigned_at {{timestamp}},
            event_seq {{integer}} NOT NULL DEFAULT 0,
            event_floor {{integer}} NOT NULL DEFAULT 0
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            agent_id {{uuid}} NOT NULL REFERENCES agents(id),
            created_at {{timestamp}} NOT NULL,
            expires_at {{timestamp}} NOT NULL,
            revoked_at {{timestamp}}
        );
        CREATE INDEX sessions_by_agent ON sessions(agent_id);
