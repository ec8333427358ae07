-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE queues (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            strategy TEXT NOT NULL,
            offer_timeout_s {{integer}} NOT NULL,
            max_chats_per_agent {{integer}} NOT NULL,
            last_round_robin {{uuid}}
        );
        CREATE TABLE queue_members (
            queue_id TEXT NOT NULL REFERENCES queues(id),
            agent_id {{uuid}} NOT NULL REFERENCES agents(id),
            position {{integer}} NOT NULL,
            PRIMARY KEY (queue_id, agent_id)
        );
        CREATE INDEX queue_members_by_agent ON queue_members(agent_id);
        CREATE TABLE channels (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            route_queue TEXT,
            route_extension TEXT
        );
