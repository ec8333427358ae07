// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * A queue I am a member of: `GET /me/queues` (to choose a sound per queue, say).
 */
export type QueueSummary = { id: string, name: string, };
