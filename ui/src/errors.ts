/** How a `BackendError` reads to a person, in the current language. */
import type { BackendError, ErrorCode } from "./backend";
import type { MessageKey, Translate } from "./i18n";

/** Codes with a sentence of their own in the catalogs; others show the backend's message. */
const TRANSLATED: Partial<Record<ErrorCode, MessageKey>> = {
  not_connected: "error.not_connected",
  invalid_credentials: "error.wrong_credentials",
  unreachable: "error.unreachable",
  not_switchboard: "error.not_switchboard",
  invalid_server_url: "error.invalid_server_url",
};

export function describeError(error: BackendError, t: Translate): string {
  if (error.code === "data_dir_unavailable") {
    return t("error.data_dir_unavailable", { message: error.message });
  }
  const key = TRANSLATED[error.code];
  if (key) return t(key);
  if (error.code === "unknown") return t("error.unknown", { message: error.message });
  // The engine's sentences already say what happened and what to do.
  return error.message;
}
