// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Role } from "./Role";

/**
 * `POST /admin/agents` (every field) and `PUT /admin/agents/{extension}` (what changes), in
 * the configuration file's shape. A password given here is temporary: the agent chooses a new
 * one at the next sign-in.
 */
export type AgentRequest = { extension: string | null, name: string | null, 
/**
 * `null` or `""` removes the e-mail.
 */
email: string | null, role: Role | null, password: string | null, };
