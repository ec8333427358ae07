// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Agent } from "./Agent";
import type { ChannelKind } from "./ChannelKind";
import type { ConversationStatus } from "./ConversationStatus";

/**
 * One conversation in a contact's history.
 */
export type HistoryEntry = { conversation_id: string, channel: ChannelKind, channel_id: string, queue_id?: string | null, status: ConversationStatus, 
/**
 * The agent who handled it (its owner), if anyone did.
 */
handled_by?: Agent | null, 
/**
 * `resolved`, `open` (being handled) or `unanswered` (still waiting in a queue).
 */
outcome: string, messages: number, last_message?: string | null, started_at: string, ended_at?: string | null, };
