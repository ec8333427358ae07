// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `DELETE /admin/queues/{id}`: where the chats waiting in it go (needed when some wait).
 */
export type DeleteQueueRequest = { move_to: string | null, };
