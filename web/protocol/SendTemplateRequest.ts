// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.

/**
 * `POST /conversations/{id}/whatsapp-template`: send an approved template, its variables
 * filled. Idempotent on `client_id`, like replies.
 */
export type SendTemplateRequest = { client_id: string, name: string, language: string, 
/**
 * A value for each of the template's parameters, by key (`body.1`).
 */
parameters: { [key in string]: string }, };
