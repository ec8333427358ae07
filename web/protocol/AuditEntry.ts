// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * One administrative change.
 */
export type AuditEntry = { id: string, at: string, 
/**
 * Who made it: `"Ana Souza (101)"`.
 */
actor: string | null, 
/**
 * `agent.create`, `agent.update`, `agent.disable`, `agent.enable`, `agent.password`.
 */
action: string, 
/**
 * `agent:102`.
 */
target: string, 
/**
 * The values before and after (secrets only as `{"set": true}`).
 */
before: unknown, after: unknown, };
