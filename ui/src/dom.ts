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

/**
 * Makes `wanted` the children of `parent`, in that order, touching only what differs: a child
 * no longer wanted is removed, one that moved is moved once, one already in its place is left
 * alone. `replaceChildren` would detach and re-attach every child on each redraw, which costs
 * the WebView style and layout work and drops focus even when nothing changed.
 *
 * A child that moves up costs one move; one that moves down costs one per child it passes
 * (those are moved before it), which is fine for lists where a row moving to the top is the
 * common change (a chat with a new message, a newer day of messages).
 */
export function placeChildren(parent: Element, wanted: readonly Node[]): void {
  const keep = new Set(wanted);
  // Removed first, so a child leaving from the middle does not make every later one "differ".
  for (let child = parent.firstChild; child; ) {
    const next = child.nextSibling;
    if (!keep.has(child)) child.remove();
    child = next;
  }
  let at = parent.firstChild;
  for (const node of wanted) {
    if (node === at) at = at.nextSibling;
    else parent.insertBefore(node, at);
  }
}
