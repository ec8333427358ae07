// The widget's logic: session, history, live stream, sending with retries, attachments, unread
// count. It talks to the server through api.ts and draws through ui.ts.

import { ApiError, LiveStream, VisitorApi, backoff } from "./api";
import type { Endpoint, StreamFrame, WidgetConfig } from "./api";
import { DEFAULT_EXTENSIONS, DEFAULT_MAX_BYTES, precheck } from "./attachments";

/** The server's default `visitor_message_chars`, for a server that does not say. */
const DEFAULT_MAX_CHARS = 5000;
import { type Lang, catalog } from "./i18n";
import { type Attachment, MessageList } from "./messages";
import { VisitorStore } from "./storage";
import { ChatView, type Draft } from "./ui";

export interface WidgetOptions {
  lang: Lang;
  storage?: Storage | null;
  fetchFn?: typeof fetch;
  socket?: (url: string) => WebSocket;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const RENEW_MS = 10 * 60 * 1000;

export class ChatWidget {
  readonly view: ChatView;
  readonly api: VisitorApi;
  readonly list = new MessageList();
  private readonly t;
  private readonly store: VisitorStore;
  private readonly stream: LiveStream;
  private config: WidgetConfig | null = null;
  private seen = 0;
  private visitorId: string | undefined;
  private typingPausedUntil = 0;
  private ended = false;
  private endedAt = 0;
  private blocked = false;
  private renewedAt = 0;
  private sessionPromise: Promise<boolean> | null = null;
  private lastTyping = 0;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private netTimer: ReturnType<typeof setTimeout> | undefined;
  private drafts: Draft[] = [];
  private retries = new Map<string, { body: string; ids: string[]; attempt: number; timer?: ReturnType<typeof setTimeout> }>();

  constructor(
    readonly endpoint: Endpoint,
    private readonly opts: WidgetOptions,
  ) {
    this.t = catalog(opts.lang);
    this.api = new VisitorApi(endpoint, opts.fetchFn);
    this.store = new VisitorStore(endpoint.origin, endpoint.channelId, opts.storage);
    this.view = new ChatView(this.t, opts.lang, {
      toggle: (open) => this.toggle(open),
      start: (name, email) => void this.start(name, email),
      send: (body) => this.send(body),
      file: (f) => void this.attach(f),
      removeDraft: (key) => this.setDrafts(this.drafts.filter((d) => d.key !== key)),
      retry: (id) => this.retry(id),
      typing: () => this.typing(),
      reload: () => void this.init(),
    }, (id) => this.api.attachmentUrl(id));
    this.stream = new LiveStream(
      {
        prepare: () => this.catchUp(),
        url: () => this.api.streamUrl(this.list.cursor),
        frame: (f) => this.frame(f),
        state: (ok) => this.connection(ok),
      },
      opts.socket,
    );
    const saved = this.store.load();
    this.seen = saved.seen ?? 0;
    this.visitorId = saved.visitor;
    this.api.token = saved.token ?? null;
  }

  mount(parent: Node): void {
    parent.appendChild(this.view.host);
    addEventListener("online", () => this.stream.nudge());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.stream.nudge();
    });
    void this.init();
  }

  /** Loads the channel's config, then resumes a stored session. */
  async init(): Promise<void> {
    this.view.setPhase("loading");
    try {
      this.config = await this.api.config();
    } catch (e) {
      if (this.fail(e)) return;
      if (!this.api.token) {
        this.view.setPhase("unavailable");
        return;
      }
    }
    const c = this.cfg();
    const offline = typeof c.offline_text === "string";
    this.view.setGreeting(offline ? c.offline_text || this.t.offline : c.greeting || this.t.greeting);
    this.view.setAsk(c.ask_name, c.ask_email);
    if (this.api.token) {
      this.view.setPhase("chat");
      this.stream.start();
    } else {
      const ask = c.ask_name || c.ask_email;
      this.view.setPhase(ask ? "start" : "chat");
      if (this.view.open && !ask) void this.ensureSession();
    }
  }

  toggle(open: boolean): void {
    this.view.setOpen(open);
    if (open) {
      this.markSeen();
      if (!this.api.token && this.config && !(this.config.ask_name || this.config.ask_email)) {
        void this.ensureSession();
      }
    }
    this.updateUnread();
  }

  // ---- session ----

  private cfg(): WidgetConfig {
    return (
      this.config ?? {
        greeting: "",
        offline_text: null,
        ask_name: false,
        ask_email: false,
        max_attachment_bytes: DEFAULT_MAX_BYTES,
        accepted_extensions: [...DEFAULT_EXTENSIONS],
      }
    );
  }

  private async start(name: string, email: string): Promise<void> {
    const c = this.cfg();
    if (c.ask_name && !name) return this.view.setStartBusy(false, this.t.nameRequired, "name");
    if (c.ask_email && !EMAIL.test(email)) return this.view.setStartBusy(false, this.t.emailInvalid, "email");
    this.view.setStartBusy(true);
    try {
      await this.openSession({
        ...(c.ask_name && name ? { name } : {}),
        ...(c.ask_email && email ? { email } : {}),
      });
      this.view.setStartBusy(false);
      this.view.setPhase("chat");
      this.view.focusComposer();
    } catch (e) {
      if (!this.fail(e)) this.view.setStartBusy(false, e instanceof ApiError && e.message ? e.message : this.t.unavailable);
    }
  }

  /** A session for a visitor who has none yet (no start step, or started elsewhere). */
  private ensureSession(): Promise<boolean> {
    if (this.api.token) return Promise.resolve(true);
    this.sessionPromise ??= this.openSession({})
      .then(() => true)
      .catch((e) => {
        this.fail(e);
        return false;
      })
      .finally(() => (this.sessionPromise = null));
    return this.sessionPromise;
  }

  private async openSession(extra: { name?: string; email?: string }): Promise<void> {
    const s = await this.api.session({ ...extra, language: this.opts.lang });
    this.sessionOk(s);
    this.stream.start();
  }

  private sessionOk(s: { token: string; visitor_id: string; ended: boolean }): void {
    if (this.visitorId && s.visitor_id !== this.visitorId) {
      // The server gave us a new visitor (the old token expired): the old history isn't theirs.
      this.seen = 0;
      this.list.clear();
      this.messagesChanged();
    }
    this.visitorId = s.visitor_id;
    this.store.save({ token: s.token, visitor: s.visitor_id, seen: this.seen });
    this.renewedAt = Date.now();
    this.setEnded(!!s.ended);
  }

  /** Before each stream (re)connect: renew the token now and then, catch up over HTTP. */
  private async catchUp(): Promise<boolean> {
    if (this.blocked) return false;
    if (!this.api.token) return false;
    try {
      if (Date.now() - this.renewedAt > RENEW_MS) {
        this.sessionOk(await this.api.session({ token: this.api.token, language: this.opts.lang }));
      }
      const page = await this.api.messages(this.list.cursor);
      const changed = this.list.merge(page.messages);
      this.list.advance(page.cursor);
      if (page.ended && !this.ended) this.setEnded(true);
      // A new conversation started meanwhile (another tab wrote after the end).
      else if (!page.ended && this.ended && this.list.cursor > this.endedAt) this.setEnded(false);
      if (changed) this.messagesChanged();
      return true;
    } catch (e) {
      if (this.fail(e)) return false;
      if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
        if (this.renewedAt && Date.now() - this.renewedAt < 5000) return this.lost();
        this.renewedAt = 0; // renew next time, right away
        try {
          this.sessionOk(await this.api.session({ token: this.api.token, language: this.opts.lang }));
          return true;
        } catch (e2) {
          if (this.fail(e2)) return false;
          if (e2 instanceof ApiError && e2.status >= 400 && e2.status < 500) return this.lost();
        }
      }
      return true; // try the socket anyway; its replay catches up too
    }
  }

  /** The stored token is no good any more: start over as a new visitor. */
  private lost(): boolean {
    this.api.token = null;
    this.store.save({ token: undefined, visitor: undefined, seen: undefined });
    this.visitorId = undefined;
    this.seen = 0;
    this.list.clear();
    this.setEnded(false);
    this.messagesChanged();
    const c = this.cfg();
    this.view.setPhase(c.ask_name || c.ask_email ? "start" : "chat");
    return false;
  }

  /** Handles what every call may answer: blocked. Returns true when it did. */
  private fail(e: unknown): boolean {
    if (e instanceof ApiError && e.blocked) {
      this.block(e.message);
      return true;
    }
    return false;
  }

  private block(message: string | undefined): void {
    this.blocked = true;
    this.stream.stop();
    this.view.setBlocked(message || this.t.blocked);
    this.view.setTyping(null);
  }

  // ---- live stream ----

  private frame(f: StreamFrame): void {
    switch (f.type) {
      case "message": {
        const m = f.data;
        if (!m) return;
        const changed = this.list.upsert(m);
        if (m.author === "agent") this.showTyping(null);
        if (this.ended && m.author === "visitor" && m.cursor > this.endedAt) this.setEnded(false);
        if (changed) this.messagesChanged();
        break;
      }
      case "typing":
        this.showTyping(f.data?.agent_name || this.t.agent);
        break;
      case "ended":
        this.setEnded(true);
        this.showTyping(null);
        // An agent who blocks the visitor also ends the chat: say which it was right away.
        this.api.config().catch((e) => this.fail(e));
        break;
      case "blocked":
        this.block(f.message);
        break;
    }
  }

  private connection(ok: boolean): void {
    clearTimeout(this.netTimer);
    if (ok) {
      this.view.setConnected(true);
      for (const id of this.retries.keys()) this.deliver(id, true);
    } else {
      // Only say so when it lasts: a quick reconnect shouldn't flash a banner.
      this.netTimer = setTimeout(() => this.view.setConnected(this.blocked), 4000);
    }
  }

  private showTyping(name: string | null): void {
    clearTimeout(this.typingTimer);
    this.view.setTyping(name);
    if (name) this.typingTimer = setTimeout(() => this.view.setTyping(null), 4000);
  }

  private setEnded(ended: boolean): void {
    this.ended = ended;
    if (ended) this.endedAt = this.list.cursor;
    this.view.setEnded(ended);
  }

  private messagesChanged(): void {
    this.view.renderMessages(this.list.all());
    let agent: string | null = null;
    for (const m of this.list.all()) if (m.author === "agent" && m.agentName) agent = m.agentName;
    this.view.setAgent(agent);
    if (this.view.open && document.visibilityState !== "hidden") this.markSeen();
    this.updateUnread();
  }

  private markSeen(): void {
    if (this.list.cursor > this.seen) {
      this.seen = this.list.cursor;
      this.store.save({ seen: this.seen });
    }
  }

  private updateUnread(): void {
    this.view.setUnread(this.view.open ? 0 : this.list.unreadAfter(this.seen));
  }

  // ---- sending ----

  private send(raw: string): void {
    if (this.blocked) return;
    const body = raw.replace(/^\s*\n|\s+$/g, "");
    const ready = this.drafts.filter((d) => d.attachment);
    if (!body.trim() && !ready.length) return;
    const clientId = uuid();
    const attachments = ready.map((d) => d.attachment!) as Attachment[];
    this.list.addPending(clientId, body, attachments);
    this.retries.set(clientId, { body, ids: attachments.map((a) => a.id), attempt: 0 });
    this.view.clearComposer();
    this.setDrafts([]);
    this.view.setNotice(null);
    this.messagesChanged();
    this.deliver(clientId);
  }

  private retry(clientId: string): void {
    const row = this.list.pending(clientId);
    if (!row) return;
    if (!this.retries.has(clientId)) {
      this.retries.set(clientId, { body: row.body, ids: row.attachments.map((a) => a.id), attempt: 0 });
    }
    this.list.setStatus(clientId, "sending");
    this.messagesChanged();
    this.deliver(clientId, true);
  }

  /** Posts one message; the same client_id on every try, so the server stores it once. */
  private deliver(clientId: string, now = false): void {
    const job = this.retries.get(clientId);
    if (!job) return;
    if (job.timer) {
      if (!now) return;
      clearTimeout(job.timer);
      delete job.timer;
    }
    void (async () => {
      try {
        if (!(await this.ensureSession())) throw new ApiError(0, "no_session", "");
        const msg = await this.api.send(clientId, job.body, job.ids);
        this.retries.delete(clientId);
        this.list.upsert(msg);
        if (this.ended) this.setEnded(false);
        this.messagesChanged();
      } catch (e) {
        if (!this.retries.has(clientId)) return;
        if (this.fail(e)) {
          this.retries.delete(clientId);
          this.list.setStatus(clientId, "failed");
          this.messagesChanged();
          return;
        }
        const err = e instanceof ApiError ? e : new ApiError(0, "network", String(e));
        if (err.status === 401) this.renewedAt = 0;
        if (err.transient || err.status === 401 || err.code === "no_session") {
          // Keep it "sending" and try again by itself.
          if (job.attempt >= 2) {
            this.list.setStatus(clientId, "failed", this.t.unavailable);
            this.messagesChanged();
          }
          const delay = backoff(job.attempt++);
          job.timer = setTimeout(() => {
            delete job.timer;
            this.deliver(clientId);
          }, delay);
          if (err.status === 401) this.stream.nudge();
          return;
        }
        this.retries.delete(clientId);
        const text =
          err.status === 429
            ? this.t.rateLimited
            : err.status === 413
              ? this.t.tooLong(this.cfg().max_message_chars ?? DEFAULT_MAX_CHARS)
              : err.message || this.t.failed;
        this.list.setStatus(clientId, "failed", text);
        if (err.status === 429) this.view.setNotice(this.t.rateLimited);
        this.messagesChanged();
      }
    })();
  }

  private typing(): void {
    if (!this.api.token || this.blocked) return;
    const now = Date.now();
    if (now - this.lastTyping < 3000 || now < this.typingPausedUntil) return;
    this.lastTyping = now;
    this.api.typing().catch((e) => {
      // Typing shares the server's per-visitor rate limit with messages: leave room for those.
      if (e instanceof ApiError && e.status === 429) this.typingPausedUntil = Date.now() + 60_000;
      this.fail(e);
    });
  }

  // ---- attachments ----

  private async attach(file: File): Promise<void> {
    if (this.blocked) return;
    const c = this.cfg();
    const check = precheck(file, c.accepted_extensions ?? [], c.max_attachment_bytes || DEFAULT_MAX_BYTES, this.t, this.opts.lang);
    if (!check.ok) {
      this.view.setNotice(check.message);
      return;
    }
    this.view.setNotice(null);
    const draft: Draft = { key: uuid(), name: file.name };
    this.setDrafts([...this.drafts, draft]);
    try {
      if (!(await this.ensureSession())) throw new ApiError(0, "no_session", this.t.unavailable);
      const a = await this.api.upload(file);
      if (!this.drafts.some((d) => d.key === draft.key)) return; // removed meanwhile
      this.setDrafts(this.drafts.map((d) => (d.key === draft.key ? { ...d, attachment: a } : d)));
    } catch (e) {
      this.setDrafts(this.drafts.filter((d) => d.key !== draft.key));
      if (this.fail(e)) return;
      const msg = e instanceof ApiError && e.status >= 400 && e.message ? e.message : this.t.unavailable;
      this.view.setNotice(msg);
    }
  }

  private setDrafts(drafts: Draft[]): void {
    this.drafts = drafts;
    this.view.setDrafts(drafts);
  }
}

export function uuid(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
