// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `POST /conversations/{id}/block`.
 */
export type BlockRequest = { duration_s?: number | null, reason?: string | null, };
