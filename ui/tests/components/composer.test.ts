import { describe, expect, it } from "vitest";
import type { Conversation } from "../../src/api";
import { Composer, fillVariables, writing } from "../../src/components/composer";
import { windowLeft } from "../../src/format";
import { BackendError } from "../../src/backend";
import { conversation, FakeBackend, ME } from "../fake-backend";
import { all, one } from "../query";
import { harness, t } from "./harness";

const WA = "00000000-0000-7000-8000-00000000000a";
const SMS = "00000000-0000-7000-8000-00000000000c";
const FB = "00000000-0000-7000-8000-00000000000b";
const HOUR = 3600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

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

describe("the provider's rule in the composer", () => {
  it("replaces the box with a note and Choose a template once WhatsApp's window has closed", async () => {
    const closedAt = at(-2 * HOUR);
    // (Meta delivered her message late: the chat began after its window had closed.)
    const { h, composer, told } = setup(
      conversation(WA, "whatsapp", "Maria Oliveira", { channel_id: "wa-main", created_at: at(-HOUR), reply_window_ends_at: closedAt }),
    );
    composer.show(h.state.active!);
    const note = one(h.root, "reply-window");
    expect(note.textContent).toBe(t("chat.waClosedAt", { time: new Date(closedAt).toLocaleString("en", { dateStyle: "medium", timeStyle: "short" }) }));
    expect(note.classList.contains("closed")).toBe(true);
    expect(one(h.root, "reply-box").closest("[hidden]")).not.toBeNull();
    expect(one(h.root, "send-button").closest("[hidden]")).not.toBeNull();
    one(h.root, "wa-template-choose").click();
    await h.settled();
    expect(one(h.root, "wa-template-dialog")).toBeTruthy();
    // No number to tell the customer's language by: the agent's, English.
    expect(one<HTMLSelectElement>(h.root, "wa-template-language").value).toBe("en_US");
    all(h.root, "wa-template")
      .find((b) => b.dataset.name === "hello_world")!
      .click();
    one(h.root, "wa-template-send").click();
    await h.settled();
    expect(h.backend.templatesSent.map((s) => [s.conversationId, s.template.name])).toEqual([[WA, "hello_world"]]);
    expect(told).toEqual(["sent"]);
    expect(h.backend.sent).toEqual([]);
  });

  it("says the customer has not written when a WhatsApp chat never had a window", () => {
    const { h, composer } = setup(conversation(WA, "whatsapp", "Maria", { reply_window_ends_at: null }));
    composer.show(h.state.active!);
    expect(one(h.root, "reply-window").textContent).toBe(t("chat.waClosed"));
    expect(one(h.root, "wa-template-choose").closest("[hidden]")).toBeNull();
    // A chat the agent started: closed since it began, the customer has not answered yet.
    const started = new Date(Date.now() - 60_000).toISOString();
    composer.show({ ...h.state.active!, created_at: started, reply_window_ends_at: started });
    expect(one(h.root, "reply-window").textContent).toBe(t("chat.waClosed"));
  });

  it("offers WhatsApp templates beside the quick replies while the window is open", () => {
    const { h, composer } = setup(conversation(WA, "whatsapp", "Maria", { reply_window_ends_at: at(5 * HOUR) }));
    composer.show(h.state.active!);
    const open = one(h.root, "wa-templates-open");
    expect(open.hidden).toBe(false);
    expect(open.previousElementSibling).toBe(one(h.root, "templates-toggle"));
    expect(one(h.root, "wa-template-choose").closest("[hidden]")).not.toBeNull();
    expect(one<HTMLTextAreaElement>(h.root, "reply-box").disabled).toBe(false);
    open.click();
    expect(one(h.root, "wa-template-dialog")).toBeTruthy();
  });

  it("closes the box of a Messenger chat after its window, with no templates offered", async () => {
    const { h, composer, type, press } = setup(conversation(FB, "facebook", "João", { reply_window_ends_at: at(-HOUR) }));
    composer.show(h.state.active!);
    expect(one(h.root, "reply-window").textContent).toBe(t("chat.messengerClosed"));
    expect(one<HTMLTextAreaElement>(h.root, "reply-box").disabled).toBe(true);
    expect(one<HTMLButtonElement>(h.root, "send-button").disabled).toBe(true);
    expect(one(h.root, "wa-templates-open").hidden).toBe(true);
    expect(one(h.root, "wa-template-choose").closest("[hidden]")).not.toBeNull();
    await type("still typed?");
    press("Enter");
    await h.settled();
    expect(h.backend.sent).toEqual([]);
  });

  it("counts Messenger's 7 days for human agents in days", () => {
    const { h, composer } = setup(conversation(FB, "facebook", "João", { reply_window_ends_at: at(7 * 24 * HOUR - 30 * 60_000) }));
    composer.show(h.state.active!);
    expect(one(h.root, "reply-window").textContent).toBe(t("chat.windowLeft", { time: "6 d 23 h" }));
    expect(windowLeft(at(25 * HOUR + 60_000))).toBe("1 d 1 h");
    expect(windowLeft(at(5 * HOUR + 12 * 60_000 + 30_000))).toBe("5 h 12 min");
  });

  it("disables the box of an SMS customer who opted out, saying since when", () => {
    const since = at(-26 * HOUR);
    const { h, composer } = setup(conversation(SMS, "sms", "John", { opted_out_at: since }));
    composer.show(h.state.active!);
    const note = one(h.root, "reply-window");
    expect(note.hidden).toBe(false);
    expect(note.textContent).toBe(t("chat.optedOut", { time: new Date(since).toLocaleString("en", { dateStyle: "medium", timeStyle: "short" }) }));
    expect(one<HTMLTextAreaElement>(h.root, "reply-box").disabled).toBe(true);
    expect(one<HTMLButtonElement>(h.root, "attach-button").disabled).toBe(true);
    composer.show({ ...h.state.active!, opted_out_at: null });
    expect(one<HTMLTextAreaElement>(h.root, "reply-box").disabled).toBe(false);
    expect(note.hidden).toBe(true);
  });

  it("tells what may be written by channel and time", () => {
    const now = new Date();
    const c = (channel: Conversation["channel"], extra: Partial<Conversation>) => conversation(WA, channel, "x", extra);
    expect(writing(c("whatsapp", { reply_window_ends_at: at(HOUR) }), now)).toBe("open");
    expect(writing(c("whatsapp", { reply_window_ends_at: at(-HOUR) }), now)).toBe("templates_only");
    expect(writing(c("whatsapp", { reply_window_ends_at: null }), now)).toBe("templates_only");
    expect(writing(c("facebook", { reply_window_ends_at: at(-HOUR) }), now)).toBe("closed");
    expect(writing(c("sms", { opted_out_at: at(-HOUR) }), now)).toBe("closed");
    expect(writing(c("sms", {}), now)).toBe("open");
    expect(writing(c("livechat", {}), now)).toBe("open");
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
