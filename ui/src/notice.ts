/**
 * The quiet notice shown when the OS keychain could not keep the sign-in: the agent works as
 * usual, and learns why the app will ask for the password at its next start.
 */
import type { SignInKept } from "./api";
import { button, el } from "./dom";
import type { Translate } from "./i18n";

/** The notice for `kept`, or null when the keychain keeps the sign-in (nothing to say). */
export function signInNotice(kept: SignInKept | null, t: Translate): HTMLElement | null {
  if (kept?.kept !== "this_run_only") return null;
  const dismiss = button(t("notice.dismiss"), "sign-in-notice-dismiss");
  const notice = el(
    "aside",
    { class: "sign-in-notice", role: "status", "data-testid": "sign-in-notice" },
    el("p", {}, t("notice.thisRunOnly", { detail: kept.detail })),
    dismiss,
  );
  dismiss.addEventListener("click", () => notice.remove());
  return notice;
}
