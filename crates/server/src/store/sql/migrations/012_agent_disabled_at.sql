-- An agent taken out of the configuration (or disabled) keeps its row, so its name stays on
-- history, but can no longer sign in. Types in double braces: see `Dialect`.
ALTER TABLE agents ADD COLUMN disabled_at {{timestamp}};
