-- Administration in the app: agents declared in the configuration file are "provisioned" (the
-- app shows them read-only; the file rules them); agents made in the app are not. A temporary
-- password set by an administrator must be replaced at the next sign-in. The audit log says who
-- changed what, when, with the values before and after (never a secret). Types in double
-- braces: see `Dialect`.
ALTER TABLE agents ADD COLUMN provisioned {{boolean}} NOT NULL DEFAULT TRUE;
ALTER TABLE agents ADD COLUMN must_change_password {{boolean}} NOT NULL DEFAULT FALSE;
ALTER TABLE queues ADD COLUMN provisioned {{boolean}} NOT NULL DEFAULT TRUE;
CREATE TABLE audit_log (
    id {{uuid}} PRIMARY KEY,
    at {{timestamp}} NOT NULL,
    actor_id {{uuid}} REFERENCES agents(id),
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before_value {{json}},
    after_value {{json}}
);
