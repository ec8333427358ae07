// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { AdminChannel } from "./AdminChannel";

export type AdminChannelList = { 
/**
 * By id.
 */
channels: Array<AdminChannel>, };
