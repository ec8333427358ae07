// A small stand-in for switchboard-server's visitor API (/livechat/{channel}/...) and the few
// agent API calls the browser tests use. It exists so the widget could be developed and tested
// before the server side landed; WIDGET_TEST_TARGET=mock runs the browser suite against it.
//
//   node mock-server.mjs [--listen 127.0.0.1:0]     prints "listening on http://ADDR"
//
// It serves widget/dist/widget.js byte for byte, as the real server does.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";

const WIDGET = fileURLToPath(new URL("../../widget/dist/widget.js", import.meta.url));
const CHANNEL = "web";
const EXTENSIONS = ["pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "txt", "rtf", "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "heif", "heic"];
const MAX_BYTES = 25 * 1024 * 1024;

export function startMock({ host = "127.0.0.1", port = 0, greeting = "", offlineText = "", askName = true, askEmail = false, agentPassword = "widget-test-pw" } = {}) {
  const agents = [{ id: randomUUID(), extension: "101", name: "Ana Souza", email: "ana@example.com", password: agentPassword }];
  const agentTokens = new Map(); // token -> agent
  const visitors = new Map(); // id -> visitor
  const tokens = new Map(); // token -> visitor id
  const conversations = new Map(); // id -> conversation
  const blocks = new Map(); // ip -> { until, reason }
  const uploads = new Map(); // id -> { visitor, filename, mime, size, bytes }
  const sockets = new Set(); // { ws, visitor, cursor }
  const sendTimes = new Map(); // visitor id -> timestamps
  let cursor = 0;

  const json = (res, status, body) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const error = (res, status, code, message) => json(res, status, { error: { code, message } });
  const readBody = (req) =>
    new Promise((resolve, reject) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  const clientIp = (req) => {
    const peer = req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "";
    if (peer !== "127.0.0.1") return peer;
    const fwd = String(req.headers["x-forwarded-for"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    return fwd.reverse().find((ip) => ip !== "127.0.0.1") ?? peer;
  };
  const blockOf = (ip) => {
    const b = blocks.get(ip);
    return b && b.until > Date.now() ? b : null;
  };
  const blockedMessage = (b) => `This chat is not available from your network.${b.reason ? ` Reason: ${b.reason}.` : ""}`;
  const agentsOnline = () => agentTokens.size > 0;

  const current = (v) => (v.conversation ? conversations.get(v.conversation) : null);
  const visitorMsg = (m) => ({
    id: m.id,
    ...(m.client_id ? { client_id: m.client_id } : {}),
    author: m.author,
    ...(m.agent_name ? { agent_name: m.agent_name } : {}),
    body: m.body,
    attachments: m.attachments,
    created_at: m.created_at,
    cursor: m.cursor,
  });
  const pageFor = (v, after) => {
    const c = current(v);
    const msgs = c ? c.messages.filter((m) => m.cursor > after) : [];
    return { messages: msgs.map(visitorMsg), cursor: v.cursor, ended: !!c?.ended };
  };
  const notify = (v) => {
    for (const s of sockets) if (s.visitor === v) push(s);
  };
  const push = (s) => {
    const c = current(s.visitor);
    if (c) {
      for (const m of c.messages) {
        if (m.cursor > s.cursor) {
          s.ws.send(JSON.stringify({ type: "message", data: visitorMsg(m) }));
          s.cursor = m.cursor;
        }
      }
    }
    if (c?.ended && !s.endedSent) s.ws.send(JSON.stringify({ type: "ended" }));
    s.endedSent = !!c?.ended;
  };
  const newToken = (v) => {
    const t = `vt_${randomUUID().replaceAll("-", "")}`;
    tokens.set(t, v.id);
    return t;
  };
  const bearerVisitor = (req, url) => {
    const h = String(req.headers.authorization ?? "");
    const t = h.startsWith("Bearer ") ? h.slice(7) : url.searchParams.get("token");
    const v = t ? visitors.get(tokens.get(t)) : null;
    return v ?? null;
  };
  const addMessage = (c, m) => {
    const v = visitors.get(c.visitor);
    const msg = { id: randomUUID(), conversation_id: c.id, attachments: [], created_at: new Date().toISOString(), cursor: ++cursor, ...m };
    v.cursor = Math.max(v.cursor, msg.cursor);
    c.messages.push(msg);
    c.updated_at = msg.created_at;
    return msg;
  };

  async function visitorApi(req, res, url, rest) {
    const ip = clientIp(req);
    if (rest === "widget.js") {
      res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" });
      res.end(readFileSync(WIDGET));
      return;
    }
    if (rest === "demo") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Switchboard live chat demo (mock)</title>
<style>body{font-family:system-ui,sans-serif;margin:0;color:#1c2430;background:#f4f6fa}header{background:#1f4e89;color:#fff;padding:24px 40px}main{max-width:720px;margin:32px auto;padding:0 24px;line-height:1.6}</style></head>
<body><header><h1>Acme Store</h1></header><main><h2>Welcome</h2><p>This page embeds the Switchboard live-chat widget of channel <code>${CHANNEL}</code>.</p></main>
<script src="/livechat/${CHANNEL}/widget.js" async></script></body></html>`);
      return;
    }
    const b = blockOf(ip);
    if (b) return error(res, 403, "blocked", blockedMessage(b));
    if (rest === "config" && req.method === "GET") {
      return json(res, 200, {
        greeting,
        offline_text: agentsOnline() ? null : offlineText,
        ask_name: askName,
        ask_email: askEmail,
        max_attachment_bytes: MAX_BYTES,
        accepted_extensions: EXTENSIONS,
      });
    }
    if (rest === "session" && req.method === "POST") {
      let body;
      try {
        body = JSON.parse((await readBody(req)).toString() || "{}");
      } catch {
        return error(res, 400, "invalid_json", "The body is not JSON.");
      }
      let v = body.token ? visitors.get(tokens.get(body.token)) : null;
      if (body.token && !v) return error(res, 401, "invalid_token", "Start a chat session first.");
      if (!v) {
        v = { id: randomUUID(), name: null, email: null, ip, cursor: 0, conversation: null, language: body.language ?? null };
        visitors.set(v.id, v);
      }
      v.ip = ip;
      if (body.name) v.name = String(body.name).slice(0, 120);
      if (body.email) v.email = String(body.email);
      return json(res, 200, { token: newToken(v), visitor_id: v.id, name: v.name, ended: !!current(v)?.ended });
    }
    const v = bearerVisitor(req, url);
    if (!v) return error(res, 401, "invalid_token", "Start a chat session first.");
    v.ip = ip;
    if (rest === "messages" && req.method === "GET") {
      return json(res, 200, pageFor(v, Number(url.searchParams.get("after") ?? 0)));
    }
    if (rest === "messages" && req.method === "POST") {
      const raw = await readBody(req);
      if (raw.length > 1024 * 1024 + 64 * 1024) return error(res, 413, "body_too_large", "The message is too long.");
      let body;
      try {
        body = JSON.parse(raw.toString());
      } catch {
        return error(res, 400, "invalid_json", "The body is not JSON.");
      }
      const now = Date.now();
      const times = (sendTimes.get(v.id) ?? []).filter((t) => now - t < 10_000);
      if (times.length >= 20) return error(res, 429, "rate_limited", "You are sending too fast; wait a moment and try again.");
      sendTimes.set(v.id, [...times, now]);
      for (const c of conversations.values()) {
        const m = c.visitor === v.id && c.messages.find((x) => x.client_id === body.client_id);
        if (m) return json(res, 200, visitorMsg(m));
      }
      const text = String(body.body ?? "");
      const ids = Array.isArray(body.attachments) ? body.attachments : [];
      if (!text.trim() && !ids.length) return error(res, 400, "empty_message", "Write something or attach a file.");
      const atts = [];
      for (const id of ids) {
        const u = uploads.get(id);
        if (!u || u.visitor !== v.id) return error(res, 400, "unknown_attachment", "That attachment is not yours.");
        atts.push({ id, filename: u.filename, mime: u.mime, size: u.size });
      }
      let c = current(v);
      if (!c || c.ended) {
        c = { id: randomUUID(), visitor: v.id, ended: false, messages: [], created_at: new Date().toISOString(), updated_at: "" };
        conversations.set(c.id, c);
        v.conversation = c.id;
      }
      const m = addMessage(c, { client_id: body.client_id, author: "visitor", body: text, attachments: atts });
      notify(v);
      return json(res, 201, visitorMsg(m));
    }
    if (rest === "typing" && req.method === "POST") {
      res.writeHead(204).end();
      return;
    }
    if (rest === "attachments" && req.method === "POST") {
      const raw = await readBody(req);
      const form = await new Response(raw, { headers: { "content-type": String(req.headers["content-type"]) } }).formData().catch(() => null);
      const file = form?.get("file");
      if (!file || typeof file === "string") return error(res, 400, "missing_file", "Send the file in the field `file`.");
      const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
      if (!EXTENSIONS.includes(ext)) return error(res, 415, "unsupported_file_type", `Files of this type can't be sent (${file.name}).`);
      if (file.size === 0) return error(res, 400, "empty_file", "The file is empty.");
      if (file.size > MAX_BYTES) return error(res, 413, "file_too_large", "The file is too large.");
      const id = randomUUID();
      const mime = ext === "png" ? "image/png" : ext === "txt" ? "text/plain" : ext === "pdf" ? "application/pdf" : "application/octet-stream";
      uploads.set(id, { visitor: v.id, filename: file.name, mime, size: file.size, bytes: Buffer.from(await file.arrayBuffer()) });
      return json(res, 201, { id, filename: file.name, mime, size: file.size });
    }
    const att = /^attachments\/([^/]+)$/.exec(rest);
    if (att && req.method === "GET") {
      const u = uploads.get(att[1]);
      if (!u) return error(res, 404, "not_found", "No such attachment.");
      res.writeHead(200, { "Content-Type": u.mime, "Content-Disposition": `inline; filename="${u.filename}"` });
      res.end(u.bytes);
      return;
    }
    return error(res, 404, "not_found", "Not found.");
  }

  const convJson = (c) => {
    const v = visitors.get(c.visitor);
    const last = c.messages.at(-1);
    return {
      id: c.id,
      channel: "livechat",
      channel_id: CHANNEL,
      status: c.ended ? "resolved" : "queued",
      queue_id: "support",
      contact: { display_name: v.name ?? "Visitor", known: false, identity: { kind: "livechat", value: v.id } },
      ...(last ? { last_message: agentMsg(last) } : {}),
      unread: 0,
      archived: false,
      created_at: c.created_at,
      updated_at: c.updated_at || c.created_at,
    };
  };
  const agentMsg = (m) => ({
    id: m.id,
    conversation_id: m.conversation_id,
    ...(m.client_id ? { client_id: m.client_id } : {}),
    direction: m.author === "visitor" ? "inbound" : "outbound",
    author: m.author === "agent" ? { kind: "agent", name: m.agent_name } : { kind: "visitor" },
    body: m.body,
    attachments: m.attachments,
    status: "sent",
    created_at: m.created_at,
  });

  async function agentApi(req, res, path) {
    if (path === "session" && req.method === "POST") {
      const body = JSON.parse((await readBody(req)).toString() || "{}");
      const a = agents.find((x) => (x.extension === body.login || x.email === body.login) && x.password === body.password);
      if (!a) return error(res, 401, "invalid_credentials", "Wrong login or password.");
      const token = `at_${randomUUID()}`;
      agentTokens.set(token, a);
      return json(res, 200, { token, agent: { id: a.id, extension: a.extension, name: a.name, email: a.email, role: "agent" } });
    }
    const a = agentTokens.get(String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
    if (!a) return error(res, 401, "unauthorized", "Sign in first.");
    if (path === "conversations" && req.method === "GET") {
      const list = [...conversations.values()].filter((c) => c.messages.length).sort((x, y) => (y.updated_at > x.updated_at ? 1 : -1));
      return json(res, 200, { conversations: list.map(convJson) });
    }
    const m = /^conversations\/([^/]+)(?:\/(messages|end-session|block|typing))?$/.exec(path);
    const c = m && conversations.get(m[1]);
    if (!c) return error(res, 404, "not_found", "No such conversation.");
    const v = visitors.get(c.visitor);
    if (!m[2] && req.method === "GET") return json(res, 200, convJson(c));
    if (m[2] === "messages" && req.method === "GET") return json(res, 200, { messages: c.messages.map(agentMsg), more: false });
    if (m[2] === "messages" && req.method === "POST") {
      const body = JSON.parse((await readBody(req)).toString());
      const dup = c.messages.find((x) => x.client_id === body.client_id);
      if (dup) return json(res, 200, agentMsg(dup));
      const msg = addMessage(c, { client_id: body.client_id, author: "agent", agent_name: a.name, body: String(body.body ?? "") });
      notify(v);
      return json(res, 201, agentMsg(msg));
    }
    if (m[2] === "typing" && req.method === "POST") {
      for (const s of sockets) if (s.visitor === v) s.ws.send(JSON.stringify({ type: "typing", data: { agent_name: a.name } }));
      res.writeHead(204).end();
      return;
    }
    if (m[2] === "end-session" && req.method === "POST") {
      c.ended = true;
      notify(v);
      return json(res, 200, convJson(c));
    }
    if (m[2] === "block" && req.method === "POST") {
      const body = JSON.parse((await readBody(req)).toString() || "{}");
      const b = { until: Date.now() + (body.duration_s ?? 86400) * 1000, reason: body.reason ?? "" };
      blocks.set(v.ip, b);
      c.ended = true;
      for (const s of sockets) {
        if (s.visitor.ip === v.ip) {
          s.ws.send(JSON.stringify({ type: "blocked", message: blockedMessage(b) }));
          s.ws.close();
        }
      }
      return json(res, 200, convJson(c));
    }
    return error(res, 404, "not_found", "Not found.");
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://mock");
      const live = /^\/livechat\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (live) {
        if (live[1] !== CHANNEL) return error(res, 404, "unknown_channel", "No live-chat channel has that id.");
        return await visitorApi(req, res, url, live[2]);
      }
      if (url.pathname.startsWith("/api/v1/")) return await agentApi(req, res, url.pathname.slice(8));
      if (url.pathname === "/healthz") return json(res, 200, { service: "switchboard-mock" });
      error(res, 404, "not_found", "Not found.");
    } catch (e) {
      error(res, 500, "internal", String(e));
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url, "http://mock");
    const v = url.pathname === `/livechat/${CHANNEL}/stream` ? visitors.get(tokens.get(url.searchParams.get("token"))) : null;
    const ip = clientIp(req);
    if (!v || blockOf(ip)) {
      socket.end(`HTTP/1.1 ${v ? "403 Forbidden" : "401 Unauthorized"}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = { ws, visitor: v, cursor: Number(url.searchParams.get("cursor") ?? 0), endedSent: false };
      sockets.add(s);
      ws.on("close", () => sockets.delete(s));
      push(s);
    });
  });

  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const addr = server.address();
      const close = () =>
        new Promise((done) => {
          for (const s of sockets) s.ws.terminate();
          server.close(() => done());
          server.closeAllConnections?.();
        });
      resolve({
        url: `http://${addr.address}:${addr.port}`,
        close,
        // Like a restart of the real server: nobody can connect for a while, state is kept.
        pause: close,
        resume: () => new Promise((done) => server.listen(addr.port, host, () => done())),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--listen");
  const [host, port] = (i > 0 ? process.argv[i + 1] : "127.0.0.1:0").split(":");
  const { url } = await startMock({
    host,
    port: Number(port),
    greeting: process.env.MOCK_GREETING ?? "",
    offlineText: process.env.MOCK_OFFLINE_TEXT ?? "",
  });
  console.log(`listening on ${url}`);
}
