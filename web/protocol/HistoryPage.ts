// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Message } from "./Message";

/**
 * One page of `GET /api/v1/history`: messages of every conversation the caller sees, in a
 * stable order (by conversation id, then oldest first within each conversation), for a
 * client's first full load. A conversation's messages may continue on the next page.
 */
export type HistoryPage = { messages: Array<Message>, 
/**
 * Pass as `after` to get the next page; absent on the last page.
 */
next?: string | null, };
