/**
 * The open chat's messages, grouped by day, with their delivery marks, attachments (image
 * thumbnails, file cards that open with a double click or Enter), upload progress of queued
 * replies, Retry/Discard on a failed one still on this machine, Send again on one the server
 * could not deliver, and the "older messages" button above them.
 */
import type { AttachmentRef, Message } from "../api";
import { button, el, placeChildren } from "../dom";
import { byDay, dayLabel, fileSize, timeOfDay } from "../format";
import type { MessageKey } from "../i18n";
import type { Context, MainState } from "./context";

/** Messages loaded at a time. */
export const PAGE = 50;

/** "PDF", "DOCX": what a file card shows in place of an icon. */
function fileBadge(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot > 0 ? filename.slice(dot + 1, dot + 5).toUpperCase() : "FILE";
}

/** A message's drawn element and a key of everything drawn in it. */
interface Bubble {
  element: HTMLElement;
  drawn: string;
}

export class MessageList {
  /** The "older messages" button, placed above the list. */
  readonly older: HTMLButtonElement;
  readonly element: HTMLDivElement;
  private messages: Message[] = [];
  private more = false;
  /** Upload progress (0–1) of queued replies, by client id. */
  private readonly uploads = new Map<string, number>();
  /** The open chat's thumbnails already fetched, by attachment id, so a redraw does not fetch
   * them again. Forgotten when another chat opens: as `data:` URLs, a day of pictures kept
   * for every chat ever opened would grow the page for as long as the app runs. */
  private thumbnails = new Map<string, string>();
  /** The shown messages' elements by message id, and the day separators by day: a reload
   * (each change to the open chat, many a second in a busy one) redraws only the messages
   * that changed and leaves the others, their focus and their thumbnails, where they are.
   * Only what is shown is kept, and nothing of a chat once another opens. */
  private bubbles = new Map<string, Bubble>();
  private days = new Map<string, HTMLElement>();

  constructor(
    private readonly ctx: Context,
    private readonly state: Readonly<MainState>,
  ) {
    this.older = button(ctx.t("chat.older"), "older-button", { class: "link" });
    this.element = el("div", { class: "message-list", "data-testid": "message-list" });
    this.older.addEventListener("click", () => this.loadOlder());
  }

  /** How many messages are loaded (a reload asks for at least as many). */
  get count(): number {
    return this.messages.length;
  }

  get newest(): Message | undefined {
    return this.messages[this.messages.length - 1];
  }

  /** Shows a chat's newest page; `stickToBottom` scrolls to the newest message. */
  show(messages: Message[], more: boolean, stickToBottom: boolean): void {
    this.messages = messages;
    this.more = more;
    this.render(stickToBottom);
  }

  /** Forgets the messages and their thumbnails (another chat opens); the next `show` draws. */
  clear(): void {
    this.messages = [];
    // A new map, so a fetch still on its way puts its answer in the old one, not this.
    this.thumbnails = new Map();
    this.bubbles = new Map();
    this.days = new Map();
  }

  /** The engine's upload progress for a queued reply. */
  uploadProgress(clientId: string, sent: number, total: number): void {
    const { t } = this.ctx;
    const done = total > 0 ? Math.min(1, sent / total) : 0;
    this.uploads.set(clientId, done);
    const row = this.element.querySelector<HTMLElement>(`[data-testid="upload-progress"][data-client-id="${CSS.escape(clientId)}"]`);
    if (!row) return;
    row.querySelector("progress")?.setAttribute("value", String(done));
    const label = row.querySelector("span");
    if (label) label.textContent = t("attach.uploading", { percent: Math.round(done * 100) });
  }

  private loadOlder(): void {
    const { backend, track, fail } = this.ctx;
    const oldest = this.messages[0];
    if (!this.state.activeId || !oldest) return;
    const id = this.state.activeId;
    void track(
      backend.messages(id, oldest.id, PAGE).then((page) => {
        if (id !== this.state.activeId) return;
        this.messages = [...page.messages, ...this.messages];
        this.more = page.more;
        this.render(false);
      }, fail),
    );
  }

  private render(stickToBottom: boolean): void {
    const { locale } = this.ctx;
    const nodes: HTMLElement[] = [];
    const bubbles = new Map<string, Bubble>();
    const days = new Map<string, HTMLElement>();
    for (const group of byDay(this.messages)) {
      const first = group.messages[0];
      if (first) {
        // A day seen twice (messages out of time order) gets a second separator.
        let day = days.has(group.day) ? undefined : this.days.get(group.day);
        day ??= el("div", { class: "day", role: "separator" }, dayLabel(first.created_at, locale));
        if (!days.has(group.day)) days.set(group.day, day);
        nodes.push(day);
      }
      for (const m of group.messages) {
        const drawn = this.drawnKey(m);
        let bubble = bubbles.has(m.id) ? undefined : this.bubbles.get(m.id);
        if (bubble?.drawn !== drawn) bubble = { element: this.message(m), drawn };
        bubbles.set(m.id, bubble);
        nodes.push(bubble.element);
      }
    }
    this.bubbles = bubbles;
    this.days = days;
    placeChildren(this.element, nodes);
    if (this.older.hidden !== !this.more) this.older.hidden = !this.more;
    if (stickToBottom) this.element.scrollTop = this.element.scrollHeight;
  }

  /** Everything `message()` draws from `m`: the same key draws the same element. Upload
   * progress is left out: `uploadProgress` updates the drawn bar in place. */
  private drawnKey(m: Message): string {
    const mine = m.author.kind === "agent" && m.author.id === this.state.me.id;
    return JSON.stringify([
      mine,
      m.direction,
      m.author,
      m.body,
      m.attachments,
      m.status,
      m.client_id ?? null,
      m.error ?? null,
      m.created_at,
    ]);
  }

  private statusMark(m: Message): HTMLElement {
    const { t } = this.ctx;
    // Pending is a clock drawn in CSS: an emoji needs a font the system may not have.
    const marks: Record<string, string> = { pending: "", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };
    return el(
      "span",
      {
        class: `tick tick-${m.status}`,
        title: t(`chat.status.${m.status}` as MessageKey),
        "data-testid": "message-status",
        "data-status": m.status,
      },
      marks[m.status] ?? "",
    );
  }

  private message(m: Message): HTMLElement {
    const { backend, t, locale, track, fail } = this.ctx;
    const me = this.state.me;
    const mine = m.author.kind === "agent" && m.author.id === me.id;
    const side = m.direction === "inbound" || (m.direction === "internal" && !mine) ? "in" : "out";
    const author =
      m.author.kind === "agent" ? m.author.name : m.author.kind === "contact" ? m.author.display_name : "";
    const bubble = el(
      "div",
      { class: `message ${side}`, "data-testid": "message", "data-message-id": m.id },
      author && side === "out" ? el("span", { class: "author" }, author) : "",
      author && side === "in" && m.direction === "internal" ? el("span", { class: "author" }, author) : "",
      m.body ? el("p", { class: "body" }, m.body) : "",
    );
    const onServer = m.status !== "pending" && m.status !== "failed";
    for (const file of m.attachments) bubble.append(this.attachment(file, onServer));
    if (m.status === "pending" && m.client_id && m.attachments.length > 0) {
      const done = this.uploads.get(m.client_id) ?? 0;
      const bar = el("progress", { max: "1", value: String(done) });
      const label = el("span", {}, t("attach.uploading", { percent: Math.round(done * 100) }));
      bubble.append(
        el(
          "div",
          { class: "upload", "data-testid": "upload-progress", "data-client-id": m.client_id },
          bar,
          label,
        ),
      );
    }
    const meta = el("div", { class: "meta" }, timeOfDay(m.created_at, locale));
    if (side === "out") meta.append(this.statusMark(m));
    bubble.append(meta);
    if (m.status === "failed" && m.client_id === m.id) {
      // Still this machine's copy (the server refused it): it can be sent again or dropped.
      const retry = button(t("chat.retry"), "retry-send", { class: "link" });
      const discard = button(t("chat.discard"), "discard-send", { class: "link" });
      const clientId = m.client_id;
      retry.addEventListener("click", () => void track(backend.retrySend(clientId).catch(fail)));
      discard.addEventListener("click", () => void track(backend.discardSend(clientId).catch(fail)));
      bubble.append(el("div", { class: "failed" }, t("chat.failed", { reason: m.error ?? "" }), retry, discard));
    } else if (m.status === "failed") {
      // On the server, not delivered: the reason in words. The server can send it once more
      // (an outage that outlasted its retries, a reply lost when it stopped); a refusal that
      // still holds (a closed window, a paused template, an invalid number) fails it again,
      // which the reason beside the button lets the agent judge.
      const reasonId = `failed-reason-${m.id}`;
      const reason = el(
        "span",
        { id: reasonId, "data-testid": "failed-reason" },
        t("chat.failed", { reason: m.error ?? "" }),
      );
      const failed = el("div", { class: "failed" }, reason);
      if (m.direction === "outbound") {
        const again = button(t("chat.sendAgain"), "send-again", {
          class: "link",
          title: t("chat.sendAgainHint"),
          "aria-describedby": reasonId,
        });
        again.addEventListener("click", () => this.resend(m));
        failed.append(" ", again);
      }
      bubble.append(failed);
    }
    return bubble;
  }

  /** "Send again": pending at once, as the engine shows it until the server's status comes;
   * refused, failed again with its reason and the server's sentence in a toast. */
  private resend(m: Message): void {
    const { backend, track, fail } = this.ctx;
    const queued: Message = { ...m, status: "pending", error: null };
    this.redraw(m, queued);
    void track(
      backend.resend(m.id).catch((thrown: unknown) => {
        const restored = this.redraw(queued, m);
        // The button went away with the click; give the keyboard its place back.
        if (restored && (document.activeElement === null || document.activeElement === document.body)) {
          restored.querySelector<HTMLElement>('[data-testid="send-again"]')?.focus();
        }
        fail(thrown);
      }),
    );
  }

  /** Draws `next` in place of `shown`, if a reload has not replaced it meanwhile. */
  private redraw(shown: Message, next: Message): HTMLElement | null {
    if (!this.messages.includes(shown)) return null;
    this.messages = this.messages.map((x) => (x === shown ? next : x));
    const old = this.bubbles.get(shown.id);
    if (old?.element.parentNode !== this.element) return null;
    const bubble = { element: this.message(next), drawn: this.drawnKey(next) };
    old.element.replaceWith(bubble.element);
    this.bubbles.set(next.id, bubble);
    return bubble.element;
  }

  /** Image attachments show a thumbnail; every attachment opens with a double click. */
  private attachment(file: AttachmentRef, onServer: boolean): HTMLElement {
    const { backend, t, locale, track, fail } = this.ctx;
    const image = file.mime.startsWith("image/");
    const card = el(
      "div",
      {
        class: `attachment ${image && onServer ? "image" : "file-card"}`,
        tabindex: onServer ? "0" : "-1",
        "data-testid": "attachment",
        "data-kind": image ? "image" : "file",
        "data-attachment-id": file.id,
        title: onServer ? t("attach.open", { name: file.filename }) : file.filename,
      },
    );
    const details = el(
      "div",
      { class: "file-details" },
      el("span", { class: "file-name" }, file.filename),
      el("span", { class: "file-size" }, fileSize(file.size, locale)),
    );
    if (image && onServer) {
      const img = el("img", { alt: file.filename, "data-testid": "attachment-thumbnail" });
      const thumbnails = this.thumbnails;
      const known = thumbnails.get(file.id);
      if (known) img.src = known;
      else
        void backend.thumbnail(file.id).then(
          (url) => {
            thumbnails.set(file.id, url);
            img.src = url;
          },
          () => card.classList.replace("image", "file-card"),
        );
      card.append(img, details);
    } else {
      card.append(el("span", { class: "file-icon", "aria-hidden": "true" }, fileBadge(file.filename)), details);
    }
    if (onServer) {
      const openIt = () =>
        void track(
          backend
            .openAttachment(file.id)
            .then((done) => {
              // Not an accepted type: its folder was shown instead; say why.
              if (!done.opened && done.reason) this.ctx.toast(done.reason);
            })
            .catch(fail),
        );
      card.addEventListener("dblclick", openIt);
      card.addEventListener("keydown", (e) => {
        if (e.key === "Enter") openIt();
      });
    }
    return card;
  }
}
