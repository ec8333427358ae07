// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Event } from "./Event";

/**
 * Answer of `GET /sync`. When `reset` is true the cursor asked for is no longer served: the
 * client reloads its lists and continues from `cursor`.
 */
export type SyncResponse = { reset?: boolean, events: Array<Event>, cursor: number, more: boolean, };
