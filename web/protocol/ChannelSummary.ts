// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { ChannelKind } from "./ChannelKind";

/**
 * A channel an agent may start a chat on, as `GET /channels` lists it.
 */
export type ChannelSummary = { id: string, kind: ChannelKind, };
