/**
 * The pop-ups for a new chat from someone not in the directory: Ignore, Reply, or Add contact.
 * Only chats that arrive after the screen came up get one, and each chat at most once.
 */
import type { Conversation } from "../api";
import { button, el } from "../dom";
import { conversationName } from "../format";
import type { MessageKey } from "../i18n";
import { channelIcon } from "../icons";
import type { Context } from "./context";

export interface PopupEvents {
  reply(conversation: Conversation): void;
  /** Add contact; `done` removes the pop-up once the contact is saved. */
  addContact(conversation: Conversation, done: () => void): void;
}

export class UnknownContactPopups {
  readonly element: HTMLDivElement = el("div", { class: "popups" });
  private readonly seen = new Set<string>();
  /** False until the first list is known: chats already there are not news. */
  private primed = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly ctx: Context,
    private readonly events: PopupEvents,
  ) {}

  /** Looks at the recent list as loaded: a chat not seen before may deserve a pop-up. */
  offer(conversations: Conversation[]): void {
    for (const c of conversations) this.consider(c);
    this.primed = true;
  }

  /** Removes a chat's pop-up (its chat was opened). */
  dismiss(conversationId: string): void {
    this.element.querySelector(`[data-conversation-id="${CSS.escape(conversationId)}"]`)?.remove();
  }

  private consider(c: Conversation): void {
    const { t } = this.ctx;
    if (this.seen.has(c.id)) return;
    this.seen.add(c.id);
    if (!this.primed || c.contact.known || c.channel === "internal") return;
    if (new Date(c.created_at).getTime() < this.startedAt) return;
    const add = button(t("popup.addContact"), "popup-add-contact", { class: "primary" });
    const replyButton = button(t("popup.reply"), "popup-reply");
    const ignore = button(t("popup.ignore"), "popup-ignore", { class: "ghost" });
    const popup = el(
      "div",
      { class: "popup", role: "alertdialog", "data-testid": "unknown-contact-popup", "data-conversation-id": c.id },
      el(
        "div",
        { class: "popup-head" },
        channelIcon(c.channel, t(`channel.${c.channel}` as MessageKey)) ?? "",
        el("strong", {}, t("popup.title")),
      ),
      el("p", {}, conversationName(c), el("span", { class: "muted" }, ` ${c.contact.identity?.value ?? ""}`)),
      c.last_message ? el("p", { class: "muted" }, c.last_message.body) : "",
      el("div", { class: "dialog-bar" }, ignore, replyButton, add),
    );
    ignore.addEventListener("click", () => popup.remove());
    replyButton.addEventListener("click", () => {
      popup.remove();
      this.events.reply(c);
    });
    add.addEventListener("click", () => this.events.addContact(c, () => popup.remove()));
    this.element.append(popup);
  }
}
