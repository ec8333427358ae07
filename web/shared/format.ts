/** Formatting both the agent UI and the live-chat widget need, with the same rules. */

/*
 * Intl formatters are made once per locale and options and kept. Each one holds an ICU
 * formatter in native memory (about 11 KB for a date format) that the JavaScript engine does
 * not count and frees only when a collection finds its wrapper; `toLocaleTimeString` and
 * friends make a new one on every call. Formatting every row and message of every redraw that
 * way filled the desktop app's web process with hundreds of megabytes of them between
 * collections (a heap profile of the soak: 318 MB at its peak, all from `udat_open`).
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function kept<F>(formats: Map<string, F>, locale: string, options: object, make: () => F): F {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = make();
    formats.set(key, format);
  }
  return format;
}

/** The date format for `locale` and `options`, made once. */
export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return kept(dateFormats, locale, options, () => new Intl.DateTimeFormat(locale, options));
}

/** The number format for `locale` and `options`, made once. */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return kept(numberFormats, locale, options, () => new Intl.NumberFormat(locale, options));
}

const UNITS = ["B", "KB", "MB", "GB"];

/**
 * "29 B", "2,9 KB", "25 MB" in `locale`, in binary units (1 KB = 1024 B) as the server counts
 * its attachment limit: one decimal below 10, none from 10 up or for bytes.
 */
export function formatBytes(bytes: number, locale: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${numberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${UNITS[unit]}`;
}
