// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * Add the unknown sender of a conversation as a contact.
 */
export type FromIdentityRequest = { conversation_id: string, name: string, emails: Array<string>, };
