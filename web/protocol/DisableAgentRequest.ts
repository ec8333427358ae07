// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `POST /admin/agents/{extension}/disable`: the chats the agent owns go back to their queue,
 * or to the colleague with this extension.
 */
export type DisableAgentRequest = { transfer_to: string | null, };
