-- Channels made in the administration keep their provider settings here (the configuration
-- file's `[channels.<kind>]` table as JSON, secrets included: the server needs them to talk
-- to the provider; the API never answers them). Channels the file declares are "provisioned"
-- and keep no settings here: the file, read at start, rules them. A disabled channel sends
-- nothing and answers its webhooks 503. Types in double braces: see `Dialect`.
ALTER TABLE channels ADD COLUMN settings {{json}};
ALTER TABLE channels ADD COLUMN enabled {{boolean}} NOT NULL DEFAULT TRUE;
ALTER TABLE channels ADD COLUMN provisioned {{boolean}} NOT NULL DEFAULT TRUE;
