// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `PUT /me/password`: the agent's own new password; other sessions end.
 */
export type ChangePasswordRequest = { current_password: string, new_password: string, };
