// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Message } from "./Message";

export type MessagePage = { 
/**
 * Oldest first.
 */
messages: Array<Message>, 
/**
 * True when older messages exist before the first one returned.
 */
more: boolean, };
