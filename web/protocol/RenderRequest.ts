// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * Fill a template's variables for one conversation.
 */
export type RenderRequest = { conversation_id: string, };
