// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * A queue as administrators see it.
 */
export type AdminQueue = { id: string, name: string, 
/**
 * `ring_all`, `hunt_by_threes`, `round_robin`, `longest_idle` or `fewest_answered`.
 */
strategy: string, 
/**
 * Members' extensions, in priority order.
 */
agents: Array<string>, offer_timeout_s: number, 
/**
 * 0: no limit.
 */
max_chats_per_agent: number, 
/**
 * Chats waiting in it now.
 */
waiting: number, 
/**
 * Declared in the configuration file, which rules it: read-only here (`409 provisioned`).
 */
provisioned: boolean, };
