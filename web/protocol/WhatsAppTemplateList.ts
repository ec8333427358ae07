// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { WhatsAppTemplate } from "./WhatsAppTemplate";

/**
 * `GET /channels/{id}/whatsapp-templates`: the approved templates, by name then language.
 */
export type WhatsAppTemplateList = { templates: Array<WhatsAppTemplate>, };
