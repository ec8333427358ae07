// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { QueueSummary } from "./QueueSummary";

export type QueueList = { 
/**
 * By name.
 */
queues: Array<QueueSummary>, };
