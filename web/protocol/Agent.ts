// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Presence } from "./Presence";
import type { Role } from "./Role";

export type Agent = { id: string, extension: string, name: string, 
/**
 * Always written (`null` when unknown); a missing one reads as `None`, so TypeScript may
 * leave it out.
 */
email?: string | null, role: Role, presence: Presence, };
