// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { ChannelKind } from "./ChannelKind";

/**
 * Who a customer is on a channel: a phone number, a WhatsApp id, a Messenger PSID, a visitor id.
 */
export type Identity = { kind: ChannelKind, value: string, };
