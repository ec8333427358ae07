-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE TABLE templates (
            id {{uuid}} PRIMARY KEY,
            name TEXT NOT NULL,
            body TEXT NOT NULL,
            category TEXT NOT NULL,
            language TEXT NOT NULL,
            updated_by {{uuid}} REFERENCES agents(id),
            updated_at {{timestamp}} NOT NULL
        );
