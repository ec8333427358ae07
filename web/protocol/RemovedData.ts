// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `data` of `conversation.removed`.
 */
export type RemovedData = { id: string, 
/**
 * Why it left this agent's view: `taken`, `transferred`, `deleted`, `offer_moved`.
 */
reason: string, };
