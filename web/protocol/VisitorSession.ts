// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

export type VisitorSession = { token: string, visitor_id: string, name: string | null, 
/**
 * The visitor's current chat was ended by an agent.
 */
ended: boolean, };
