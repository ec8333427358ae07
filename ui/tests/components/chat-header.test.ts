import { describe, expect, it } from "vitest";
import type { Conversation } from "../../src/api";
import { ChatHeader, type ChatHeaderEvents } from "../../src/components/chat-header";
import { BRUNO, conversation } from "../fake-backend";
import { one } from "../query";
import { harness, t } from "./harness";

const ID = "00000000-0000-7000-8000-00000000000a";

function setup() {
  const h = harness();
  const told: string[] = [];
  const names: (keyof ChatHeaderEvents)[] = ["take", "transfer", "resolve", "info", "endSession", "block", "archive", "unarchive", "delete"];
  const events = Object.fromEntries(names.map((n) => [n, () => told.push(n)])) as unknown as ChatHeaderEvents;
  const header = new ChatHeader(h.context, h.state, events);
  h.mount(header.element);
  const hidden = (id: string) => one(h.root, id).hidden;
  return { h, header, told, hidden };
}

describe("chat header", () => {
  it("offers Take on a waiting chat and says which queue it waits in", () => {
    const { h, header, hidden } = setup();
    header.show(conversation(ID, "whatsapp", "Maria Oliveira", { owner: null, status: "queued" }));
    expect(one(h.root, "chat-title").textContent).toBe("Maria Oliveira");
    expect(one(h.root, "chat-sub").textContent).toContain("support");
    expect(hidden("take-button")).toBe(false);
    expect(h.root.querySelector('.chat-icon [data-testid="channel-icon"]')?.getAttribute("data-channel")).toBe("whatsapp");
    // A channel routed to one agent offers its chats in no queue.
    header.show(conversation(ID, "whatsapp", "Paula Prado", { owner: null, status: "queued", queue_id: null }));
    expect(one(h.root, "chat-sub").textContent).toBe(t("chat.queuedForYou"));
  });

  it("shows who owns the chat", () => {
    const { h, header } = setup();
    header.show(conversation(ID, "sms", "Maria"));
    expect(one(h.root, "chat-sub").textContent).toBe(t("chat.ownedByMe"));
    header.show(conversation(ID, "sms", "Maria", { owner: BRUNO }));
    expect(one(h.root, "chat-sub").textContent).toContain("Bruno Lima");
  });

  it("shows only the actions that fit the chat", () => {
    const { header, hidden } = setup();
    const cases: [Conversation, Record<string, boolean>][] = [
      [conversation(ID, "internal", "", { title: "Escala" }), { "resolve-button": true, "transfer-button": true, "menu-info": true, "menu-block": true }],
      [conversation(ID, "livechat", "Visitor"), { "resolve-button": false, "menu-end-session": false, "menu-block": false, "menu-delete": true }],
      [conversation(ID, "whatsapp", "Old", { archived: true, status: "resolved" }), { "take-button": true, "resolve-button": true, "menu-archive": true, "menu-unarchive": false, "menu-delete": false }],
    ];
    for (const [c, expected] of cases) {
      header.show(c);
      for (const [id, isHidden] of Object.entries(expected)) expect(hidden(id), `${c.channel} ${id}`).toBe(isHidden);
    }
  });

  it("opens and closes the menu and reports every action", () => {
    const { h, header, told } = setup();
    header.show(conversation(ID, "livechat", "Visitor"));
    const menu = h.root.querySelector<HTMLElement>(".menu")!;
    expect(menu.hidden).toBe(true);
    one(h.root, "chat-menu").click();
    expect(menu.hidden).toBe(false);
    header.closeMenu();
    expect(menu.hidden).toBe(true);
    for (const id of ["take-button", "transfer-button", "resolve-button", "menu-info", "menu-end-session", "menu-block", "menu-archive", "menu-unarchive", "menu-delete"]) {
      one(h.root, id).click();
    }
    header.pressTake();
    header.pressResolve();
    expect(told).toEqual(["take", "transfer", "resolve", "info", "endSession", "block", "archive", "unarchive", "delete", "take", "resolve"]);
  });

  it("marks an SMS customer who opted out", () => {
    const { header, hidden } = setup();
    header.show(conversation(ID, "sms", "+14155550100"));
    expect(hidden("opted-out")).toBe(true);
    header.show(conversation(ID, "sms", "+14155550100", { opted_out_at: new Date().toISOString() }));
    expect(hidden("opted-out")).toBe(false);
    expect(one(document.body, "opted-out").textContent).toBe(t("chat.optedOutBadge"));
  });
});
