// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Conversation } from "./Conversation";
import type { Message } from "./Message";

/**
 * The answer to `POST /conversations`: 201 when a chat was started, 200 when the message went
 * into the customer's open chat on that channel (or `client_id` was seen before).
 */
export type StartedConversation = { conversation: Conversation, message: Message, };
