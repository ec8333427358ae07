// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Agent } from "./Agent";

export type LoginResponse = { token: string, agent: Agent, 
/**
 * The password is a temporary one an administrator set: every call but `GET /me`,
 * `PUT /me/password` and `DELETE /session` answers `403 password_change_required` until
 * the agent chooses a new one.
 */
must_change_password: boolean, };
