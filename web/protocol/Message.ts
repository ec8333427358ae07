// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { AttachmentRef } from "./AttachmentRef";
import type { Author } from "./Author";
import type { Direction } from "./Direction";
import type { MessageStatus } from "./MessageStatus";
import type { SmsInfo } from "./SmsInfo";

export type Message = { id: string, conversation_id: string, client_id?: string | null, direction: Direction, author: Author, body: string, attachments: Array<AttachmentRef>, status: MessageStatus, error?: string | null, 
/**
 * SMS replies: how many segments the text takes and in which encoding.
 */
sms?: SmsInfo | null, created_at: string, };
