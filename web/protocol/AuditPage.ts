// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { AuditEntry } from "./AuditEntry";

/**
 * `GET /admin/audit`: newest first; `next` asks for the older ones.
 */
export type AuditPage = { entries: Array<AuditEntry>, next: string | null, };
