// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { AdminQueue } from "./AdminQueue";

export type AdminQueueList = { 
/**
 * System owners see every queue; managers and group owners the queues they belong to.
 */
queues: Array<AdminQueue>, };
