// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `POST /admin/agents/{extension}/password`: a temporary password.
 */
export type PasswordRequest = { password: string, };
