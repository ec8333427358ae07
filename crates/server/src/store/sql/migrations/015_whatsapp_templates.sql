-- The approved WhatsApp message templates of each WhatsApp channel's business account, as last
-- synced from Meta (`GET /{waba_id}/message_templates`): Meta's components as JSON. A reply
-- sent as a template keeps the provider's `template` object on its outbound job. Types in
-- double braces: see `Dialect`.
CREATE TABLE whatsapp_templates (
    channel_id TEXT NOT NULL,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL,
    components {{json}} NOT NULL,
    synced_at {{timestamp}} NOT NULL,
    PRIMARY KEY (channel_id, name, language)
);
ALTER TABLE outbound_jobs ADD COLUMN template {{json}};
