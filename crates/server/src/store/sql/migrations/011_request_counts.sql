-- Indented as when it shipped inside a Rust string: SQLite keeps each CREATE's text, so
-- a new database reads exactly like an old one. Types in double braces: see `Dialect`.
CREATE {{unlogged_table}} request_counts (
            key TEXT PRIMARY KEY,
            minute {{integer}} NOT NULL,
            hits {{integer}} NOT NULL,
            previous_hits {{integer}} NOT NULL
        );
