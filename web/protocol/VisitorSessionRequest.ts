// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

export type VisitorSessionRequest = { token?: string | null, name?: string | null, email?: string | null, language?: string | null, };
