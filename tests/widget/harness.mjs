// Starts the server the browser tests run against (the real switchboard-server by default, or
// the local mock with WIDGET_TEST_TARGET=mock), drives the agent side over the agent API, and
// launches Debian's Chromium through playwright-core.

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startMock } from "./mock-server.mjs";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const ARTIFACTS = join(REPO, "test-artifacts", "widget");
export const TARGET = (process.env.WIDGET_TEST_TARGET || "real").toLowerCase();
export const AGENT = { login: "101", password: "widget-test-pw", name: "Ana Souza" };
export const GREETING = "Hi! Ask us anything about your order.";
export const OFFLINE = "We're away right now. Leave a message and we'll write back.";

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function configToml(port) {
  return `# Written by tests/widget/harness.mjs for one run of the widget's browser tests.
[server]
listen = "127.0.0.1:${port}"
public_url = "http://127.0.0.1:${port}"
database = "sqlite://data/switchboard.db"
data_dir = "data"
max_attachment_bytes = 26214400
trusted_proxies = ["127.0.0.1/32"]

[[agents]]
extension = "${AGENT.login}"
name = "${AGENT.name}"
email = "ana@example.com"
password = "${AGENT.password}"
role = "agent"

[[queues]]
id = "support"
name = "Support"
strategy = "ring_all"
agents = ["${AGENT.login}"]
offer_timeout_s = 30
max_chats_per_agent = 0

[[channels]]
id = "web"
kind = "livechat"
route = { queue = "support" }
[channels.livechat]
allowed_origins = []
greeting = "${GREETING}"
offline_text = "${OFFLINE}"
ask_name = true
`;
}

/** Starts the target; resolves to { url, kind, stop(), log() }. */
export async function startTarget() {
  if (!existsSync(join(REPO, "widget", "dist", "widget.js"))) {
    throw new Error("widget/dist/widget.js is missing: run `npm install && npm run build` in widget/ first");
  }
  if (TARGET === "mock") {
    const m = await startMock({ greeting: GREETING, offlineText: OFFLINE, askName: true, port: 0, agentPassword: AGENT.password });
    return { url: m.url, kind: "mock", stop: m.close, pause: m.pause, resume: m.resume, log: () => "" };
  }
  if (TARGET !== "real") throw new Error(`WIDGET_TEST_TARGET must be real or mock, not ${TARGET}`);
  const bin = process.env.SWITCHBOARD_SERVER_BIN || join(REPO, "target", "debug", "switchboard-server");
  if (!existsSync(bin)) {
    throw new Error(
      `switchboard-server not found at ${bin}: build it (cargo build -p switchboard-server) or set SWITCHBOARD_SERVER_BIN`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "sb-widget-"));
  // The server's own origin is what the demo page runs on, and the only one allowed here
  // (allowed_origins = []), so public_url must name the port: pick a free one first.
  const port = await freePort();
  const config = join(dir, "switchboard.toml");
  writeFileSync(config, configToml(port));
  const args = ["serve", "--config", config, "--listen", `127.0.0.1:${port}`];
  let output = "";
  let child;
  const launch = async () => {
    child = spawn(bin, args, {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" },
    });
    child.stderr.on("data", (d) => (output += d));
    return new Promise((resolve, reject) => {
      let line = "";
      const timer = setTimeout(() => reject(new Error(`server did not print "listening on" in 60 s:\n${output}`)), 60_000);
      child.stdout.on("data", (d) => {
        line += d;
        output += d;
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${output}`));
      });
    });
  };
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  const url = await launch();
  return {
    url,
    kind: "real",
    log: () => output,
    /** Takes the server away (a restart: same config, same data) ... */
    pause: kill,
    /** ... and brings it back on the same address. */
    resume: launch,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The agent side, over the agent API. */
export class AgentClient {
  constructor(base) {
    this.base = base;
    this.token = null;
  }
  async call(method, path, body) {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: {
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return data;
  }
  async login() {
    const r = await this.call("POST", "/session", { login: AGENT.login, password: AGENT.password });
    this.token = r.token;
    await this.call("PUT", "/me/presence", { presence: "available" }).catch(() => {});
    return r;
  }
  /** The live-chat conversation holding a message with this text (waits for it). */
  async findConversation(text, timeout = 15_000) {
    return waitFor(async () => {
      const { conversations } = await this.call("GET", "/conversations");
      for (const c of conversations) {
        if (c.channel !== "livechat") continue;
        if (c.last_message?.body?.includes(text)) return c;
        const { messages } = await this.call("GET", `/conversations/${c.id}/messages`);
        if (messages.some((m) => m.body?.includes(text))) return c;
      }
      return null;
    }, timeout, `a livechat conversation with "${text}"`);
  }
  messages(id) {
    return this.call("GET", `/conversations/${id}/messages`).then((r) => r.messages);
  }
  reply(id, body) {
    return this.call("POST", `/conversations/${id}/messages`, { client_id: randomUUID(), body });
  }
  endSession(id) {
    return this.call("POST", `/conversations/${id}/end-session`, {});
  }
  block(id) {
    return this.call("POST", `/conversations/${id}/block`, { duration_s: 3600, reason: "spam" });
  }
}

export async function waitFor(fn, timeout = 10_000, what = "condition") {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    // playwright-core gives every launch a fresh, empty --user-data-dir of its own.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** A browser context that looks like a visitor at `ip` (the server trusts 127.0.0.1 as a proxy). */
export function visitorContext(browser, ip, options = {}) {
  return browser.newContext({
    viewport: { width: 1100, height: 760 },
    locale: "en-US",
    extraHTTPHeaders: { "X-Forwarded-For": ip },
    ...options,
  });
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Waits until the locator's text contains `text`. */
export async function waitText(locator, text, timeout = 10_000) {
  await locator.filter({ hasText: text }).first().waitFor({ state: "visible", timeout });
}
