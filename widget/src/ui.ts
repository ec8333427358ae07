// The widget's view: everything lives in an open shadow root with its own styles. The view only
// draws what it is told and reports what the visitor does; the logic is in widget.ts.

import { type Attributes, type Child, el as element } from "../../web/shared/dom";
import type { Catalog, Lang } from "./i18n";
import { formatBytes, formatTime } from "./i18n";
import type { Attachment, ChatMessage } from "./messages";
import { CSS } from "./styles";

export type Phase = "loading" | "start" | "chat" | "unavailable";

export interface Draft {
  key: string;
  name: string;
  /** Set once uploaded. */
  attachment?: Attachment;
}

export interface ViewEvents {
  toggle(open: boolean): void;
  start(name: string, email: string): void;
  send(body: string): void;
  file(file: File): void;
  removeDraft(key: string): void;
  retry(clientId: string): void;
  typing(): void;
  reload(): void;
}

const svg = (body: string, vb = "0 0 24 24") =>
  `<svg viewBox="${vb}" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${body}</svg>`;
const I_CHAT = svg('<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/><path d="M8.5 11h.01M12 11h.01M15.5 11h.01" stroke-width="2.6"/>');
const I_X = svg('<path d="M18 6 6 18M6 6l12 12"/>');
const I_DOWN = svg('<path d="m6 9 6 6 6-6"/>');
const I_CLIP = svg('<path d="m21 11.5-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l9-9a3.7 3.7 0 0 1 5.2 5.2l-9 9a1.8 1.8 0 0 1-2.6-2.6l8.3-8.3"/>');
const I_SEND = svg('<path d="M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z"/>');
const I_FILE = svg('<path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z"/><path d="M14 3v6h6"/>');
const I_BAN = svg('<circle cx="12" cy="12" r="9"/><path d="m5.7 5.7 12.6 12.6"/>');
const I_OFF = svg('<path d="M12 9v4M12 17h.01"/><circle cx="12" cy="12" r="9"/>');

/** The shared `el` (web/shared/dom.ts), plus `html`: markup, for our own constant icons only. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  { html, ...attrs }: Attributes & { html?: string } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = element(tag, attrs, ...children);
  if (html) e.insertAdjacentHTML("afterbegin", html);
  return e;
}

const IMAGE = /^image\/(png|jpe?g|gif|webp|bmp)$/i;
const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Text with its web addresses as links; never HTML from the message. */
export function linkify(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const i = m.index ?? 0;
    if (i > last) frag.append(text.slice(last, i));
    frag.append(el("a", { href: m[0], target: "_blank", rel: "noopener noreferrer nofollow" }, m[0]));
    last = i + m[0].length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

export class ChatView {
  readonly host: HTMLElement;
  readonly shadow: ShadowRoot;
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly tip: HTMLDivElement;
  private readonly panel: HTMLDivElement;
  private readonly sub: HTMLParagraphElement;
  private readonly net: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly log: HTMLDivElement;
  private readonly welcome: HTMLDivElement;
  private readonly ended: HTMLDivElement;
  private readonly blocked: HTMLDivElement;
  private readonly blockedText: HTMLParagraphElement;
  private readonly startForm: HTMLFormElement;
  private readonly nameInput: HTMLInputElement;
  private readonly emailInput: HTMLInputElement;
  private readonly startErr: HTMLDivElement;
  private readonly startBtn: HTMLButtonElement;
  private readonly loading: HTMLDivElement;
  private readonly unavailable: HTMLDivElement;
  private readonly typing: HTMLDivElement;
  private readonly typingText: HTMLSpanElement;
  private readonly composer: HTMLFormElement;
  private readonly notice: HTMLDivElement;
  private readonly drafts: HTMLDivElement;
  private readonly input: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;
  private readonly sendBtn: HTMLButtonElement;
  private readonly drop: HTMLDivElement;
  private readonly rows = new Map<string, { el: HTMLElement; rev: number; grouped: boolean }>();
  private isOpen = false;
  private phase: Phase = "loading";
  private isBlocked = false;
  private tipDismissed = false;
  private busy = false;
  private hasDraft = false;

  constructor(
    private readonly t: Catalog,
    private readonly lang: Lang,
    private readonly ev: ViewEvents,
    private readonly attachmentUrl: (id: string) => string,
  ) {
    const t_ = t;
    this.host = document.createElement("switchboard-chat");
    this.host.setAttribute("data-switchboard-widget", "");
    this.shadow = this.host.attachShadow({ mode: "open" });
    // A constructed style sheet passes a host page's strict Content-Security-Policy (no
    // 'unsafe-inline' needed); a <style> element is the fallback for older browsers.
    let style: HTMLStyleElement | null = null;
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      this.shadow.adoptedStyleSheets = [sheet];
    } catch {
      style = el("style");
      style.textContent = CSS;
    }

    // Launcher and its unread badge.
    this.badge = el("span", { class: "badge", "data-testid": "sb-unread", "aria-hidden": "true", hidden: true });
    this.launcher = el("button", {
      type: "button",
      class: "launcher",
      "data-testid": "sb-launcher",
      "aria-haspopup": "dialog",
      "aria-controls": "sb-panel",
      "aria-expanded": "false",
      "aria-label": t_.open,
    });
    this.launcher.append(el("span", { class: "ic", html: I_CHAT }), this.badge);
    this.launcher.addEventListener("click", () => this.ev.toggle(!this.isOpen));

    // Header.
    this.sub = el("p", { id: "sb-sub", hidden: true });
    const close = el("button", { type: "button", class: "ib", "aria-label": t_.close, html: I_DOWN });
    close.addEventListener("click", () => this.ev.toggle(false));
    const head = el(
      "header",
      { class: "head" },
      el("div", { class: "av", html: I_CHAT }),
      el("div", { class: "ht" }, el("h2", { id: "sb-title" }, t_.title), this.sub),
      close,
    );
    this.net = el("div", { class: "net", role: "status", hidden: true }, t_.reconnecting);

    // Conversation.
    this.welcome = el("div", { class: "welcome", "data-testid": "sb-greeting" });
    this.ended = el(
      "div",
      { class: "ended", "data-testid": "sb-ended", role: "status", hidden: true },
      el("strong", {}, t_.endedTitle),
      el("span", {}, t_.ended),
    );
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t_.messages, tabindex: 0 }, this.welcome, this.ended);

    // Blocked notice (inside the panel when open, as a tip above the launcher when closed).
    this.blockedText = el("p");
    this.blocked = el(
      "div",
      { class: "blocked center", "data-testid": "sb-blocked", role: "alert", hidden: true },
      el("span", { html: I_BAN }),
      el("strong", {}, t_.blockedTitle),
      this.blockedText,
    );
    const tipClose = el("button", { type: "button", class: "ib x", "aria-label": t_.close, html: I_X });
    tipClose.addEventListener("click", () => {
      this.tipDismissed = true;
      this.place();
    });
    this.tip = el("div", { class: "tip", hidden: true }, tipClose);

    // Start step (name / e-mail).
    this.nameInput = el("input", { id: "sb-name", "data-testid": "sb-name", type: "text", autocomplete: "name", maxlength: 120 });
    this.emailInput = el("input", { id: "sb-email", "data-testid": "sb-email", type: "email", autocomplete: "email", maxlength: 254 });
    this.startErr = el("div", { class: "err", role: "alert", id: "sb-start-err" });
    this.startBtn = el("button", { type: "submit", class: "primary", "data-testid": "sb-start" }, t_.start);
    this.startForm = el(
      "form",
      { class: "start", novalidate: true, hidden: true },
      el("p", { class: "intro" }),
      el("p", {}, t_.startIntro),
      el("div", { class: "field" }, el("label", { for: "sb-name" }, t_.name), this.nameInput),
      el("div", { class: "field" }, el("label", { for: "sb-email" }, t_.email), this.emailInput),
      this.startErr,
      this.startBtn,
    );
    this.startForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.ev.start(this.nameInput.value.trim(), this.emailInput.value.trim());
    });

    this.loading = el("div", { class: "center", role: "status" }, el("div", { class: "spin", "aria-hidden": "true" }), el("span", { class: "vh" }, "…"));
    const reload = el("button", { type: "button", class: "primary" }, t_.tryAgain);
    reload.addEventListener("click", () => this.ev.reload());
    this.unavailable = el("div", { class: "center", role: "alert", hidden: true }, el("span", { html: I_OFF }), el("p", {}, t_.unavailable), reload);
    this.drop = el("div", { class: "drop", hidden: true }, t_.dropHere);
    this.body = el("div", { class: "body" }, this.loading, this.unavailable, this.startForm, this.log, this.blocked, this.drop);

    this.typingText = el("span");
    this.typing = el(
      "div",
      { class: "typing", role: "status", "aria-live": "polite" },
      el("span", { class: "dots", "aria-hidden": "true", hidden: true }, el("i"), el("i"), el("i")),
      this.typingText,
    );

    // Composer.
    this.notice = el("div", { class: "notice", role: "alert", hidden: true });
    this.drafts = el("div", { class: "drafts", hidden: true });
    this.input = el("textarea", {
      id: "sb-input",
      "data-testid": "sb-composer",
      rows: 1,
      placeholder: t_.composer,
      "aria-label": t_.composer,
      enterkeyhint: "send",
    });
    this.fileInput = el("input", { type: "file", hidden: true, tabindex: -1, "aria-hidden": "true" });
    const attach = el("button", { type: "button", class: "ib", "data-testid": "sb-attach", "aria-label": t_.attach, title: t_.attach, html: I_CLIP });
    this.sendBtn = el("button", { type: "submit", class: "send", "data-testid": "sb-send", "aria-label": t_.send, title: t_.send, html: I_SEND });
    this.composer = el(
      "form",
      { class: "comp", hidden: true },
      this.notice,
      this.drafts,
      el("div", { class: "row" }, attach, this.input, this.sendBtn),
      this.fileInput,
    );
    attach.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      for (const f of Array.from(this.fileInput.files ?? [])) this.ev.file(f);
      this.fileInput.value = "";
    });
    this.composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      this.grow();
      this.updateSend();
      if (this.input.value.trim()) this.ev.typing();
    });
    this.input.addEventListener("paste", (e) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length) {
        e.preventDefault();
        for (const f of files) this.ev.file(f);
      }
    });

    this.panel = el(
      "div",
      { class: "panel", id: "sb-panel", "data-testid": "sb-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "sb-title", hidden: true },
      head,
      this.net,
      this.body,
      this.typing,
      this.composer,
    );
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        this.ev.toggle(false);
      }
    });
    let depth = 0;
    this.panel.addEventListener("dragenter", (e) => {
      if (!this.canAttach() || !e.dataTransfer?.types.includes("Files")) return;
      depth++;
      this.drop.hidden = false;
    });
    this.panel.addEventListener("dragleave", () => {
      if (--depth <= 0) {
        depth = 0;
        this.drop.hidden = true;
      }
    });
    this.panel.addEventListener("dragover", (e) => {
      if (this.canAttach()) e.preventDefault();
    });
    this.panel.addEventListener("drop", (e) => {
      depth = 0;
      this.drop.hidden = true;
      if (!this.canAttach()) return;
      e.preventDefault();
      for (const f of Array.from(e.dataTransfer?.files ?? [])) this.ev.file(f);
    });

    this.root = el("div", { class: "root", lang: this.lang }, this.panel, this.tip, this.launcher);
    if (style) this.shadow.append(style);
    this.shadow.append(this.root);
    this.updateSend();
  }

  // ---- state from the controller ----

  setOpen(open: boolean, focus = true): void {
    if (open === this.isOpen) return;
    this.isOpen = open;
    this.panel.hidden = !open;
    this.root.classList.toggle("open", open);
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.querySelector(".ic")!.innerHTML = open ? I_X : I_CHAT;
    this.place();
    this.updateLauncherLabel();
    if (open) {
      this.scrollToEnd();
      if (focus) this.focusFirst();
    } else if (focus && this.shadow.activeElement) {
      this.launcher.focus();
    }
  }

  setPhase(phase: Phase): void {
    const had = this.panel.contains(this.shadow.activeElement);
    this.phase = phase;
    this.place();
    if (had && this.isOpen) this.focusFirst();
  }

  setGreeting(text: string): void {
    this.welcome.textContent = text;
    this.startForm.querySelector(".intro")!.textContent = text;
  }

  setAsk(name: boolean, email: boolean): void {
    (this.nameInput.parentElement as HTMLElement).hidden = !name;
    (this.emailInput.parentElement as HTMLElement).hidden = !email;
  }

  setStartBusy(busy: boolean, error = "", field?: "name" | "email"): void {
    this.startBtn.disabled = busy;
    this.startErr.textContent = error;
    this.nameInput.setAttribute("aria-invalid", String(field === "name"));
    this.emailInput.setAttribute("aria-invalid", String(field === "email"));
    if (field) (field === "name" ? this.nameInput : this.emailInput).focus();
  }

  setAgent(name: string | null): void {
    this.sub.hidden = !name;
    this.sub.textContent = name ? this.t.with(name) : "";
  }

  setUnread(n: number): void {
    this.badge.hidden = n <= 0;
    this.badge.textContent = n > 99 ? "99+" : String(n);
    this.updateLauncherLabel();
  }

  setBlocked(message: string | null): void {
    this.isBlocked = message !== null;
    this.blockedText.textContent = message || this.t.blocked;
    this.place();
  }

  setEnded(ended: boolean): void {
    const was = !this.ended.hidden;
    this.ended.hidden = !ended;
    if (ended && !was) {
      this.log.append(this.ended);
      this.scrollToEnd();
    }
  }

  setTyping(agent: string | null): void {
    (this.typing.firstElementChild as HTMLElement).hidden = !agent;
    this.typingText.textContent = agent ? this.t.typing(agent) : "";
    if (agent) this.scrollToEnd(true);
  }

  setConnected(ok: boolean): void {
    this.net.hidden = ok;
  }

  setNotice(text: string | null): void {
    this.notice.hidden = !text;
    this.notice.textContent = text ?? "";
  }

  setDrafts(drafts: readonly Draft[]): void {
    this.drafts.replaceChildren(
      ...drafts.map((d) => {
        const x = el("button", { type: "button", class: "ib", "aria-label": this.t.remove(d.name), html: I_X });
        x.addEventListener("click", () => {
          this.ev.removeDraft(d.key);
          this.input.focus();
        });
        return el("div", { class: "chip" }, el("span", { title: d.name }, d.attachment ? d.name : `${this.t.uploading} ${d.name}`), x);
      }),
    );
    this.drafts.hidden = drafts.length === 0;
    this.hasDraft = drafts.some((d) => d.attachment);
    this.busy = drafts.some((d) => !d.attachment);
    this.updateSend();
  }

  /** Redraws the rows whose revision changed and keeps the list in order. */
  renderMessages(list: readonly ChatMessage[]): void {
    const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    const seen = new Set<string>();
    let anchor: Element = this.welcome;
    let prev: ChatMessage | undefined;
    let ownNew = false;
    for (const m of list) {
      seen.add(m.key);
      const grouped = !!prev && prev.author === m.author && m.author !== "system" && prev.agentName === m.agentName;
      let row = this.rows.get(m.key);
      if (!row || row.rev !== m.rev || row.grouped !== grouped) {
        const fresh = this.row(m, grouped);
        if (row) row.el.replaceWith(fresh);
        else if (m.author === "visitor") ownNew = true;
        row = { el: fresh, rev: m.rev, grouped };
        this.rows.set(m.key, row);
      }
      if (anchor.nextElementSibling !== row.el) anchor.after(row.el);
      anchor = row.el;
      prev = m;
    }
    for (const [key, row] of this.rows) {
      if (!seen.has(key)) {
        row.el.remove();
        this.rows.delete(key);
      }
    }
    if (!this.ended.hidden || this.ended.parentElement !== this.log) this.log.append(this.ended);
    if (nearEnd || ownNew) this.scrollToEnd();
  }

  clearComposer(): void {
    this.input.value = "";
    this.grow();
    this.updateSend();
  }

  focusComposer(): void {
    this.input.focus();
  }

  get open(): boolean {
    return this.isOpen;
  }

  // ---- internals ----

  private row(m: ChatMessage, grouped: boolean): HTMLElement {
    if (m.author === "system") {
      return el("div", { class: "sys", "data-testid": "sb-system", "data-message-id": m.id }, m.body);
    }
    const cls = ["msg", m.author, m.status === "sent" ? "" : m.status, grouped ? "g" : ""].filter(Boolean).join(" ");
    const row = el("div", {
      class: cls,
      "data-testid": "sb-message",
      "data-author": m.author,
      "data-message-id": m.id,
      "data-status": m.status,
    });
    if (m.author === "agent") {
      // The name is in every agent row (screen readers, tests); shown once per run of messages.
      row.append(el("div", { class: grouped ? "vh" : "who" }, m.agentName || this.t.agent));
    } else {
      row.append(el("span", { class: "vh" }, `${this.t.you}: `));
    }
    if (m.body || !m.attachments.length) row.append(el("div", { class: "bub" }, linkify(m.body)));
    if (m.attachments.length) {
      row.append(el("div", { class: "files" }, ...m.attachments.map((a) => this.attachment(a))));
    }
    const meta = el("div", { class: "meta" });
    if (m.status === "sending") meta.append(this.t.sending);
    else if (m.status === "failed") {
      meta.append(`${m.error || this.t.failed} `);
      const retry = el("button", { type: "button" }, this.t.retry);
      retry.addEventListener("click", () => m.clientId && this.ev.retry(m.clientId));
      meta.append(retry);
    } else {
      const time = formatTime(m.createdAt, this.lang);
      if (time) meta.append(el("time", { datetime: m.createdAt }, time));
    }
    if (meta.childNodes.length) row.append(meta);
    return row;
  }

  private attachment(a: Attachment): HTMLElement {
    const href = this.attachmentUrl(a.id);
    if (IMAGE.test(a.mime)) {
      return el("a", { class: "img", href, target: "_blank", rel: "noopener noreferrer" }, el("img", { src: href, alt: a.filename, loading: "lazy" }));
    }
    return el(
      "a",
      { class: "file", href, target: "_blank", rel: "noopener noreferrer", download: a.filename },
      el("span", { class: "fi", html: I_FILE }),
      el("span", {}, a.filename),
      el("small", {}, formatBytes(a.size, this.lang)),
    );
  }

  /** Shows the part of the panel that fits the phase; puts the blocked notice where it can be seen. */
  private place(): void {
    const blocked = this.isBlocked;
    const p = this.phase;
    this.loading.hidden = blocked || p !== "loading";
    this.unavailable.hidden = blocked || p !== "unavailable";
    this.startForm.hidden = blocked || p !== "start";
    this.log.hidden = blocked || p !== "chat";
    this.typing.hidden = blocked || p !== "chat";
    this.composer.hidden = blocked || p !== "chat";
    if (blocked) this.net.hidden = true;
    const inTip = blocked && !this.isOpen && !this.tipDismissed;
    this.blocked.hidden = !blocked || (!this.isOpen && !inTip);
    this.blocked.classList.toggle("center", !inTip);
    (inTip ? this.tip : this.body).append(this.blocked);
    this.tip.hidden = !inTip;
  }

  private focusFirst(): void {
    const target = this.isBlocked
      ? null
      : this.phase === "start"
        ? this.nameInput.parentElement!.hidden
          ? this.emailInput
          : this.nameInput
        : this.phase === "chat"
          ? this.input
          : null;
    // Without a field to type in, focus the dialog's close button so keyboard users are inside.
    (target ?? (this.panel.querySelector(".head .ib") as HTMLElement)).focus();
  }

  private updateLauncherLabel(): void {
    const n = Number(this.badge.hidden ? 0 : this.badge.textContent?.replace("+", "") || 0);
    const base = this.isOpen ? this.t.close : this.t.open;
    this.launcher.setAttribute("aria-label", n && !this.isOpen ? `${base} (${this.t.unread(n)})` : base);
  }

  private updateSend(): void {
    this.sendBtn.disabled = this.busy || (!this.input.value.trim() && !this.hasDraft);
  }

  private submit(): void {
    if (this.sendBtn.disabled) return;
    this.ev.send(this.input.value);
  }

  private canAttach(): boolean {
    return !this.isBlocked && this.phase === "chat";
  }

  private grow(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  private scrollToEnd(soon = false): void {
    const go = () => (this.log.scrollTop = this.log.scrollHeight);
    go();
    if (!soon) requestAnimationFrame(go);
  }
}
