/**
 * Translations. Catalogs are plain objects checked by TypeScript against the English one, so
 * a missing key fails `npm run check` instead of showing up blank in the app.
 */
import { en, type MessageKey, type Messages } from "./en";
import { ptBR } from "./pt-BR";

export type { MessageKey } from "./en";

export type Locale = "en" | "pt-BR";

const catalogs: Record<Locale, Messages> = { en, "pt-BR": ptBR };

export const DEFAULT_LOCALE: Locale = "en";

/**
 * Picks the first supported locale from the user's preferred languages (BCP 47 tags, most
 * preferred first). An exact match wins; otherwise the language alone decides, so `pt-PT` and
 * `pt` get Brazilian Portuguese and `en-GB` gets English.
 */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    const exact = (Object.keys(catalogs) as Locale[]).find((l) => l.toLowerCase() === lower);
    if (exact) return exact;
    const language = lower.split("-")[0];
    if (language === "pt") return "pt-BR";
    if (language === "en") return "en";
  }
  return DEFAULT_LOCALE;
}

/** The locale for this browser or webview, from `navigator.languages`/`navigator.language`. */
export function detectLocale(nav: Pick<Navigator, "language" | "languages"> = navigator): Locale {
  const preferred = nav.languages.length > 0 ? nav.languages : [nav.language];
  return pickLocale(preferred);
}

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Returns a `t(key, params)` for `locale`; `{name}` in a message is replaced by `params.name`. */
export function translator(locale: Locale): Translate {
  const messages = catalogs[locale];
  return (key, params = {}) =>
    messages[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in params ? String(params[name]) : whole,
    );
}
