// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `POST /admin/channels/{id}/check`: what the provider answered to the channel's credentials.
 */
export type ChannelCheck = { 
/**
 * The provider accepted the credentials and knows the number, page or account.
 */
ok: boolean, 
/**
 * In words: what the provider said it is (`WhatsApp number +1 555-0100 (Acme)`), or what
 * is wrong and what to do (bad token, wrong id, unreachable).
 */
summary: string, };
