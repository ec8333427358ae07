// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Agent } from "./Agent";

/**
 * A blocked visitor address, as managers see it.
 */
export type Block = { id: string, ip: string, reason?: string | null, blocked_by: Agent, conversation_id?: string | null, created_at: string, expires_at?: string | null, };
