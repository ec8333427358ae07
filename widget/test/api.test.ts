import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, LiveStream, VisitorApi, backoff, parseScriptSrc } from "../src/api";

describe("script address", () => {
  it("gives the server origin and channel id", () => {
    expect(parseScriptSrc("https://chat.example.com/livechat/web/widget.js")).toEqual({ origin: "https://chat.example.com", channelId: "web" });
    expect(parseScriptSrc("http://127.0.0.1:8080/livechat/my%20site/widget.js?v=2")).toEqual({ origin: "http://127.0.0.1:8080", channelId: "my site" });
    expect(parseScriptSrc("https://x.test/chat/livechat/web/widget.js")).toEqual({ origin: "https://x.test/chat", channelId: "web" });
    expect(parseScriptSrc("https://x.test/other.js")).toBeNull();
  });
});

describe("backoff", () => {
  it("grows, is capped and jittered", () => {
    expect(backoff(0, () => 0)).toBe(500);
    expect(backoff(0, () => 1)).toBe(1000);
    expect(backoff(3, () => 1)).toBe(8000);
    expect(backoff(20, () => 1)).toBe(30000);
    expect(backoff(20, () => 0)).toBe(15000);
  });
});

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("visitor API client", () => {
  it("sends the token as a bearer and reads errors", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetchFn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init: init ?? {} });
      if (String(url).endsWith("/session")) return jsonResponse(200, { token: "T1", visitor_id: "v", name: null, ended: false });
      return jsonResponse(429, { error: { code: "rate_limited", message: "Slow down." } });
    });
    const api = new VisitorApi({ origin: "https://s.test", channelId: "web" }, fetchFn as typeof fetch);
    await api.session({ language: "en" });
    expect(api.token).toBe("T1");
    const err = await api.send("c1", "hi", []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, code: "rate_limited", message: "Slow down." });
    expect(calls[1]!.url).toBe("https://s.test/livechat/web/messages");
    expect((calls[1]!.init.headers as Record<string, string>).Authorization).toBe("Bearer T1");
    expect(JSON.parse(String(calls[1]!.init.body))).toEqual({ client_id: "c1", body: "hi", attachments: [] });
    expect(api.streamUrl(7)).toBe("wss://s.test/livechat/web/stream?token=T1&cursor=7");
    expect(api.attachmentUrl("a 1")).toBe("https://s.test/livechat/web/attachments/a%201?token=T1");
  });

  it("tells a blocked visitor and a network failure apart", async () => {
    const blocked = new VisitorApi({ origin: "http://s.test", channelId: "web" }, (async () =>
      jsonResponse(403, { error: { code: "blocked", message: "Blocked for spam." } })) as typeof fetch);
    const e1 = (await blocked.config().catch((e: unknown) => e)) as ApiError;
    expect(e1.blocked).toBe(true);
    expect(e1.message).toBe("Blocked for spam.");
    const down = new VisitorApi({ origin: "http://s.test", channelId: "web" }, (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch);
    const e2 = (await down.config().catch((e: unknown) => e)) as ApiError;
    expect(e2.status).toBe(0);
    expect(e2.transient).toBe(true);
  });
});

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  send(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
}

describe("live stream", () => {
  afterEach(() => {
    vi.useRealTimers();
    FakeSocket.all = [];
  });

  it("reconnects by itself from the last cursor, catching up first", async () => {
    vi.useFakeTimers();
    let cursor = 0;
    const frames: unknown[] = [];
    const states: boolean[] = [];
    let prepared = 0;
    const s = new LiveStream(
      {
        prepare: async () => {
          prepared++;
          return true;
        },
        url: () => `ws://s.test/stream?cursor=${cursor}`,
        frame: (f) => {
          frames.push(f);
          if (f.type === "message") cursor = f.data.cursor;
        },
        state: (ok) => states.push(ok),
      },
      (url) => new FakeSocket(url) as unknown as WebSocket,
    );
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(prepared).toBe(1);
    expect(FakeSocket.all).toHaveLength(1);
    const ws = FakeSocket.all[0]!;
    ws.open();
    ws.send({ type: "message", data: { id: "m5", cursor: 5 } });
    ws.close();
    expect(states).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(999);
    await vi.advanceTimersByTimeAsync(2);
    expect(prepared).toBe(2);
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.all[1]!.url).toBe("ws://s.test/stream?cursor=5");
    s.stop();
    FakeSocket.all[1]!.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("stops when the catch-up says so (blocked)", async () => {
    const s = new LiveStream(
      { prepare: async () => false, url: () => "ws://x", frame: () => {}, state: () => {} },
      (url) => new FakeSocket(url) as unknown as WebSocket,
    );
    s.start();
    await Promise.resolve();
    await Promise.resolve();
    expect(FakeSocket.all).toHaveLength(0);
    expect(s.running).toBe(false);
  });
});
