/**
 * The machinery of translation, shared by the agent UI and the live-chat widget: choosing a
 * locale from the browser's preferences and filling `{name}` placeholders. Each package keeps
 * its own catalogs.
 */

/**
 * The first of `supported` that the preferred language tags (BCP 47, most preferred first)
 * ask for: an exact match wins (case and `_`/`-` ignored); otherwise the language alone decides,
 * so `pt-PT` and `pt` get `pt-BR` when that is the only Portuguese, and `en-GB` gets `en`.
 * `fallback` when nothing matches.
 */
export function pickLocale<L extends string>(supported: readonly L[], preferred: readonly string[], fallback: L): L {
  const normal = (tag: string) => tag.replace(/_/g, "-").toLowerCase();
  const language = (tag: string) => normal(tag).split("-")[0];
  for (const tag of preferred) {
    const wanted = normal(tag);
    const match =
      supported.find((l) => normal(l) === wanted) ?? supported.find((l) => language(l) === language(wanted));
    if (match) return match;
  }
  return fallback;
}

/** The browser's (or webview's) language preferences, most preferred first. */
export function browserLanguages(nav: Pick<Navigator, "language" | "languages"> = navigator): readonly string[] {
  return nav.languages.length > 0 ? nav.languages : [nav.language];
}

export type Params = Record<string, string | number>;

/** `{name}` in `message` replaced by `params.name`; unknown placeholders stay as they are. */
export function interpolate(message: string, params: Params = {}): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A `t(key, params)` over one catalog of messages with `{name}` placeholders. */
export function translator<K extends string>(messages: Readonly<Record<K, string>>): (key: K, params?: Params) => string {
  return (key, params) => interpolate(messages[key], params);
}
