// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { ErrorCode } from "./ErrorCode";

export type ErrorBody = { code: ErrorCode, message: string, };
