/**
 * Building DOM trees without `innerHTML`, so text from users or servers is always inserted as
 * text, never parsed as markup. `el` is shared with the live-chat widget (web/shared/dom.ts).
 */
import { el } from "../../web/shared/dom";

export { el };

/** A `type="button"` button with its test id (CONTRACT §7) and any other attributes. */
export function button(label: string, testid: string, extra: Record<string, string> = {}): HTMLButtonElement {
  return el("button", { type: "button", "data-testid": testid, ...extra }, label);
}
