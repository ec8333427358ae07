-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE conversations (
            id {{uuid}} PRIMARY KEY,
            channel_kind TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            status TEXT NOT NULL,
            queue_id TEXT,
            owner_id {{uuid}} REFERENCES agents(id),
            identity_kind TEXT,
            identity_value TEXT,
            display_name TEXT NOT NULL,
            contact_id {{uuid}},
            title TEXT,
            offer_round {{integer}} NOT NULL DEFAULT 0,
            offer_expires_at {{timestamp}},
            last_seq {{integer}} NOT NULL DEFAULT 0,
            last_message_id {{uuid}},
            created_at {{timestamp}} NOT NULL,
            updated_at {{timestamp}} NOT NULL,
            answered_at {{timestamp}},
            resolved_at {{timestamp}}
        );
        CREATE INDEX conversations_open_by_identity
            ON conversations(channel_id, identity_value) WHERE status <> 'resolved';
        CREATE INDEX conversations_offer_expiry
            ON conversations(offer_expires_at) WHERE offer_expires_at IS NOT NULL;
        CREATE INDEX conversations_queued ON conversations(queue_id, status);
        CREATE INDEX conversations_by_owner ON conversations(owner_id, status);
        CREATE TABLE conversation_views (
            conversation_id {{uuid}} NOT NULL REFERENCES conversations(id),
            agent_id {{uuid}} NOT NULL REFERENCES agents(id),
            relation TEXT NOT NULL,
            archived {{boolean}} NOT NULL,
            deleted {{boolean}} NOT NULL,
            last_read_seq {{integer}} NOT NULL,
            updated_at {{timestamp}} NOT NULL,
            PRIMARY KEY (conversation_id, agent_id)
        );
        CREATE INDEX views_by_agent ON conversation_views(agent_id, archived, updated_at);
