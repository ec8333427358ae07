// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { MessageStatus } from "./MessageStatus";

/**
 * `data` of `message.status`.
 */
export type MessageStatusData = { id: string, conversation_id: string, status: MessageStatus, error?: string | null, };
