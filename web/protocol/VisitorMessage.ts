// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { AttachmentRef } from "./AttachmentRef";

/**
 * A message as the visitor sees it.
 */
export type VisitorMessage = { id: string, client_id?: string | null, 
/**
 * `visitor`, `agent` or `system`.
 */
author: string, agent_name?: string | null, body: string, attachments: Array<AttachmentRef>, created_at: string, 
/**
 * Grows across all of the visitor's conversations; pass the largest seen as `after`.
 */
cursor: number, };
