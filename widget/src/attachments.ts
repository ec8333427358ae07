// Checks a file before it is uploaded, so the visitor learns at once why a file can't be sent.
// The server checks the content again; this only looks at the name and the size.

import { type Catalog, type Lang, formatBytes, listExtensions } from "./i18n";

/** The types agents may upload too (SPEC §3), used until the channel's config says otherwise. */
export const DEFAULT_EXTENSIONS: readonly string[] = [
  "pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "txt", "rtf",
  "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "heif", "heic",
];

export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

export type Precheck =
  | { ok: true }
  | { ok: false; reason: "type" | "size" | "empty"; message: string };

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return "";
  return name.slice(dot + 1).toLowerCase();
}

export function precheck(
  file: { name: string; size: number },
  accepted: readonly string[],
  maxBytes: number,
  t: Catalog,
  lang: Lang,
): Precheck {
  const allowed = (accepted.length ? accepted : DEFAULT_EXTENSIONS).map((e) =>
    e.toLowerCase().replace(/^\./, ""),
  );
  const ext = extensionOf(file.name);
  if (!ext || !allowed.includes(ext)) {
    return { ok: false, reason: "type", message: t.notAccepted(file.name, listExtensions(allowed)) };
  }
  if (file.size === 0) return { ok: false, reason: "empty", message: t.empty(file.name) };
  if (maxBytes > 0 && file.size > maxBytes) {
    return {
      ok: false,
      reason: "size",
      message: t.tooLarge(file.name, formatBytes(file.size, lang), formatBytes(maxBytes, lang)),
    };
  }
  return { ok: true };
}

/** The value for `<input type=file accept>`: ".pdf,.doc,…". */
export function acceptAttribute(accepted: readonly string[]): string {
  return (accepted.length ? accepted : DEFAULT_EXTENSIONS).map((e) => `.${e.replace(/^\./, "")}`).join(",");
}
