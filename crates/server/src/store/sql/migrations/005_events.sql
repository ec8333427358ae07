-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE events (
            agent_id {{uuid}} NOT NULL REFERENCES agents(id),
            seq {{integer}} NOT NULL,
            kind TEXT NOT NULL,
            object_id {{uuid}},
            data {{json}},
            created_at {{timestamp}} NOT NULL,
            PRIMARY KEY (agent_id, seq)
        );
        CREATE INDEX events_by_time ON events(created_at);
