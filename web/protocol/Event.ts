// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * One change visible to one agent. `cursor` only grows, per agent.
 */
export type Event = { cursor: number, type: string, 
/**
 * Depends on `type`: a `Conversation`, a `Message`, `RemovedData`, ….
 */
data: unknown, };
