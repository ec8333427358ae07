// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * What the widget needs to know before it shows anything.
 */
export type VisitorConfig = { 
/**
 * Empty: the widget's own words.
 */
greeting: string, 
/**
 * Shown instead of the greeting while no agent is signed in (empty: the widget's own
 * words); `None` when someone is.
 */
offline_text: string | null, ask_name: boolean, ask_email: boolean, max_attachment_bytes: number, accepted_extensions: Array<string>, 
/**
 * The longest message a visitor may send, in characters (`[server.limits]
 * visitor_message_chars`); older servers leave it out.
 */
max_message_chars?: number, };
