// The live-chat widget in a real browser (Debian Chromium via playwright-core) against the real
// switchboard-server (default) or the local mock (WIDGET_TEST_TARGET=mock).
//
//   cd tests/widget && npm install && npm test

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AGENT,
  AgentClient,
  GREETING,
  OFFLINE,
  REPO,
  artifact,
  launchBrowser,
  startTarget,
  visitorContext,
  waitFor,
  waitText,
} from "./harness.mjs";

let target;
let browser;
let agent;
const contexts = [];

const BLOCKED_IP = "203.0.113.10";

async function newVisitor(ip, options) {
  const ctx = await visitorContext(browser, ip, options);
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.error(`[page error ${ip}] ${e.message}`));
  return page;
}

function w(page) {
  const id = (t) => page.getByTestId(t);
  return {
    launcher: id("sb-launcher"),
    panel: id("sb-panel"),
    name: id("sb-name"),
    start: id("sb-start"),
    composer: id("sb-composer"),
    send: id("sb-send"),
    attach: id("sb-attach"),
    messages: id("sb-message"),
    visitorMsgs: page.locator('[data-testid="sb-message"][data-author="visitor"]'),
    agentMsgs: page.locator('[data-testid="sb-message"][data-author="agent"]'),
    ended: id("sb-ended"),
    blocked: id("sb-blocked"),
    unread: id("sb-unread"),
    file: page.locator("switchboard-chat input[type=file]"),
  };
}

/** Opens the widget, introduces the visitor and sends a first message. */
async function startChat(page, name, text) {
  const x = w(page);
  await x.launcher.click();
  await x.panel.waitFor({ state: "visible" });
  await x.name.fill(name);
  await x.start.click();
  await x.composer.fill(text);
  await x.send.click();
  await waitText(x.visitorMsgs, text);
  await page.locator('[data-testid="sb-message"][data-status="sent"]').filter({ hasText: text }).waitFor();
}

/** The widget's own view of some of its computed styles and boxes, from inside the shadow root. */
async function widgetStyles(page) {
  await page.mouse.move(5, 5); // no hover effects
  await page.waitForTimeout(400); // the panel's opening animation is over
  return page.evaluate(() => {
    const hosts = document.querySelectorAll("switchboard-chat");
    const root = hosts[0].shadowRoot;
    const pick = (sel) => {
      const e = root.querySelector(sel);
      const cs = getComputedStyle(e);
      const r = e.getBoundingClientRect();
      return {
        color: cs.color,
        background: cs.backgroundColor,
        fontSize: cs.fontSize,
        fontFamily: cs.fontFamily,
        lineHeight: cs.lineHeight,
        padding: cs.padding,
        box: [r.x, r.y, r.width, r.height].map(Math.round).join(","),
      };
    };
    return {
      launcher: pick('[data-testid="sb-launcher"]'),
      panel: pick('[data-testid="sb-panel"]'),
      title: pick("#sb-title"),
      name: pick('[data-testid="sb-name"]'),
      start: pick('[data-testid="sb-start"]'),
      greeting: pick('[data-testid="sb-greeting"]'),
    };
  });
}

/** A screenshot of the page as a person sees it once things have settled. */
async function shot(page, name) {
  await page.mouse.move(5, 5);
  await page.waitForTimeout(300);
  await page.screenshot({ path: artifact(name), animations: "disabled" });
}

function hostPage(base, { css = "", scripts = 1 } = {}) {
  const tags = Array.from({ length: scripts }, (_, i) => `<script src="${base}/livechat/web/widget.js${i ? `?copy=${i}` : ""}" async></script>`).join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host page</title>${css ? `<style>${css}</style>` : ""}</head>
<body><h1>Some company</h1><p id="probe">A paragraph of the host page.</p>${tags}</body></html>`;
}

describe(`live-chat widget in Chromium against the ${process.env.WIDGET_TEST_TARGET || "real"} server`, () => {
  before(async () => {
    target = await startTarget();
    console.log(`# target: ${target.kind} server at ${target.url}`);
    browser = await launchBrowser();
    agent = new AgentClient(target.url);
    await agent.login();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await target?.stop();
  });

  let blockedConversation = null;

  it("serves widget/dist/widget.js byte for byte", async () => {
    const res = await fetch(`${target.url}/livechat/web/widget.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /javascript/);
    const served = Buffer.from(await res.arrayBuffer());
    const built = readFileSync(join(REPO, "widget", "dist", "widget.js"));
    assert.ok(served.equals(built), "the server embeds an older widget.js: rebuild the server after `npm run build` in widget/");
  });

  it("a visitor on the demo page chats with an agent, keeps the history, and sees the end and the block", async () => {
    const page = await newVisitor(BLOCKED_IP);
    const x = w(page);
    await page.goto(`${target.url}/livechat/web/demo`);
    await x.launcher.waitFor({ state: "visible" });
    assert.equal(await x.launcher.getAttribute("aria-label"), "Open chat");

    // The start step (ask_name = true), then the first message.
    await x.launcher.click();
    await x.panel.waitFor({ state: "visible" });
    assert.equal(await x.panel.getAttribute("role"), "dialog");
    const greeting = await page.getByTestId("sb-greeting").innerText();
    assert.ok([GREETING, OFFLINE].includes(greeting), `greeting from the channel config, got "${greeting}"`);
    await x.name.fill("Maria Silva");
    await x.start.click();
    await x.composer.waitFor({ state: "visible" });
    const question = "Hello! Where is my order #4521?";
    await x.composer.fill(question);
    await x.composer.press("Enter");
    await waitText(x.visitorMsgs, question);

    // The agent sees a livechat conversation with it.
    const conv = await agent.findConversation(question);
    assert.equal(conv.channel, "livechat");
    assert.equal(conv.channel_id, "web");
    const seen = await agent.messages(conv.id);
    assert.equal(seen.filter((m) => m.body === question).length, 1, "the visitor's message is stored once");

    // Panel closed: the reply shows as an unread badge; opened: the reply with the agent's name.
    await x.launcher.click();
    await x.panel.waitFor({ state: "hidden" });
    const reply = "Hi Maria! It left our warehouse this morning.";
    await agent.reply(conv.id, reply);
    await waitText(x.unread, "1");
    assert.match(await x.launcher.getAttribute("aria-label"), /1 unread message/);
    await x.launcher.click();
    await waitText(x.agentMsgs, reply);
    assert.ok((await x.agentMsgs.first().innerText()).includes(AGENT.name), "the agent's name is on the reply");
    assert.equal(await x.unread.isVisible(), false);
    await shot(page, "widget-open.png");

    // A reload keeps the session and the history, without duplicates.
    await page.reload();
    await x.launcher.click();
    await waitText(x.agentMsgs, reply);
    await waitText(x.visitorMsgs, question);
    await page.waitForTimeout(1000);
    assert.equal(await x.visitorMsgs.count(), 1);
    assert.equal(await x.agentMsgs.count(), 1);
    assert.equal(await x.name.isVisible(), false, "no start step after a reload");

    // The agent ends the session: the widget says so.
    await agent.endSession(conv.id);
    await x.ended.waitFor({ state: "visible" });
    assert.match(await x.ended.innerText(), /ended/i);
    await shot(page, "widget-ended.png");

    // Writing again starts a new conversation and clears the ended state.
    const again = "One more question: can I change the address?";
    await x.composer.fill(again);
    await x.send.click();
    await waitText(x.visitorMsgs, again);
    await x.ended.waitFor({ state: "hidden" });
    const second = await agent.findConversation(again);
    assert.equal(second.channel, "livechat");
    assert.notEqual(second.id, conv.id, "a new conversation after the end");

    // The agent blocks the visitor: the reloaded page shows why.
    await agent.block(second.id);
    blockedConversation = second.id;
    await page.reload();
    await x.blocked.waitFor({ state: "visible" });
    await shot(page, "widget-blocked-closed.png");
    const text = await x.blocked.innerText();
    assert.ok(text.length > 10, `a readable message, got "${text}"`);
    await x.launcher.click();
    await x.blocked.waitFor({ state: "visible" });
    assert.equal(await x.composer.isVisible(), false);
    await shot(page, "widget-blocked.png");
  });

  it("another IP still works after a block", async (t) => {
    if (!blockedConversation) t.skip("needs the block from the previous test");
    const page = await newVisitor("203.0.113.20");
    const x = w(page);
    await page.goto(`${target.url}/livechat/web/demo`);
    const text = "Hi, I'm writing from another network.";
    await startChat(page, "João Pereira", text);
    assert.equal(await x.blocked.isVisible(), false);
    const conv = await agent.findConversation(text);
    await agent.reply(conv.id, "Hello João, how can I help?");
    await waitText(x.agentMsgs, "Hello João");
    // And the blocked address still is.
    const blocked = await newVisitor(BLOCKED_IP);
    await blocked.goto(`${target.url}/livechat/web/demo`);
    await w(blocked).launcher.click();
    await w(blocked).blocked.waitFor({ state: "visible" });
    assert.equal(await w(blocked).composer.isVisible(), false);
  });

  it("a page that loads the script twice shows one launcher", async () => {
    const page = await newVisitor("203.0.113.30");
    await page.route(`${target.url}/livechat/web/twice.html`, (r) =>
      r.fulfill({ contentType: "text/html", body: hostPage(target.url, { scripts: 2 }) }),
    );
    const loaded = [];
    page.on("response", (r) => r.url().includes("/widget.js") && loaded.push(r.url()));
    await page.goto(`${target.url}/livechat/web/twice.html`);
    await w(page).launcher.waitFor({ state: "visible" });
    await waitFor(() => loaded.length === 2, 5000, "both scripts to load");
    await page.waitForTimeout(500);
    assert.equal(await w(page).launcher.count(), 1);
    assert.equal(await page.locator("switchboard-chat").count(), 1);
    await w(page).launcher.click();
    assert.equal(await w(page).panel.count(), 1);
    await w(page).panel.waitFor({ state: "visible" });
  });

  it("the host page's CSS does not change the widget, and the widget's does not change the page", async () => {
    const hostile = `
      * { color: red !important; font-size: 40px !important; font-family: "Courier New", serif !important;
          line-height: 3 !important; padding: 12px !important; box-sizing: content-box !important;
          letter-spacing: 4px !important; text-transform: uppercase !important; }
      html { font-size: 30px !important; }
      button { background: lime !important; width: 300px !important; border-radius: 0 !important; }
      div, form, header { display: inline !important; margin: 20px !important; }
      switchboard-chat { display: none !important; position: absolute !important; opacity: .2 !important; }
      [data-testid] { visibility: hidden !important; }`;
    const clean = await newVisitor("203.0.113.40");
    await clean.route(`${target.url}/livechat/web/clean.html`, (r) => r.fulfill({ contentType: "text/html", body: hostPage(target.url) }));
    await clean.goto(`${target.url}/livechat/web/clean.html`);
    const probeBefore = await clean.evaluate(() => {
      const cs = getComputedStyle(document.getElementById("probe"));
      return { color: cs.color, fontSize: cs.fontSize, fontFamily: cs.fontFamily, sheets: document.styleSheets.length };
    });
    await w(clean).launcher.click();
    await w(clean).name.waitFor({ state: "visible" });
    const expected = await widgetStyles(clean);
    const probeAfter = await clean.evaluate(() => {
      const cs = getComputedStyle(document.getElementById("probe"));
      return { color: cs.color, fontSize: cs.fontSize, fontFamily: cs.fontFamily, sheets: document.styleSheets.length };
    });
    assert.deepEqual(probeAfter, probeBefore, "the widget adds no style to the host page");

    const page = await newVisitor("203.0.113.41");
    await page.route(`${target.url}/livechat/web/hostile.html`, (r) =>
      r.fulfill({ contentType: "text/html", body: hostPage(target.url, { css: hostile }) }),
    );
    await page.goto(`${target.url}/livechat/web/hostile.html`);
    await w(page).launcher.click();
    await w(page).name.waitFor({ state: "visible" });
    const got = await widgetStyles(page);
    assert.deepEqual(got, expected);
    assert.equal(got.title.color, "rgb(255, 255, 255)");
    assert.equal(got.name.fontSize, "14px");
    await shot(page, "widget-hostile-css.png");
  });

  it("works on a page with a strict Content-Security-Policy (no inline styles)", async () => {
    const page = await newVisitor("203.0.113.45");
    const violations = [];
    page.on("console", (m) => /Content.Security.Policy/i.test(m.text()) && violations.push(m.text()));
    const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'";
    await page.route(`${target.url}/livechat/web/csp.html`, (r) =>
      r.fulfill({ contentType: "text/html", headers: { "Content-Security-Policy": csp }, body: hostPage(target.url) }),
    );
    await page.goto(`${target.url}/livechat/web/csp.html`);
    await w(page).launcher.waitFor({ state: "visible" });
    const launcher = await page.evaluate(() => {
      const b = document.querySelector("switchboard-chat").shadowRoot.querySelector('[data-testid="sb-launcher"]');
      const cs = getComputedStyle(b);
      return { width: cs.width, background: cs.backgroundColor, position: cs.position };
    });
    assert.deepEqual(launcher, { width: "60px", background: "rgb(31, 78, 137)", position: "fixed" });
    await startChat(page, "Strict Page", "Hello from a strict page");
    await agent.findConversation("Hello from a strict page");
    assert.deepEqual(violations, []);
  });

  it("speaks Brazilian Portuguese, refuses a file it can't send, and sends one it can", async () => {
    const page = await newVisitor("203.0.113.50", { locale: "pt-BR" });
    const x = w(page);
    await page.goto(`${target.url}/livechat/web/demo`);
    assert.equal(await x.launcher.getAttribute("aria-label"), "Abrir chat");
    await x.launcher.click();
    assert.equal(await x.start.innerText(), "Iniciar conversa");
    await x.name.fill("Ana Paula");
    await x.start.click();
    await x.composer.waitFor({ state: "visible" });
    assert.equal(await x.composer.getAttribute("placeholder"), "Digite sua mensagem…");

    // Refused before uploading, saying why.
    await x.file.setInputFiles({ name: "setup.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ fake") });
    const notice = page.locator("switchboard-chat .notice");
    await waitText(notice, "não pode ser enviado");
    assert.match(await notice.innerText(), /PDF, DOC/);

    // A real PNG (a screenshot of this page) goes through.
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 160, height: 100 } });
    await x.file.setInputFiles({ name: "comprovante.png", mimeType: "image/png", buffer: png });
    await page.locator("switchboard-chat .chip").filter({ hasText: "comprovante.png" }).waitFor();
    await waitFor(async () => !(await x.send.isDisabled()), 10_000, "the upload to finish");
    assert.equal(await notice.isVisible(), false);
    await x.composer.fill("Segue o comprovante.");
    await x.send.click();
    await waitText(x.visitorMsgs, "Segue o comprovante.");
    const img = page.locator('switchboard-chat [data-testid="sb-message"] img[alt="comprovante.png"]');
    await img.waitFor();
    await waitFor(() => img.evaluate((e) => e.complete && e.naturalWidth > 0), 10_000, "the image to load from the server");
    const conv = await agent.findConversation("Segue o comprovante.");
    const msgs = await agent.messages(conv.id);
    const withFile = msgs.find((m) => m.body === "Segue o comprovante.");
    assert.equal(withFile.attachments.length, 1);
    assert.equal(withFile.attachments[0].filename, "comprovante.png");
    await shot(page, "widget-pt-br-attachment.png");
  });

  it("reconnects by itself after the server went away, and catches up without gaps or duplicates", async () => {
    const page = await newVisitor("203.0.113.70");
    const x = w(page);
    await page.goto(`${target.url}/livechat/web/demo`);
    await startChat(page, "Rita Lopes", "Is the store open on Sunday?");
    const conv = await agent.findConversation("Is the store open on Sunday?");
    await agent.reply(conv.id, "Yes, from 10 to 16.");
    await waitText(x.agentMsgs, "from 10 to 16");

    await target.pause();
    // Written while the server is away: shown at once, delivered when it is back.
    await x.composer.fill("And on holidays?");
    await x.composer.press("Enter");
    const pending = page.locator('[data-testid="sb-message"][data-author="visitor"]').filter({ hasText: "And on holidays?" });
    await pending.waitFor();
    assert.notEqual(await pending.getAttribute("data-status"), "sent");
    await page.waitForTimeout(2500);
    await target.resume();
    await agent.login();

    await page.locator('[data-testid="sb-message"][data-status="sent"]').filter({ hasText: "And on holidays?" }).waitFor({ timeout: 40_000 });
    const stored = await agent.messages(conv.id);
    assert.equal(stored.filter((m) => m.body === "And on holidays?").length, 1, "delivered once");
    await agent.reply(conv.id, "Closed on holidays.");
    await agent.reply(conv.id, "Anything else?");
    await waitText(x.agentMsgs, "Anything else?", 40_000);
    await page.waitForTimeout(1500);
    const texts = await x.messages.allInnerTexts();
    const count = (t) => texts.filter((m) => m.includes(t)).length;
    for (const t of ["Is the store open on Sunday?", "from 10 to 16", "And on holidays?", "Closed on holidays.", "Anything else?"]) {
      assert.equal(count(t), 1, `"${t}" shown once`);
    }
    assert.equal(await x.messages.count(), 5);
    assert.equal(await page.locator("switchboard-chat .net").isVisible(), false, "no reconnecting banner once back");
  });

  it("works from the keyboard: Enter sends, Shift+Enter breaks the line, Escape closes", async () => {
    const page = await newVisitor("203.0.113.60", { colorScheme: "dark" });
    const x = w(page);
    await page.goto(`${target.url}/livechat/web/demo`);
    await x.launcher.focus();
    await page.keyboard.press("Enter");
    await x.panel.waitFor({ state: "visible" });
    const focused = () => page.evaluate(() => document.querySelector("switchboard-chat").shadowRoot.activeElement?.getAttribute("data-testid"));
    assert.equal(await focused(), "sb-name", "focus moves into the dialog");
    await page.keyboard.type("Keyboard User");
    await page.keyboard.press("Enter");
    await x.composer.waitFor({ state: "visible" });
    await waitFor(async () => (await focused()) === "sb-composer", 5000, "focus on the composer");
    await page.keyboard.type("line one");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("line two");
    await page.keyboard.press("Enter");
    await waitText(x.visitorMsgs, "line two");
    assert.match(await x.visitorMsgs.last().innerText(), /line one\nline two/);
    assert.equal(await x.composer.inputValue(), "");
    const conv = await agent.findConversation("line two");
    // The agent types: the visitor sees who, until the reply comes.
    await agent.call("POST", `/conversations/${conv.id}/typing`, {});
    const typing = page.locator("switchboard-chat .typing");
    await waitText(typing, `${AGENT.name} is typing`);
    await shot(page, "widget-dark.png");
    await agent.reply(conv.id, "Dark mode looks fine from here.");
    await waitText(x.agentMsgs, "Dark mode");
    assert.equal((await typing.innerText()).trim(), "");
    await page.keyboard.press("Escape");
    await x.panel.waitFor({ state: "hidden" });
    assert.equal(await focused(), "sb-launcher", "focus returns to the launcher");
  });
});
