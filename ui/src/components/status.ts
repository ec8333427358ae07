/** The screen's passing messages (toast) and the connection banner. */
import type { ConnectionState } from "../api";
import { el } from "../dom";
import type { Translate } from "../i18n";

export class Toast {
  readonly element: HTMLDivElement = el("div", { class: "toast", role: "alert", "data-testid": "toast" });

  constructor() {
    this.element.hidden = true;
  }

  /** Shows `text` for six seconds. */
  show(text: string, error = false): void {
    this.element.textContent = text;
    this.element.classList.toggle("error", error);
    this.element.hidden = false;
    window.setTimeout(() => (this.element.hidden = true), 6000);
  }
}

/** Says the app is offline or reconnecting; hidden while online. */
export class ConnectionBanner {
  readonly element: HTMLDivElement = el("div", { class: "offline-banner", role: "status", "data-testid": "offline-banner" });
  /** How many states were shown: a state asked for earlier must not replace a newer one. */
  private shown = 0;

  constructor(private readonly t: Translate) {
    this.element.hidden = true;
  }

  get changes(): number {
    return this.shown;
  }

  set(state: ConnectionState): void {
    this.shown += 1;
    this.element.hidden = state === "online";
    this.element.textContent = state === "offline" ? this.t("main.offline") : this.t("main.connecting");
    this.element.dataset.state = state;
  }
}
