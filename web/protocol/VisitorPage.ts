// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { VisitorMessage } from "./VisitorMessage";

export type VisitorPage = { messages: Array<VisitorMessage>, cursor: number, ended: boolean, };
