import { beforeEach, describe, expect, it, vi } from "vitest";
import { catalog } from "../src/i18n";
import { MessageList } from "../src/messages";
import { ChatView, type ViewEvents, linkify } from "../src/ui";

function events(): ViewEvents & { calls: string[] } {
  const calls: string[] = [];
  const rec = (name: string) => (...a: unknown[]) => void calls.push(`${name}:${a.map((x) => (typeof x === "object" ? "obj" : String(x))).join(",")}`);
  return {
    calls,
    toggle: rec("toggle"),
    start: rec("start"),
    send: rec("send"),
    file: rec("file"),
    removeDraft: rec("removeDraft"),
    retry: rec("retry"),
    typing: rec("typing"),
    reload: rec("reload"),
  };
}

function mount(lang: "en" | "pt-BR" = "en") {
  const ev = events();
  const view = new ChatView(catalog(lang), lang, ev, (id) => `https://chat.test/att/${id}`);
  document.body.append(view.host);
  const $ = (id: string) => view.shadow.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  const $$ = (id: string) => Array.from(view.shadow.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
  return { view, ev, $, $$ };
}

beforeEach(() => {
  document.body.innerHTML = "";
});

describe("widget view", () => {
  it("renders inside an open shadow root with its styles there and none on the page", () => {
    const { view } = mount();
    expect(view.host.shadowRoot).toBe(view.shadow);
    const css = [
      ...view.shadow.adoptedStyleSheets.flatMap((sh) => Array.from(sh.cssRules, (r) => r.cssText)),
      view.shadow.querySelector("style")?.textContent ?? "",
    ].join("\n");
    expect(css).toContain(".launcher");
    expect(document.head.querySelector("style")).toBeNull();
  });

  it("carries the contract's test ids", () => {
    const { view, $ } = mount();
    view.setAsk(true, true);
    for (const id of ["sb-launcher", "sb-panel", "sb-name", "sb-email", "sb-start", "sb-composer", "sb-send", "sb-attach", "sb-ended", "sb-blocked"]) {
      expect($(id), id).not.toBeNull();
    }
  });

  it("has an accessible launcher and dialog", () => {
    const { view, $, ev } = mount();
    const launcher = $("sb-launcher")!;
    expect(launcher.tagName).toBe("BUTTON");
    expect(launcher.getAttribute("aria-label")).toBe("Open chat");
    expect(launcher.getAttribute("aria-expanded")).toBe("false");
    const panel = $("sb-panel")!;
    expect(panel.getAttribute("role")).toBe("dialog");
    expect(panel.getAttribute("aria-labelledby")).toBe("sb-title");
    expect(view.shadow.getElementById("sb-title")?.textContent).toBe("Chat with us");
    expect(panel.hidden).toBe(true);
    launcher.click();
    expect(ev.calls).toEqual(["toggle:true"]);
    view.setPhase("chat");
    view.setOpen(true);
    expect(panel.hidden).toBe(false);
    expect(launcher.getAttribute("aria-expanded")).toBe("true");
    expect(launcher.getAttribute("aria-label")).toBe("Close chat");
    expect($("sb-composer")!.getAttribute("aria-label")).toBe("Type your message…");
    expect($("sb-send")!.getAttribute("aria-label")).toBe("Send");
    expect($("sb-attach")!.getAttribute("aria-label")).toBe("Attach a file");
    const name = $("sb-name")!;
    expect(view.shadow.querySelector(`label[for="${name.id}"]`)?.textContent).toBe("Your name");
  });

  it("speaks Portuguese", () => {
    const { $, view } = mount("pt-BR");
    expect($("sb-launcher")!.getAttribute("aria-label")).toBe("Abrir chat");
    expect(view.shadow.getElementById("sb-title")?.textContent).toBe("Fale conosco");
  });

  it("draws messages with their author, the agent's name, and never HTML from the message", () => {
    const { view, $$ } = mount();
    view.setPhase("chat");
    const l = new MessageList();
    l.merge([
      { id: "1", author: "visitor", body: "Hi <b>there</b>", attachments: [], created_at: "2026-01-01T10:00:00Z", cursor: 1 },
      { id: "2", author: "agent", agent_name: "Ana Souza", body: "Hello! See https://example.com/help.", attachments: [], created_at: "2026-01-01T10:01:00Z", cursor: 2 },
      { id: "3", author: "agent", agent_name: "Ana Souza", body: "Anything else?", attachments: [{ id: "a1", filename: "guide.pdf", mime: "application/pdf", size: 2048 }], created_at: "2026-01-01T10:01:10Z", cursor: 3 },
      { id: "4", author: "system", body: "Chat transferred", attachments: [], created_at: "2026-01-01T10:02:00Z", cursor: 4 },
    ]);
    view.renderMessages(l.all());
    const rows = $$("sb-message");
    expect(rows.map((r) => r.dataset.author)).toEqual(["visitor", "agent", "agent"]);
    expect(rows[0]!.querySelector("b")).toBeNull();
    expect(rows[0]!.textContent).toContain("Hi <b>there</b>");
    expect(rows[1]!.querySelector(".who")?.textContent).toBe("Ana Souza");
    expect(rows[1]!.querySelector("a")?.getAttribute("href")).toBe("https://example.com/help");
    // The second agent message in a row keeps the name for screen readers, hidden from sight.
    expect(rows[2]!.textContent).toContain("Ana Souza");
    expect(rows[2]!.querySelector(".who")).toBeNull();
    const file = rows[2]!.querySelector<HTMLAnchorElement>("a.file")!;
    expect(file.getAttribute("href")).toBe("https://chat.test/att/a1");
    expect(file.textContent).toContain("guide.pdf");
    expect($$("sb-system")).toHaveLength(1);
    // Redrawing the same list keeps the same elements.
    const first = rows[0];
    view.renderMessages(l.all());
    expect($$("sb-message")[0]).toBe(first);
  });

  it("shows pending and failed messages with a retry", () => {
    const { view, $$, ev } = mount();
    view.setPhase("chat");
    const l = new MessageList();
    l.addPending("c1", "hello", []);
    view.renderMessages(l.all());
    expect($$("sb-message")[0]!.dataset.status).toBe("sending");
    l.setStatus("c1", "failed", "You are sending too fast.");
    view.renderMessages(l.all());
    const row = $$("sb-message")[0]!;
    expect(row.textContent).toContain("You are sending too fast.");
    row.querySelector("button")!.click();
    expect(ev.calls).toContain("retry:c1");
  });

  it("shows the ended banner at the end of the conversation", () => {
    const { view, $ } = mount();
    view.setPhase("chat");
    view.setOpen(true);
    expect($("sb-ended")!.hidden).toBe(true);
    view.setEnded(true);
    expect($("sb-ended")!.hidden).toBe(false);
    expect($("sb-ended")!.textContent).toContain("This chat has ended");
    view.setEnded(false);
    expect($("sb-ended")!.hidden).toBe(true);
  });

  it("shows the blocked message in the panel, or above the launcher while closed", () => {
    const { view, $ } = mount();
    view.setPhase("chat");
    view.setBlocked("Your address was blocked.");
    const b = $("sb-blocked")!;
    expect(b.hidden).toBe(false);
    expect(b.textContent).toContain("Your address was blocked.");
    expect(b.getAttribute("role")).toBe("alert");
    expect(b.closest(".tip")).not.toBeNull();
    view.setOpen(true);
    expect($("sb-blocked")!.closest("[data-testid=sb-panel]")).not.toBeNull();
    expect($("sb-composer")!.closest("form")!.hidden).toBe(true);
  });

  it("shows an unread badge on the closed launcher", () => {
    const { view, $ } = mount();
    view.setUnread(2);
    expect($("sb-unread")!.hidden).toBe(false);
    expect($("sb-unread")!.textContent).toBe("2");
    expect($("sb-launcher")!.getAttribute("aria-label")).toBe("Open chat (2 unread messages)");
    view.setUnread(0);
    expect($("sb-unread")!.hidden).toBe(true);
  });

  it("sends on Enter and keeps Shift+Enter for a new line", () => {
    const { view, $, ev } = mount();
    view.setPhase("chat");
    view.setOpen(true);
    const box = $("sb-composer") as HTMLTextAreaElement;
    box.value = "hello";
    box.dispatchEvent(new Event("input"));
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", shiftKey: true, bubbles: true }));
    expect(ev.calls.filter((c) => c.startsWith("send"))).toEqual([]);
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    expect(ev.calls).toContain("send:hello");
  });

  it("closes on Escape", () => {
    const { view, $, ev } = mount();
    view.setPhase("chat");
    view.setOpen(true);
    $("sb-composer")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(ev.calls).toContain("toggle:false");
  });

  it("links only web addresses", () => {
    const div = document.createElement("div");
    div.append(linkify("go to http://a.test/x?y=1, or javascript:alert(1)"));
    expect(Array.from(div.querySelectorAll("a")).map((a) => a.getAttribute("href"))).toEqual(["http://a.test/x?y=1"]);
  });
});

vi.stubGlobal("requestAnimationFrame", (f: () => void) => setTimeout(f, 0));
