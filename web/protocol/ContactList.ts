// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Contact } from "./Contact";

export type ContactList = { 
/**
 * By name (ASCII letters' case ignored), then id.
 */
contacts: Array<Contact>, 
/**
 * Pass as `after` to get the next page; absent on the last page.
 */
next?: string | null, };
