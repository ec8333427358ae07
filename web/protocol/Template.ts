// Generated from crates/protocol by ts-rs. Do not edit: run `SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript`.
import type { Agent } from "./Agent";

export type Template = { id: string, name: string, body: string, category: string, 
/**
 * BCP 47 (`pt-BR`, `en`).
 */
language: string, updated_by?: Agent | null, updated_at: string, };
