// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * One variable of a [`WhatsAppTemplate`].
 */
export type TemplateParameter = { 
/**
 * `header.1`, `body.2`, `body.customer_name`: the key of its value in
 * [`SendTemplateRequest::parameters`].
 */
key: string, 
/**
 * The example Meta was shown when the template was approved, if any.
 */
example: string | null, };
