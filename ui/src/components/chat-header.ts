/**
 * The open chat's header: channel icon, name, who owns it, and its actions (Take, Transfer,
 * Resolve, and the ⋯ menu with Info, End session, Block, Archive, Unarchive, Delete). Which
 * actions show depends on the chat; what they do is the screen's.
 */
import type { Conversation } from "../api";
import { button, el } from "../dom";
import { conversationName } from "../format";
import type { MessageKey } from "../i18n";
import { channelIcon } from "../icons";
import type { Context, MainState } from "./context";

export interface ChatHeaderEvents {
  take(): void;
  transfer(): void;
  resolve(): void;
  info(): void;
  endSession(): void;
  block(): void;
  archive(): void;
  unarchive(): void;
  delete(): void;
}

export class ChatHeader {
  readonly element: HTMLDivElement;
  private readonly icon: HTMLSpanElement;
  private readonly title: HTMLHeadingElement;
  private readonly sub: HTMLParagraphElement;
  /** An SMS customer who texted STOP: nothing may be sent (the composer says since when). */
  private readonly optedOut: HTMLSpanElement;
  private readonly takeButton: HTMLButtonElement;
  private readonly transferButton: HTMLButtonElement;
  private readonly resolveButton: HTMLButtonElement;
  private readonly menu: HTMLDivElement;
  private readonly menuInfo: HTMLButtonElement;
  private readonly menuEndSession: HTMLButtonElement;
  private readonly menuBlock: HTMLButtonElement;
  private readonly menuArchive: HTMLButtonElement;
  private readonly menuUnarchive: HTMLButtonElement;
  private readonly menuDelete: HTMLButtonElement;

  constructor(
    private readonly ctx: Context,
    private readonly state: Readonly<MainState>,
    events: ChatHeaderEvents,
  ) {
    const { t } = ctx;
    this.title = el("h2", { class: "chat-title", "data-testid": "chat-title" });
    this.sub = el("p", { class: "chat-sub", "data-testid": "chat-sub" });
    this.optedOut = el("span", { class: "badge warning", "data-testid": "opted-out" }, t("chat.optedOutBadge"));
    this.optedOut.hidden = true;
    this.takeButton = button(t("chat.take"), "take-button", { class: "primary" });
    this.transferButton = button(t("chat.transfer"), "transfer-button");
    this.resolveButton = button(t("chat.resolve"), "resolve-button");
    const menuButton = button("⋯", "chat-menu", { "aria-label": t("chat.menu"), "aria-haspopup": "true" });
    this.menuInfo = button(t("chat.info"), "menu-info");
    this.menuEndSession = button(t("chat.endSession"), "menu-end-session");
    this.menuBlock = button(t("chat.block"), "menu-block", { class: "danger" });
    this.menuArchive = button(t("chat.archive"), "menu-archive");
    this.menuUnarchive = button(t("chat.unarchive"), "menu-unarchive");
    this.menuDelete = button(t("chat.delete"), "menu-delete", { class: "danger" });
    this.menu = el(
      "div",
      { class: "menu", role: "menu" },
      this.menuInfo,
      this.menuEndSession,
      this.menuBlock,
      this.menuArchive,
      this.menuUnarchive,
      this.menuDelete,
    );
    this.menu.hidden = true;
    const actions = el(
      "div",
      { class: "chat-actions" },
      this.takeButton,
      this.transferButton,
      this.resolveButton,
      el("div", { class: "menu-wrap" }, menuButton, this.menu),
    );
    this.icon = el("span", { class: "chat-icon" });
    this.element = el(
      "div",
      { class: "chat-header" },
      this.icon,
      el("div", { class: "chat-heading" }, el("div", { class: "chat-title-row" }, this.title, this.optedOut), this.sub),
      actions,
    );

    this.takeButton.addEventListener("click", () => events.take());
    this.transferButton.addEventListener("click", () => events.transfer());
    this.resolveButton.addEventListener("click", () => events.resolve());
    menuButton.addEventListener("click", () => (this.menu.hidden = !this.menu.hidden));
    this.menuInfo.addEventListener("click", () => events.info());
    this.menuEndSession.addEventListener("click", () => events.endSession());
    this.menuBlock.addEventListener("click", () => events.block());
    this.menuArchive.addEventListener("click", () => events.archive());
    this.menuUnarchive.addEventListener("click", () => events.unarchive());
    this.menuDelete.addEventListener("click", () => events.delete());
  }

  /** Draws the header for the chat, as loaded. */
  show(c: Conversation): void {
    const { t } = this.ctx;
    this.title.textContent = conversationName(c);
    this.icon.replaceChildren(channelIcon(c.channel, t(`channel.${c.channel}` as MessageKey)) ?? "");
    const mine = c.owner?.id === this.state.me.id;
    const unowned = !c.owner && c.status === "queued";
    this.sub.textContent = unowned
      ? c.queue_id
        ? t("chat.queued", { queue: c.queue_id })
        : t("chat.queuedForYou")
      : c.owner
        ? mine
          ? t("chat.ownedByMe")
          : t("chat.ownedBy", { name: c.owner.name })
        : (c.contact.identity?.value ?? "");
    this.optedOut.hidden = !(c.channel === "sms" && c.opted_out_at);
    this.takeButton.hidden = !unowned || c.archived;
    this.resolveButton.hidden = c.channel === "internal" || c.archived || c.status === "resolved";
    this.transferButton.hidden = c.channel === "internal";
    this.menuInfo.hidden = c.channel === "internal";
    this.menuEndSession.hidden = c.channel !== "livechat" || c.archived;
    this.menuBlock.hidden = c.channel !== "livechat" || c.archived;
    this.menuArchive.hidden = c.archived;
    this.menuUnarchive.hidden = !c.archived;
    this.menuDelete.hidden = !c.archived;
  }

  closeMenu(): void {
    this.menu.hidden = true;
  }

  /** Ctrl+Shift+T: the same as clicking Take (the screen's shortcuts). */
  pressTake(): void {
    this.takeButton.click();
  }

  /** Ctrl+Shift+R: the same as clicking Resolve. */
  pressResolve(): void {
    this.resolveButton.click();
  }
}
