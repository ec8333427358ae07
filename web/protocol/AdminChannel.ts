// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { ChannelKind } from "./ChannelKind";
import type { ConsoleValue } from "./ConsoleValue";

/**
 * A channel as administrators see it: its route, its settings (secrets only as
 * `{"set": true, "last4"}`) and what to paste into the provider's console.
 */
export type AdminChannel = { id: string, kind: ChannelKind, 
/**
 * The queue its chats go to, or
 */
route_queue: string | null, 
/**
 * the extension they go to.
 */
route_extension: string | null, 
/**
 * Declared in the configuration file, which rules it: read-only here (`409 provisioned`).
 */
provisioned: boolean, 
/**
 * A disabled channel sends nothing and answers its webhooks 503, so the provider keeps
 * the customers' messages and delivers them again later.
 */
enabled: boolean, settings: Record<string, unknown>, console: Array<ConsoleValue>, };
