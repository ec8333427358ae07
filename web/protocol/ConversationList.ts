// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Conversation } from "./Conversation";

export type ConversationList = { 
/**
 * Newest activity first.
 */
conversations: Array<Conversation>, 
/**
 * Pass as `after` to get the next page; absent on the last page.
 */
next?: string | null, };
