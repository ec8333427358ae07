/**
 * A small helper for building DOM trees without `innerHTML`, so text from users or servers is
 * always inserted as text, never parsed as markup.
 */

type Attributes = Record<string, string | boolean>;

/**
 * Creates `<tag>` with attributes and children. `true` sets a boolean attribute, `false` leaves
 * it out; strings among the children become text nodes.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (value !== false) element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** A `type="button"` button with its test id (CONTRACT §7) and any other attributes. */
export function button(label: string, testid: string, extra: Record<string, string> = {}): HTMLButtonElement {
  return el("button", { type: "button", "data-testid": testid, ...extra }, label);
}
