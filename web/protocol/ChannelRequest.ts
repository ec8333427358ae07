// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `POST /admin/channels` (everything required) and `PUT /admin/channels/{id}` (the same
 * shape; `id` and `kind` cannot change). `settings` holds the provider's settings keyed as in
 * the configuration file's `[channels.<kind>]` table; on `PUT` a secret left out keeps the
 * value stored (the API never answers secrets, so the form cannot send them back).
 */
export type ChannelRequest = { id: string | null, 
/**
 * `whatsapp`, `facebook`, `sms` or `livechat`.
 */
kind: string | null, 
/**
 * The queue its chats go to, or
 */
route_queue: string | null, 
/**
 * the extension they go to (exactly one of the two).
 */
route_extension: string | null, settings: Record<string, unknown>, };
