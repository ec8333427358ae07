-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE contacts (
            id {{uuid}} PRIMARY KEY,
            name TEXT NOT NULL,
            emails {{json}} NOT NULL,
            phones {{json}} NOT NULL,
            search_text TEXT NOT NULL,
            created_at {{timestamp}} NOT NULL,
            updated_at {{timestamp}} NOT NULL
        );
        CREATE TABLE contact_identities (
            contact_id {{uuid}} NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            position {{integer}} NOT NULL,
            PRIMARY KEY (kind, value)
        );
        CREATE INDEX contact_identities_by_contact ON contact_identities(contact_id);
        CREATE TABLE contact_phones (
            contact_id {{uuid}} NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            e164 TEXT NOT NULL,
            PRIMARY KEY (contact_id, e164)
        );
        CREATE INDEX contact_phones_by_number ON contact_phones(e164);
        CREATE INDEX conversations_by_contact ON conversations(contact_id, created_at);
        CREATE INDEX conversations_by_identity ON conversations(identity_kind, identity_value);
