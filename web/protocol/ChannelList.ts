// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { ChannelSummary } from "./ChannelSummary";

/**
 * `GET /channels`: the enabled SMS and WhatsApp channels, by id — the ones a chat can be
 * started on (`POST /conversations`).
 */
export type ChannelList = { channels: Array<ChannelSummary>, };
