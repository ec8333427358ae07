// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * What the agent's Info panel shows about a live-chat visitor.
 */
export type VisitorInfo = { visitor_id: string, name: string | null, email: string | null, ip: string, user_agent: string, language: string | null, first_seen_at: string, last_seen_at: string, };
