/**
 * The app's own update, when there is something to say: "Update ready — restart" with the
 * choice of when, or why a downloaded update was refused. Quiet otherwise (checking, up to date,
 * off). The settings dialog shows the rest (`describeUpdate`).
 */
import type { Backend, UpdateStatus } from "../api";
import { toBackendError } from "../backend";
import { button, el } from "../dom";
import type { MessageKey, Translate } from "../i18n";

/** One sentence for any status, for the settings dialog. */
export function describeUpdate(status: UpdateStatus, t: Translate): string {
  switch (status.state) {
    case "off":
      return t(`update.off.${status.reason}` as MessageKey);
    case "idle":
      return t("update.idle");
    case "checking":
      return t("update.checking");
    case "up_to_date":
      return t("update.upToDate");
    case "downloading":
      return t("update.downloading", { version: status.version });
    case "ready":
      return t("update.ready", { version: status.version });
    case "installing":
      return t("update.installing", { version: status.version });
    case "refused":
      return t("update.refused", { version: status.version });
    case "failed":
      return t("update.failed", { message: status.message });
  }
}

export class UpdateBanner {
  readonly element: HTMLElement = el("aside", {
    class: "update-banner",
    role: "status",
    "data-testid": "update-banner",
  });
  private readonly text = el("p", { "data-testid": "update-banner-text" });
  private readonly restart: HTMLButtonElement;
  private readonly later: HTMLButtonElement;
  /** The version the agent said "later" to (or dismissed): not shown again for it. */
  private dismissed: string | null = null;
  private status: UpdateStatus = { state: "idle" };
  /** The agent pressed Restart: a failure from now on is the install's, worth showing. */
  private installing = false;

  constructor(
    private readonly backend: Backend,
    private readonly t: Translate,
  ) {
    this.restart = button(t("update.restart"), "update-restart", { class: "primary" });
    this.later = button(t("update.later"), "update-later");
    this.element.append(this.text, this.restart, this.later);
    this.element.hidden = true;
    this.restart.addEventListener("click", () => this.install());
    this.later.addEventListener("click", () => {
      this.dismissed = this.subject(this.status);
      this.element.hidden = true;
    });
  }

  /** What the banner is about (a version ready, refused, installing, an install that failed),
   * or null when there is nothing to say. A dismissed subject stays hidden. */
  private subject(status: UpdateStatus): string | null {
    switch (status.state) {
      case "ready":
      case "refused":
      case "installing":
        return `${status.state}:${status.version}`;
      case "failed":
        return this.installing ? `failed:${status.message}` : null;
      default:
        return null;
    }
  }

  show(status: UpdateStatus): void {
    this.status = status;
    if (status.state !== "installing" && status.state !== "failed") this.installing = false;
    const subject = this.subject(status);
    this.element.hidden = subject === null || subject === this.dismissed;
    this.element.dataset.state = status.state;
    this.restart.hidden = status.state !== "ready";
    this.restart.disabled = false;
    this.later.hidden = status.state === "installing";
    this.later.textContent = status.state === "ready" ? this.t("update.later") : this.t("notice.dismiss");
    const sentence = describeUpdate(status, this.t);
    this.text.textContent = status.state === "ready" && status.notes ? `${sentence} ${status.notes}` : sentence;
  }

  private install(): void {
    this.installing = true;
    this.restart.disabled = true;
    this.backend.installUpdate().catch((thrown: unknown) => {
      this.show({ state: "failed", message: toBackendError(thrown).message });
    });
  }
}
