/**
 * Translations. Catalogs are plain objects checked by TypeScript against the English one, so
 * a missing key fails `npm run check` instead of showing up blank in the app. Choosing the
 * locale and filling `{name}` placeholders is shared with the widget (web/shared/i18n.ts).
 */
import {
  browserLanguages,
  pickLocale as pickSupported,
  translator as catalogTranslator,
  type Params,
} from "../../../web/shared/i18n";
import { en, type MessageKey, type Messages } from "./en";
import { ptBR } from "./pt-BR";

export type { MessageKey } from "./en";
export type { Params } from "../../../web/shared/i18n";

export type Locale = "en" | "pt-BR";

const catalogs: Record<Locale, Messages> = { en, "pt-BR": ptBR };

export const DEFAULT_LOCALE: Locale = "en";

/**
 * Picks the first supported locale from the user's preferred languages (BCP 47 tags, most
 * preferred first). An exact match wins; otherwise the language alone decides, so `pt-PT` and
 * `pt` get Brazilian Portuguese and `en-GB` gets English.
 */
export function pickLocale(preferred: readonly string[]): Locale {
  return pickSupported(Object.keys(catalogs) as Locale[], preferred, DEFAULT_LOCALE);
}

/** The locale for this browser or webview, from `navigator.languages`/`navigator.language`. */
export function detectLocale(nav: Pick<Navigator, "language" | "languages"> = navigator): Locale {
  return pickLocale(browserLanguages(nav));
}

export type Translate = (key: MessageKey, params?: Params) => string;

/** Returns a `t(key, params)` for `locale`; `{name}` in a message is replaced by `params.name`. */
export function translator(locale: Locale): Translate {
  return catalogTranslator<MessageKey>(catalogs[locale]);
}
