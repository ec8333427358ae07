/**
 * The top bar: brand, search, who is signed in, presence, and the help, settings and sign-out
 * buttons. It reports what the agent asks for; the screen decides what happens.
 */
import type { Agent, Presence } from "../api";
import { button, el } from "../dom";
import type { MessageKey } from "../i18n";
import type { Context, MainState } from "./context";
import type { Search } from "./search";

export interface TopBarEvents {
  help(): void;
  settings(): void;
  /** Offered to system owners, managers and group owners. */
  administration(): void;
  logout(): void;
  /** The server accepted a new presence. */
  presenceChanged(agent: Agent): void;
}

export class TopBar {
  readonly element: HTMLElement;
  private readonly presence: HTMLSelectElement;

  constructor(
    private readonly ctx: Context,
    private readonly state: Readonly<MainState>,
    search: Search,
    events: TopBarEvents,
  ) {
    const { t } = ctx;
    const me = state.me;
    this.presence = el("select", { class: "presence", "data-testid": "presence-select", "aria-label": "Presence" });
    for (const p of ["available", "away", "dnd"] as Presence[]) {
      this.presence.append(el("option", { value: p }, t(`presence.${p}` as MessageKey)));
    }
    this.presence.value = me.presence;
    const settingsButton = button(t("main.settings"), "settings-open", { class: "ghost" });
    const helpButton = button("?", "help-open", { class: "ghost help", title: t("help.open"), "aria-label": t("help.open") });
    const logoutButton = button(t("main.logout"), "logout", { class: "ghost" });
    // System owners administer everything, managers and group owners their queues; agents see
    // no trace of it.
    const adminButton =
      me.role === "agent" ? null : button(t("admin.open"), "admin-open", { class: "ghost" });
    adminButton?.addEventListener("click", () => events.administration());
    this.element = el(
      "header",
      { class: "topbar" },
      el("span", { class: "brand" }, t("app.name")),
      search.element,
      el("span", { class: "me", title: me.extension }, `${me.name} · ${me.extension}`),
      this.presence,
      helpButton,
      ...(adminButton ? [adminButton] : []),
      settingsButton,
      logoutButton,
    );
    helpButton.addEventListener("click", () => events.help());
    settingsButton.addEventListener("click", () => events.settings());
    logoutButton.addEventListener("click", () => events.logout());
    this.presence.addEventListener("change", () => {
      void this.ctx.track(
        this.ctx.backend.setPresence(this.presence.value as Presence).then(
          (agent) => events.presenceChanged(agent),
          (thrown) => {
            this.presence.value = this.state.me.presence;
            this.ctx.fail(thrown);
          },
        ),
      );
    });
  }

  /** Shows a presence set elsewhere (the tray menu). */
  showPresence(presence: Presence): void {
    this.presence.value = presence;
  }
}
