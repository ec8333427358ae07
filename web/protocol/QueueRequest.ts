// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `POST /admin/queues` (`id`, `name` and `agents` required) and `PUT /admin/queues/{id}` (what
 * changes), in the configuration file's shape.
 */
export type QueueRequest = { id: string | null, name: string | null, strategy: string | null, agents: Array<string> | null, offer_timeout_s: number | null, max_chats_per_agent: number | null, };
