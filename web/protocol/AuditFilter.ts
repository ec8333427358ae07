// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * Which entries `GET /admin/audit` lists (its query parameters); each part left out matches
 * everything.
 */
export type AuditFilter = { 
/**
 * Actions starting with this: `agent`, `queue`, `channel`, or one action exactly.
 */
action: string | null, 
/**
 * Entries about this target exactly: `agent:102`, `queue:sales`, `channel:web`.
 */
target: string | null, 
/**
 * Changes made by the agent with this extension.
 */
actor: string | null, };
