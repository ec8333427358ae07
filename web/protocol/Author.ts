// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * The author of a message: an agent, or the customer on the conversation's channel.
 */
export type Author = { "kind": "agent", id: string, extension: string, name: string, } | { "kind": "contact", display_name: string, } | { "kind": "system" };
