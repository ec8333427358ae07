import { describe, expect, it } from "vitest";
import type { Conversation } from "../../src/api";
import { Composer, fillVariables } from "../../src/components/composer";
import { BackendError } from "../../src/backend";
import { conversation, FakeBackend, ME } from "../fake-backend";
import { all, one } from "../query";
import { harness } from "./harness";

const WA = "00000000-0000-7000-8000-00000000000a";
const SMS = "00000000-0000-7000-8000-00000000000c";

function setup(c: Conversation) {
  const h = harness(new FakeBackend([c]));
  h.state.activeId = c.id;
  h.state.active = c;
  const told: string[] = [];
  const composer = new Composer(h.context, h.state, {
    toggleTemplates: () => told.push("templates"),
    sent: async () => void told.push("sent"),
    templateLanguage: () => "pt-BR",
  });
  h.mount(composer.element);
  const reply = one<HTMLTextAreaElement>(h.root, "reply-box");
  const type = async (text: string) => {
    reply.value = text;
    reply.dispatchEvent(new Event("input"));
    await h.settled();
  };
  const press = (key: string, init: KeyboardEventInit = {}) =>
    reply.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  return { h, composer, told, reply, type, press };
}

describe("composer", () => {
  it("sends with Enter, keeps a newline with Shift+Enter, and ignores an empty reply", async () => {
    const { h, told, reply, type, press } = setup(conversation(WA, "whatsapp", "Maria Oliveira"));
    await type("first line");
    press("Enter", { shiftKey: true });
    await type("   ");
    press("Enter");
    await h.settled();
    expect(h.backend.sent).toEqual([]);
    await type("Olá! Já vou verificar.");
    press("Enter");
    await h.settled();
    expect(h.backend.sent).toEqual([{ conversationId: WA, body: "Olá! Já vou verificar.", files: [] }]);
    expect(reply.value).toBe("");
    expect(told).toEqual(["sent"]);
  });

  it("sends staged files with the Send button, without text", async () => {
    const { h, composer } = setup(conversation(WA, "whatsapp", "Maria Oliveira"));
    h.backend.picked = ["/tmp/a.pdf"];
    one(h.root, "attach-button").click();
    await h.settled();
    expect(composer.staged.count).toBe(1);
    one(h.root, "send-button").click();
    await h.settled();
    expect(h.backend.sent).toEqual([{ conversationId: WA, body: "", files: ["/tmp/a.pdf"] }]);
    expect(all(h.root, "staged-file")).toHaveLength(0);
  });

  it("puts a reply that could not be queued back, with its files", async () => {
    const { h, composer, reply, type, press } = setup(conversation(WA, "whatsapp", "Maria Oliveira"));
    h.backend.send = () => Promise.reject(new BackendError("offline", "no connection"));
    await composer.staged.add(["/tmp/a.pdf"]);
    await type("Segue");
    press("Enter");
    await h.settled();
    expect(reply.value).toBe("Segue");
    expect(composer.staged.count).toBe(1);
    expect(one(h.root, "toast").hidden).toBe(false);
  });

  it("inserts a template from the / picker with its variables filled", async () => {
    const { h, reply, type, press } = setup(conversation(WA, "whatsapp", "Maria Oliveira"));
    await type("/");
    expect(one(h.root, "template-picker").hidden).toBe(false);
    press("Enter");
    expect(reply.value).toBe("Olá Maria, sou Ana Souza!");
    expect(one(h.root, "template-picker").hidden).toBe(true);
    expect(document.activeElement).toBe(reply);
    expect(h.backend.sent).toEqual([]);
  });

  it("counts SMS segments, and says how long the reply window stays open", async () => {
    const sms = setup(conversation(SMS, "sms", "John Smith"));
    sms.composer.show(sms.h.state.active!);
    expect(one(sms.h.root, "reply-window").hidden).toBe(true);
    await sms.type("a".repeat(161));
    expect(one(sms.h.root, "sms-segments").textContent).toContain("2");

    const wa = setup(conversation(WA, "whatsapp", "Maria", { reply_window_ends_at: null }));
    wa.composer.show(wa.h.state.active!);
    const note = one(wa.h.root, "reply-window");
    expect(note.hidden).toBe(false);
    expect(note.classList.contains("closed")).toBe(true);
    wa.composer.show({ ...wa.h.state.active!, reply_window_ends_at: new Date(Date.now() + 3 * 3600_000).toISOString() });
    expect(note.classList.contains("closed")).toBe(false);
    expect(one(wa.h.root, "sms-segments").textContent).toBe("");
  });

  it("reports the Templates button, and reset empties the box", async () => {
    const { h, composer, told, reply, type } = setup(conversation(WA, "whatsapp", "Maria Oliveira"));
    one(h.root, "templates-toggle").click();
    expect(told).toEqual(["templates"]);
    await type("/");
    await composer.staged.add(["/tmp/a.pdf"]);
    composer.reset();
    expect(reply.value).toBe("");
    expect(composer.staged.count).toBe(0);
    expect(one(h.root, "template-picker").hidden).toBe(true);
  });
});

describe("template variables", () => {
  it("fills the contact's and the agent's, and leaves the others for the agent", () => {
    const c = conversation(WA, "whatsapp", "Maria Oliveira");
    expect(fillVariables("{{contact.name}}/{{ contact.first_name }}/{{agent.name}}/{{agent.extension}}/{{order.id}}", c, ME)).toBe(
      "Maria Oliveira/Maria/Ana Souza/101/{{order.id}}",
    );
    expect(fillVariables("Oi {{contact.first_name}}", null, ME)).toBe("Oi {{contact.first_name}}");
  });
});
