// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * An approved WhatsApp template to send, its variables filled.
 */
export type TemplateChoice = { name: string, language: string, 
/**
 * A value for each of the template's parameters, by key (`body.1`).
 */
parameters: { [key in string]: string }, };
