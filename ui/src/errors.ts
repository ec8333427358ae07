/** How a `BackendError` reads to a person, in the current language. */
import type { BackendError } from "./backend";
import type { Translate } from "./i18n";

export function describeError(error: BackendError, t: Translate): string {
  switch (error.code) {
    case "not_connected":
      return t("error.not_connected");
    case "data_dir_unavailable":
      return t("error.data_dir_unavailable", { message: error.message });
    case "unknown":
      return t("error.unknown", { message: error.message });
  }
}
