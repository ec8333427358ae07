/**
 * Building DOM trees without `innerHTML`, so text from users or servers is always inserted as
 * text, never parsed as markup. Used by the agent UI and the live-chat widget.
 */

/** `true` sets a boolean attribute; `false`, `null` and `undefined` leave it out. */
export type Attributes = Record<string, string | number | boolean | null | undefined>;

/** Strings become text nodes; `null` and `undefined` are skipped (for optional parts). */
export type Child = Node | string | null | undefined;

/** Creates `<tag>` with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (value !== false && value != null) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child != null) element.append(child);
  return element;
}
