/**
 * The Info panel of the open chat: the customer (name, channel, phones, e-mails), actions on
 * their number (a Switchboard SMS or WhatsApp chat first, then a call through the OS), e-mail,
 * add contact, and their history across agents.
 */
import type { ChannelKind, Conversation } from "../api";
import { button, el } from "../dom";
import { dayLabel, samePhone } from "../format";
import type { MessageKey } from "../i18n";
import { channelIcon } from "../icons";
import { mailtoLink, telLink } from "../links";
import type { Context, MainState } from "./context";
import type { StartTarget } from "./start-chat";

export interface InfoPanelEvents {
  /** Add contact for the chat's customer (unknown contacts). */
  addContact(conversation: Conversation): void;
  /** "Send SMS" / "Send WhatsApp": the customer's chat of that kind, or a new one. */
  startChat(target: StartTarget): void;
}

export class InfoPanel {
  readonly element: HTMLElement;

  constructor(
    private readonly ctx: Context,
    private readonly state: Readonly<MainState>,
    private readonly events: InfoPanelEvents,
  ) {
    this.element = el("aside", { class: "info-panel", "data-testid": "info-panel" });
    this.element.hidden = true;
  }

  get hidden(): boolean {
    return this.element.hidden;
  }

  set hidden(hidden: boolean) {
    this.element.hidden = hidden;
  }

  /** Shows the panel for `c` and fills it once the contact's history is in (if `c` is still open). */
  async show(c: Conversation): Promise<void> {
    const { backend, t, locale } = this.ctx;
    this.element.hidden = false;
    const identity = c.contact.identity?.value ?? "";
    const phone = c.channel === "whatsapp" || c.channel === "sms" ? identity : "";
    const [history, channels] = await Promise.all([
      c.contact.id ? backend.contactHistory(c.contact.id).catch(() => null) : null,
      // Offline, both actions show and say why when used.
      backend.channels().catch(() => null),
    ]);
    if (this.state.activeId !== c.id) return;
    const contact = history?.contact;
    const emails = contact?.emails ?? [];
    const phones = contact?.phones.length ? contact.phones : phone ? [phone] : [];
    const actions = el("div", { class: "info-actions" });
    const dial = phones[0];
    if (dial) {
      const name = contact?.name ?? c.contact.display_name;
      const offered = (kind: ChannelKind) => !channels || channels.some((ch) => ch.kind === kind);
      for (const kind of ["sms", "whatsapp"] as const) {
        if (!offered(kind)) continue;
        const start = button(t(kind === "sms" ? "start.sms" : "start.whatsapp"), `info-start-${kind}`);
        start.addEventListener("click", () =>
          this.events.startChat({
            kind,
            phone: dial,
            name,
            contactId: c.contact.id ?? null,
            identities: contact?.identities ?? (c.contact.identity ? [c.contact.identity] : []),
          }),
        );
        actions.append(start);
      }
      actions.append(this.linkButton(t("info.call"), "info-call", telLink(dial)));
    }
    if (emails[0] && c.channel === "livechat") {
      actions.append(this.linkButton(t("info.email"), "info-email", mailtoLink(emails[0])));
    }
    if (!c.contact.known) {
      const add = button(t("info.addContact"), "info-add-contact", { class: "primary" });
      add.addEventListener("click", () => this.events.addContact(c));
      actions.append(add);
    }
    const entries = (history?.conversations ?? []).map((h) =>
      el(
        "li",
        { class: "history-item", "data-testid": "history-item" },
        channelIcon(h.channel, t(`channel.${h.channel}` as MessageKey)) ?? "",
        el(
          "div",
          {},
          el("strong", {}, `${dayLabel(h.started_at, locale)}`),
          el(
            "span",
            { class: "muted" },
            [
              t(`info.outcome.${h.outcome}` as MessageKey),
              h.handled_by ? t("info.handledBy", { name: h.handled_by.name }) : "",
              t("info.messages", { count: h.messages }),
            ]
              .filter(Boolean)
              .join(" · "),
          ),
          h.last_message ? el("p", { class: "muted" }, h.last_message) : "",
        ),
      ),
    );
    const closeInfo = button(t("info.close"), "info-close", { class: "ghost" });
    closeInfo.addEventListener("click", () => (this.element.hidden = true));
    this.element.replaceChildren(
      el("div", { class: "panel-head" }, el("h3", {}, t("info.title")), closeInfo),
      el("p", { class: "info-name", "data-testid": "info-name" }, contact?.name ?? c.contact.display_name),
      el(
        "p",
        { class: "muted" },
        [t(`channel.${c.channel}` as MessageKey), phones.some((p) => samePhone(p, identity)) ? "" : identity]
          .filter(Boolean)
          .join(" · "),
      ),
      c.contact.known ? "" : el("p", { class: "muted" }, t("info.unknown")),
      ...phones.map((p) => el("p", { class: "info-line" }, p)),
      ...emails.map((e) => el("p", { class: "info-line" }, e)),
      actions,
      el("h4", {}, t("info.history")),
      entries.length
        ? el("ul", { class: "history" }, ...entries)
        : el("p", { class: "muted" }, t("info.noHistory")),
    );
  }

  private linkButton(label: string, testid: string, url: string): HTMLButtonElement {
    const { backend, track, fail } = this.ctx;
    const b = button(label, testid);
    b.addEventListener("click", () => void track(backend.openLink(url).catch(fail)));
    return b;
  }
}
