// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * Whether a write-only secret is set; secrets themselves are never answered.
 */
export type SecretState = { set: boolean, };
