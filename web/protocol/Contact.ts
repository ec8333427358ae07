// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Identity } from "./Identity";

/**
 * A person in the contact directory.
 */
export type Contact = { id: string, name: string, emails: Array<string>, 
/**
 * E.164.
 */
phones: Array<string>, identities: Array<Identity>, created_at: string, updated_at: string, };
