// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Identity } from "./Identity";

/**
 * Create or replace a contact. Phones in any formatting; they are stored as E.164.
 */
export type ContactRequest = { name: string, emails: Array<string>, phones: Array<string>, identities: Array<Identity>, };
