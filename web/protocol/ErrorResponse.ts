// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { ErrorBody } from "./ErrorBody";

export type ErrorResponse = { error: ErrorBody, };
