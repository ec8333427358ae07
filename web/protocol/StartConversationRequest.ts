// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { TemplateChoice } from "./TemplateChoice";

/**
 * `POST /conversations`: an agent starts a chat with a customer on an SMS or WhatsApp
 * channel — to a contact (`contact_id`: its identity of the channel's kind) or a number
 * (`address`). SMS starts with `body`; WhatsApp only with an approved `template`, since the
 * customer has not written. When an open chat with that customer on that channel exists, the
 * message goes there instead of a new one. Idempotent on `client_id`, like replies.
 */
export type StartConversationRequest = { client_id: string, channel_id: string, contact_id?: string, 
/**
 * A phone number in E.164 (`+5511987654321`).
 */
address?: string, body?: string, template?: TemplateChoice, };
