// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Identity } from "./Identity";

export type ConversationContact = { id?: string | null, display_name: string, known: boolean, 
/**
 * `None` for internal chats, which have participants instead of a customer.
 */
identity?: Identity | null, };
