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
 * WhatsApp and Messenger: free text is refused after this (24 h after the customer's
 * last message; 7 days on a Messenger channel allowed the `HUMAN_AGENT` tag) until the
 * customer writes again. WhatsApp templates are still accepted.
 */
reply_window_ends_at?: string | null, 
/**
 * SMS: when the customer texted a stop keyword (STOP, PARAR…) or the carrier reported the
 * number opted out; nothing may be sent to it until they text a start keyword (START…).
 */
opted_out_at?: string | null, created_at: string, updated_at: string, };
