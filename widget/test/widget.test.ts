import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Msg } from "../src/messages";
import { ChatWidget } from "../src/widget";

vi.stubGlobal("requestAnimationFrame", (f: () => void) => setTimeout(f, 0));

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.();
    }, 0);
  }
  push(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
}

/** A tiny in-memory visitor API. */
function fakeServer(opts: { askName?: boolean; blocked?: boolean; maxChars?: number } = {}) {
  const messages: Msg[] = [];
  let cursor = 0;
  let ended = false;
  const sessions: unknown[] = [];
  const posts: unknown[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const path = url.pathname.replace("/livechat/web", "");
    const method = init?.method ?? "GET";
    if (opts.blocked && path !== "/config") return json(403, { error: { code: "blocked", message: "You were blocked." } });
    if (path === "/config") {
      return json(200, { greeting: "Hello from ACME", offline_text: null, ask_name: !!opts.askName, ask_email: false, max_attachment_bytes: 1000, accepted_extensions: ["pdf", "png"], max_message_chars: opts.maxChars });
    }
    if (path === "/session") {
      sessions.push(JSON.parse(String(init?.body)));
      return json(200, { token: `tok-${sessions.length}`, visitor_id: "v1", name: null, ended });
    }
    if (path === "/messages" && method === "GET") {
      const after = Number(url.searchParams.get("after") ?? 0);
      return json(200, { messages: messages.filter((m) => m.cursor > after), cursor, ended });
    }
    if (path === "/messages" && method === "POST") {
      const b = JSON.parse(String(init?.body)) as { client_id: string; body: string };
      posts.push(b);
      if (opts.maxChars !== undefined && [...b.body].length > opts.maxChars) {
        return json(413, { error: { code: "body_too_large", message: "Your message is too long." } });
      }
      const existing = messages.find((m) => m.client_id === b.client_id);
      if (existing) return json(200, existing);
      ended = false;
      const m: Msg = { id: `m${cursor + 1}`, client_id: b.client_id, author: "visitor", body: b.body, attachments: [], created_at: new Date().toISOString(), cursor: ++cursor };
      messages.push(m);
      return json(201, m);
    }
    if (path === "/typing") return new Response(null, { status: 204 });
    return json(404, { error: { code: "not_found", message: "no" } });
  };
  return {
    fetchFn: fetchFn as typeof fetch,
    sessions,
    posts,
    agentSays(body: string): Msg {
      const m: Msg = { id: `m${cursor + 1}`, author: "agent", agent_name: "Ana Souza", body, attachments: [], created_at: new Date().toISOString(), cursor: ++cursor };
      messages.push(m);
      return m;
    },
    end() {
      ended = true;
    },
  };
}

function memoryStorage(init: Record<string, string> = {}): Storage {
  const m = new Map(Object.entries(init));
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => Array.from(m.keys())[i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

const tick = async (ms = 0) => {
  await vi.advanceTimersByTimeAsync(ms);
};

function setup(server: ReturnType<typeof fakeServer>, storage = memoryStorage()) {
  const w = new ChatWidget({ origin: "http://s.test", channelId: "web" }, {
    lang: "en",
    storage,
    fetchFn: server.fetchFn,
    socket: (url) => new FakeSocket(url) as unknown as WebSocket,
  });
  w.mount(document.body);
  const $ = (id: string) => w.view.shadow.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  const $$ = (id: string) => Array.from(w.view.shadow.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
  const type = (text: string) => {
    const box = $("sb-composer") as HTMLTextAreaElement;
    box.value = text;
    box.dispatchEvent(new Event("input"));
    $("sb-send")!.click();
  };
  return { w, $, $$, type, storage };
}

beforeEach(() => {
  vi.useFakeTimers();
  document.body.innerHTML = "";
  FakeSocket.all = [];
});
afterEach(() => vi.useRealTimers());

describe("chat widget", () => {
  it("asks the name, starts a session, sends once and merges the server's copy", async () => {
    const server = fakeServer({ askName: true });
    const { w, $, $$, type, storage } = setup(server);
    await tick();
    w.toggle(true);
    expect($("sb-name")!.closest("form")!.hidden).toBe(false);
    expect($("sb-greeting")!.textContent).toBe("Hello from ACME");
    $("sb-start")!.click();
    await tick();
    expect(w.view.shadow.textContent).toContain("Please enter your name.");
    ($("sb-name") as HTMLInputElement).value = "Maria";
    $("sb-start")!.click();
    await tick(10);
    expect(server.sessions).toEqual([{ name: "Maria", language: "en" }]);
    expect(JSON.parse(storage.getItem("switchboard-chat:http://s.test:web")!).token).toBe("tok-1");
    type("Hello, I need help");
    await tick(10);
    const rows = $$("sb-message");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.dataset.author).toBe("visitor");
    expect(rows[0]!.dataset.status).toBe("sent");
    // The stream replays the same message: still one row.
    const ws = FakeSocket.all.at(-1)!;
    const stored = server.posts[0] as { client_id: string };
    ws.push({ type: "message", data: { id: "m1", client_id: stored.client_id, author: "visitor", body: "Hello, I need help", attachments: [], created_at: new Date().toISOString(), cursor: 1 } });
    expect($$("sb-message")).toHaveLength(1);
  });

  it("says how long a message may be when the server refuses a long one", async () => {
    const server = fakeServer({ maxChars: 10 });
    const { w, $$, type } = setup(server);
    await tick();
    w.toggle(true);
    type("This is longer than ten characters");
    await tick(10);
    const rows = $$("sb-message");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.dataset.status).toBe("failed");
    expect(rows[0]!.textContent).toContain("at most 10 characters");
  });

  it("shows agent replies, typing, an unread badge while closed, ended and a new conversation", async () => {
    const server = fakeServer();
    const { w, $, $$, type } = setup(server);
    await tick();
    w.toggle(true);
    await tick(10);
    type("hi");
    await tick(10);
    const ws = FakeSocket.all.at(-1)!;
    ws.push({ type: "typing", data: { agent_name: "Ana Souza" } });
    expect(w.view.shadow.textContent).toContain("Ana Souza is typing…");
    w.toggle(false);
    ws.push({ type: "message", data: server.agentSays("Hello! How can I help?") });
    expect(w.view.shadow.textContent).not.toContain("is typing");
    expect($("sb-unread")!.hidden).toBe(false);
    expect($("sb-unread")!.textContent).toBe("1");
    w.toggle(true);
    expect($("sb-unread")!.hidden).toBe(true);
    const agent = $$("sb-message").find((r) => r.dataset.author === "agent")!;
    expect(agent.textContent).toContain("Ana Souza");
    expect(agent.textContent).toContain("Hello! How can I help?");
    server.end();
    ws.push({ type: "ended" });
    expect($("sb-ended")!.hidden).toBe(false);
    type("one more thing");
    await tick(10);
    expect($("sb-ended")!.hidden).toBe(true);
    expect($$("sb-message")).toHaveLength(3);
  });

  it("resumes a stored session after a reload, with its history", async () => {
    const server = fakeServer();
    const first = setup(server);
    await tick();
    first.w.toggle(true);
    await tick(10);
    first.type("before reload");
    await tick(10);
    server.agentSays("reply");
    document.body.innerHTML = "";
    const again = setup(server, first.storage);
    await tick(10);
    expect(server.sessions.at(-1)).toEqual({ token: "tok-1", language: "en" });
    again.w.toggle(true);
    expect(again.$$("sb-message").map((r) => r.dataset.author)).toEqual(["visitor", "agent"]);
  });

  it("forgets the old history when the server answers with another visitor (expired token)", async () => {
    const server = fakeServer();
    const key = "switchboard-chat:http://s.test:web";
    const storage = memoryStorage({ [key]: JSON.stringify({ token: "expired", visitor: "someone-before", seen: 42 }) });
    setup(server, storage);
    await tick(10);
    expect(JSON.parse(storage.getItem(key)!)).toEqual({ token: "tok-1", visitor: "v1", seen: 0 });
  });

  it("shows the blocked message from the server", async () => {
    const server = fakeServer({ blocked: true });
    const storage = memoryStorage({ "switchboard-chat:http://s.test:web": JSON.stringify({ token: "old" }) });
    const { w, $ } = setup(server, storage);
    await tick(10);
    expect($("sb-blocked")!.hidden).toBe(false);
    expect($("sb-blocked")!.textContent).toContain("You were blocked.");
    w.toggle(true);
    expect($("sb-blocked")!.hidden).toBe(false);
    expect($("sb-composer")!.closest("form")!.hidden).toBe(true);
    expect(FakeSocket.all).toHaveLength(0);
  });

  it("refuses a file it can't send before uploading, saying why", async () => {
    const server = fakeServer();
    const { w, $ } = setup(server);
    await tick();
    w.toggle(true);
    await tick(10);
    const input = w.view.shadow.querySelector<HTMLInputElement>("input[type=file]")!;
    Object.defineProperty(input, "files", { value: [new File(["x"], "virus.exe")], configurable: true });
    input.dispatchEvent(new Event("change"));
    await tick();
    expect(w.view.shadow.textContent).toContain("“virus.exe” can't be sent: only PDF, PNG files are accepted.");
    Object.defineProperty(input, "files", { value: [new File(["x".repeat(2000)], "big.pdf")], configurable: true });
    input.dispatchEvent(new Event("change"));
    await tick();
    expect(w.view.shadow.textContent).toContain("“big.pdf” is 2 KB; files can be at most 1,000 B.");
    expect($("sb-send")).not.toBeNull();
  });
});
