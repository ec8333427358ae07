// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * Channel kinds a conversation can come from. `Internal` is agent-to-agent chat.
 */
export type ChannelKind = "livechat" | "whatsapp" | "facebook" | "sms" | "internal";
