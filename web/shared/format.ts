/** Formatting both the agent UI and the live-chat widget need, with the same rules. */

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
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${UNITS[unit]}`;
}
