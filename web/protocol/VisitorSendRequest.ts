// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

export type VisitorSendRequest = { client_id: string, body: string, attachments: Array<string>, };
