// The visitor API client: HTTP calls and the live stream with its reconnect logic. No DOM here.

import type { ErrorBody, VisitorConfig, VisitorPage, VisitorSendRequest, VisitorSession, VisitorSessionRequest } from "../../web/protocol";
import type { Attachment, Msg } from "./messages";

// The visitor API's wire types, generated from crates/protocol (web/protocol/).
export type WidgetConfig = VisitorConfig;
export type Session = VisitorSession;
export type MessagePage = VisitorPage;

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  get blocked(): boolean {
    return this.status === 403 && this.code === "blocked";
  }
  /** Worth trying again later with the same request (network, 5xx, 408, 429 is the caller's call). */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 408;
  }
}

export interface Endpoint {
  /** "https://chat.example.com" */
  origin: string;
  channelId: string;
}

export function parseScriptSrc(src: string): Endpoint | null {
  let url: URL;
  try {
    url = new URL(src, typeof location !== "undefined" ? location.href : undefined);
  } catch {
    return null;
  }
  const m = /\/livechat\/([^/]+)\/widget\.js$/.exec(url.pathname);
  if (!m?.[1]) return null;
  let channelId: string;
  try {
    channelId = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  // A server mounted under a path prefix keeps it.
  const prefix = url.pathname.slice(0, m.index);
  return { origin: url.origin + prefix, channelId };
}

export class VisitorApi {
  token: string | null = null;
  private readonly base: string;

  constructor(
    readonly endpoint: Endpoint,
    private readonly fetchFn: typeof fetch = (...a) => fetch(...a),
  ) {
    this.base = `${endpoint.origin}/livechat/${encodeURIComponent(endpoint.channelId)}`;
  }

  config(): Promise<WidgetConfig> {
    return this.call<WidgetConfig>("GET", "/config", undefined, false);
  }

  async session(body: VisitorSessionRequest): Promise<Session> {
    const s = await this.call<Session>("POST", "/session", body, false);
    this.token = s.token;
    return s;
  }

  messages(after: number): Promise<MessagePage> {
    return this.call<MessagePage>("GET", `/messages${after > 0 ? `?after=${after}` : ""}`);
  }

  send(clientId: string, body: string, attachments: string[]): Promise<Msg> {
    return this.call<Msg>("POST", "/messages", { client_id: clientId, body, attachments } satisfies VisitorSendRequest);
  }

  upload(file: File): Promise<Attachment> {
    const form = new FormData();
    form.append("file", file, file.name);
    return this.call<Attachment>("POST", "/attachments", form);
  }

  typing(): Promise<unknown> {
    return this.call("POST", "/typing", {});
  }

  attachmentUrl(id: string): string {
    return `${this.base}/attachments/${encodeURIComponent(id)}?token=${encodeURIComponent(this.token ?? "")}`;
  }

  streamUrl(cursor: number): string {
    const ws = this.base.replace(/^http/, "ws");
    return `${ws}/stream?token=${encodeURIComponent(this.token ?? "")}&cursor=${cursor}`;
  }

  private async call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, {
        method,
        headers,
        body: payload ?? null,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError(0, "network", e instanceof Error ? e.message : String(e));
    }
    const text = await res.text().catch(() => "");
    let data: unknown;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      // The contract's `ErrorResponse`, but read as untrusted: a proxy may answer anything.
      const err = (data as { error?: Partial<ErrorBody> } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText));
    }
    return data as T;
  }
}

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, with jitter. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.5 + random() * 0.5));
}

export type StreamFrame =
  | { type: "message"; data: Msg }
  | { type: "typing"; data: { agent_name?: string } }
  | { type: "ended" }
  | { type: "blocked"; message?: string };

export interface StreamHandlers {
  /** Before each (re)connect: catch up over HTTP, renew the session if needed. False stops. */
  prepare(): Promise<boolean>;
  url(): string;
  frame(f: StreamFrame): void;
  state(connected: boolean): void;
}

/**
 * Keeps one WebSocket open, reconnecting by itself with jittered backoff. Each attempt first
 * runs `prepare` (an HTTP catch-up from the last cursor, which also notices a blocked visitor or
 * an expired token) and then opens the socket from the cursor, which replays what came since.
 */
export class LiveStream {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = true;
  private connecting = false;

  constructor(
    private readonly h: StreamHandlers,
    private readonly makeSocket: (url: string) => WebSocket = (url) => new WebSocket(url),
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onerror = ws.onmessage = ws.onopen = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
  }

  /** Reconnect now (the page came back online or into view) unless a socket is open. */
  nudge(): void {
    if (this.stopped || this.connecting) return;
    if (this.ws && this.ws.readyState <= 1) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    let go = false;
    try {
      go = await this.h.prepare();
    } catch {
      go = true; // a failed catch-up is retried by the socket's own replay
    }
    this.connecting = false;
    if (this.stopped) return;
    if (!go) {
      this.stop();
      return;
    }
    let ws: WebSocket;
    try {
      ws = this.makeSocket(this.h.url());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    let opened = 0;
    ws.onopen = () => {
      opened = Date.now();
      this.h.state(true);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== "string") return;
      let frame: StreamFrame;
      try {
        frame = JSON.parse(ev.data) as StreamFrame;
      } catch {
        return;
      }
      this.attempt = 0;
      this.h.frame(frame);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.h.state(false);
      // A socket that stayed up a while starts the backoff afresh.
      if (opened && Date.now() - opened > 10_000) this.attempt = 0;
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = backoff(this.attempt++);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
