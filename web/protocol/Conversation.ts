// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Agent } from "./Agent";
import type { ChannelKind } from "./ChannelKind";
import type { ConversationContact } from "./ConversationContact";
import type { ConversationStatus } from "./ConversationStatus";
import type { Message } from "./Message";

export type Conversation = { id: string, channel: ChannelKind, channel_id: string, status: ConversationStatus, queue_id?: string | null, owner?: Agent | null, contact: ConversationContact, last_message?: Message | null, unread: number, archived: boolean, 
/**
 * Internal chats: title given at creation, if any.
 */
title?: string | null, 
/**
 * Internal chats: every participant, the creator included.
 */
participants?: Array<Agent>, 
/**
 * WhatsApp and Messenger: replies are refused after this (24 h after the customer's last
 * message) until the customer writes again.
 */
reply_window_ends_at?: string | null, created_at: string, updated_at: string, };
