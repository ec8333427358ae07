// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * A value the operator pastes into the provider's console (or a web page), with its label.
 */
export type ConsoleValue = { 
/**
 * `webhook_url`, `verify_token`, `messaging_url`, `status_callback_url`, `embed_snippet`.
 */
name: string, 
/**
 * The value; for a secret, where to find it (secrets are never answered).
 */
value: string, };
