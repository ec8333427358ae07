// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { TemplateParameter } from "./TemplateParameter";

/**
 * A WhatsApp message template Meta approved for the channel's business account: the one kind
 * of message WhatsApp delivers once the 24-hour window after the customer's last message has
 * closed (and a formal opening while it is open).
 */
export type WhatsAppTemplate = { name: string, 
/**
 * Meta's language code: `pt_BR`, `en_US`, `es`.
 */
language: string, 
/**
 * `UTILITY`, `MARKETING` or `AUTHENTICATION`.
 */
category: string, 
/**
 * The header's text, with its variables (`{{1}}`).
 */
header: string | null, 
/**
 * The body's text, with its variables (`{{1}}`, `{{customer_name}}`).
 */
body: string, footer: string | null, 
/**
 * The buttons' labels, as the customer will see them.
 */
buttons: Array<string>, 
/**
 * What the agent fills in, in order: `header.1`, `body.1`, `body.customer_name`.
 */
parameters: Array<TemplateParameter>, };
