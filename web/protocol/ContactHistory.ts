// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Contact } from "./Contact";
import type { HistoryEntry } from "./HistoryEntry";

export type ContactHistory = { contact: Contact, 
/**
 * Newest first.
 */
conversations: Array<HistoryEntry>, };
