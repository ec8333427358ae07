/**
 * The sidebar: the conversation list with its Recent/Archived switch and the New internal chat
 * button. The list draws a page at a time as it is scrolled, so the DOM stays small with
 * thousands of chats (WebView memory and first paint, PERFORMANCE.md); only the shown rows are
 * loaded from the cache, so the page holds 40 chats, not 10,000.
 */
import type { Conversation, View } from "../api";
import { button, el, placeChildren } from "../dom";
import { conversationName, listTime } from "../format";
import type { MessageKey } from "../i18n";
import { channelIcon } from "../icons";
import type { Context, MainState } from "./context";

const LIST_PAGE = 40;

/** A conversation's row element and a key of everything drawn in it. */
interface Row {
  element: HTMLLIElement;
  /** What `row()` drew last: the same key draws the same row, so its children are kept. */
  drawn: string;
}

export interface ListEvents {
  open(id: string): void;
  /** The agent picked Recent or Archived (the list is back to its first page). */
  viewChanged(view: View): void;
  newInternal(): void;
  /** A load was drawn; `conversations` holds one row more than shown when there are more. */
  loaded(conversations: Conversation[]): void;
}

export class ConversationList {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  /** The rows drawn, in order (Alt+arrows step through them). */
  private conversations: Conversation[] = [];
  private shown = LIST_PAGE;
  private hasMore = false;
  // Loads can overlap (a change arrives while one is in flight): an answer draws only if no
  // newer one has, and only for the view still shown.
  private seq = 0;
  /** The newest load drawn so far: an older answer arriving later must not replace it, but a
   * stream of changes must not starve the list either (every answer newer than it draws). */
  private drawn = 0;
  private reported = false;
  /** One row element per conversation, kept across redraws: a redraw during a click (a
   * change arriving between mouse down and up) must not swap the element under the pointer,
   * or the click lands on the list instead of the row. Its children are kept too unless what
   * it shows changed: a change usually touches one chat, while the list may redraw several
   * times a second, and rebuilding every shown row each time is DOM churn the WebView pays
   * for (suspected in the memory growth of a 30-minute soak). */
  private readonly rows = new Map<string, Row>();
  /** The "no conversations" row, made once. */
  private empty: HTMLLIElement | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly state: Readonly<MainState>,
    private readonly events: ListEvents,
  ) {
    const { t } = ctx;
    const viewSwitch = el("select", { class: "view-switch", "data-testid": "view-switch", "aria-label": "View" });
    viewSwitch.append(
      el("option", { value: "recent" }, t("list.recent")),
      el("option", { value: "archived" }, t("list.archived")),
    );
    this.list = el("ul", { class: "conversation-list", "data-testid": "conversation-list" });
    const newInternal = button(t("internal.new"), "new-internal-chat", { class: "ghost" });
    this.element = el("aside", { class: "sidebar" }, newInternal, viewSwitch, this.list);

    newInternal.addEventListener("click", () => events.newInternal());
    viewSwitch.addEventListener("change", () => {
      this.shown = LIST_PAGE;
      events.viewChanged(viewSwitch.value as View);
    });
    this.list.addEventListener("scroll", () => {
      if (!this.hasMore) return;
      const list = this.list;
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 200) {
        this.shown += LIST_PAGE;
        this.hasMore = false;
        void ctx.track(this.load().catch(ctx.fail));
      }
    });
  }

  /** Loads the shown page of the state's view from the cache and draws it. */
  async load(): Promise<void> {
    const seq = ++this.seq;
    const asked = this.state.view;
    // One row more than shown tells whether scrolling can load more.
    const loaded = await this.ctx.backend.conversations(asked, this.shown + 1);
    if (seq < this.drawn || asked !== this.state.view) return;
    this.drawn = seq;
    this.hasMore = loaded.length > this.shown;
    this.conversations = loaded.slice(0, this.shown);
    this.render();
    this.events.loaded(loaded);
  }

  /** The chat `delta` rows from the open one (clamped to the list), if any. */
  neighbour(delta: number): string | null {
    const rows = this.conversations;
    if (rows.length === 0) return null;
    const at = rows.findIndex((c) => c.id === this.state.activeId);
    return rows[Math.min(rows.length - 1, Math.max(0, at + delta))]?.id ?? null;
  }

  /** Draws the loaded rows again (the open chat is marked), changing only what differs. */
  render(): void {
    const { t } = this.ctx;
    const items = this.conversations.map((c) => this.row(c));
    const shown = new Set(this.conversations.map((c) => c.id));
    for (const id of this.rows.keys()) if (!shown.has(id)) this.rows.delete(id);
    if (items.length === 0) {
      this.empty ??= el("li", { class: "empty" });
      const text = t(this.state.view === "recent" ? "list.empty" : "list.emptyArchived");
      if (this.empty.textContent !== text) this.empty.textContent = text;
      placeChildren(this.list, [this.empty]);
    } else {
      placeChildren(this.list, items);
      this.reportFirstPaint();
    }
  }

  private ownerLabel(c: Conversation): { text: string; waiting: boolean } {
    const { t } = this.ctx;
    if (c.channel === "internal") return { text: t("list.internal"), waiting: false };
    if (!c.owner && c.status === "queued") {
      // A channel routed to one agent offers its chats to them, in no queue.
      return { text: c.queue_id ? t("list.waiting", { queue: c.queue_id }) : t("list.waitingForYou"), waiting: true };
    }
    if (c.owner) return { text: c.owner.id === this.state.me.id ? t("list.you") : c.owner.name, waiting: false };
    return { text: c.queue_id ?? "", waiting: false };
  }

  private row(c: Conversation): HTMLLIElement {
    const { t, locale } = this.ctx;
    const label = this.ownerLabel(c);
    const name = conversationName(c);
    const time = listTime(c.last_message?.created_at ?? c.updated_at, locale);
    const preview = c.last_message?.body || c.last_message?.attachments[0]?.filename || "";
    const active = c.id === this.state.activeId;
    let row = this.rows.get(c.id);
    if (!row) {
      const item = el("li", {
        tabindex: "0",
        "data-testid": "conversation-item",
        "data-conversation-id": c.id,
      });
      item.addEventListener("click", () => this.events.open(c.id));
      item.addEventListener("keydown", (e) => {
        if (e.key === "Enter") this.events.open(c.id);
      });
      row = { element: item, drawn: "" };
      this.rows.set(c.id, row);
    }
    const item = row.element;
    const className = `conversation-item${active ? " active" : ""}${label.waiting ? " waiting" : ""}`;
    if (item.className !== className) item.className = className;
    if (item.dataset.channel !== c.channel) item.dataset.channel = c.channel;
    const drawn = JSON.stringify([c.channel, name, time, preview, label.text, label.waiting, c.unread]);
    if (row.drawn === drawn) return item;
    row.drawn = drawn;
    const icon = channelIcon(c.channel, t(`channel.${c.channel}` as MessageKey));
    item.replaceChildren(
      el("span", { class: "item-icon" }, icon ?? el("span", { class: "internal-dot", "aria-hidden": "true" }, "#")),
      el(
        "div",
        { class: "item-main" },
        el(
          "div",
          { class: "item-top" },
          el("span", { class: "item-name", "data-testid": "conversation-name" }, name),
          el("span", { class: "item-time" }, time),
        ),
        el("div", { class: "item-preview" }, preview),
        el(
          "div",
          { class: "item-bottom" },
          el("span", { class: `item-owner${label.waiting ? " waiting" : ""}` }, label.text),
          c.unread > 0 ? el("span", { class: "badge", "data-testid": "unread-badge" }, String(c.unread)) : "",
        ),
      ),
    );
    return item;
  }

  // The cold-start benchmark reads how long the app took to paint a non-empty list.
  private reportFirstPaint(): void {
    if (this.reported) return;
    this.reported = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        void this.ctx.backend.startupMs().then(
          (ms) => (document.body.dataset.listReadyMs = String(Math.round(ms))),
          () => {},
        );
      }, 0),
    );
  }
}
