// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Role } from "./Role";
import type { SecretState } from "./SecretState";

/**
 * An agent as administrators see it.
 */
export type AdminAgent = { id: string, extension: string, name: string, email: string | null, role: Role, 
/**
 * The queues the agent answers, by id, in name order.
 */
queues: Array<string>, 
/**
 * Disabled agents cannot sign in; their name stays on history.
 */
disabled: boolean, 
/**
 * Declared in the configuration file, which rules it: read-only here (`409 provisioned`).
 */
provisioned: boolean, 
/**
 * An administrator set a temporary password the agent has not replaced yet.
 */
must_change_password: boolean, password: SecretState, };
