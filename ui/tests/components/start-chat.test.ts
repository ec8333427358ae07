import { describe, expect, it } from "vitest";
import type { Conversation } from "../../src/api";
import { BackendError } from "../../src/backend";
import { openChatWith, recipient, startChat, type StartTarget } from "../../src/components/start-chat";
import { conversation, FakeBackend } from "../fake-backend";
import { all, one } from "../query";
import { harness, t } from "./harness";

const SMS = "00000000-0000-7000-8000-00000000000c";

const RITA: StartTarget = {
  kind: "sms",
  phone: "+5511977776666",
  name: "Rita Ramos",
  contactId: "c-rita",
  identities: [{ kind: "sms", value: "+5511977776666" }],
};

function ritasSms(extra: Partial<Conversation> = {}): Conversation {
  return conversation(SMS, "sms", "Rita Ramos", {
    contact: { id: "c-rita", display_name: "Rita Ramos", known: true, identity: { kind: "sms", value: "+5511977776666" } },
    ...extra,
  });
}

async function start(target: StartTarget, backend = new FakeBackend([])) {
  const h = harness(backend);
  const opened: string[] = [];
  await startChat(h.context, target, async (id) => void opened.push(id));
  await h.settled();
  return { h, opened };
}

describe("starting a chat from a contact", () => {
  it("finds the customer's chat of that kind that is still going on", () => {
    const open = ritasSms();
    expect(openChatWith([open], RITA)?.id).toBe(SMS);
    // By number too, when the chat's sender is not linked to the contact.
    const byNumber = ritasSms({ contact: { display_name: "+55 11 97777-6666", known: false, identity: { kind: "sms", value: "+55 11 97777-6666" } } });
    expect(openChatWith([byNumber], RITA)?.id).toBe(SMS);
    expect(openChatWith([ritasSms({ archived: true })], RITA)).toBeNull();
    expect(openChatWith([ritasSms({ status: "resolved" })], RITA)).toBeNull();
    expect(openChatWith([open], { ...RITA, kind: "whatsapp" })).toBeNull();
  });

  it("addresses the directory's contact when there is one, else the number", () => {
    expect(recipient(RITA)).toEqual({ contact_id: "c-rita" });
    expect(recipient({ ...RITA, kind: "whatsapp", identities: [] })).toEqual({ contact_id: "c-rita" });
    expect(recipient({ ...RITA, contactId: null })).toEqual({ address: "+5511977776666" });
  });

  it("opens the customer's open chat instead of starting a duplicate", async () => {
    const { h, opened } = await start(RITA, new FakeBackend([ritasSms()]));
    expect(opened).toEqual([SMS]);
    expect(h.context.dialogs.open).toBe(false);
    expect(h.backend.started).toEqual([]);
  });

  it("says so when no channel of that kind can start a chat", async () => {
    const backend = new FakeBackend([]);
    backend.channelList = [{ id: "sms-main", kind: "sms" }];
    const { h, opened } = await start({ ...RITA, kind: "whatsapp" }, backend);
    expect(opened).toEqual([]);
    expect(h.context.dialogs.open).toBe(false);
    expect(one(h.root, "toast").textContent).toBe(t("start.noChannel.whatsapp"));
  });

  it("starts an SMS chat with the text written, then opens it", async () => {
    const { h, opened } = await start(RITA);
    const dialog = one(h.root, "start-dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(dialog.getAttribute("aria-labelledby")!)?.textContent).toBe(t("start.smsTitle", { name: "Rita Ramos" }));
    // One SMS channel: nothing to choose.
    expect(h.root.querySelector('[data-testid="start-channel"]')).toBeNull();
    const text = one<HTMLTextAreaElement>(h.root, "start-message");
    expect(document.activeElement).toBe(text);
    expect(h.root.querySelector(`label[for="${text.id}"]`)?.textContent).toBe(t("start.message"));
    one(h.root, "start-send").click();
    await h.settled();
    expect(one(h.root, "start-error").textContent).toBe(t("start.empty"));
    expect(h.backend.started).toEqual([]);
    text.value = "Olá Rita, seu pedido chegou.";
    text.dispatchEvent(new Event("input"));
    expect(one(h.root, "start-segments").textContent).toBe("1 SMS");
    one(h.root, "start-send").click();
    await h.settled();
    expect(h.backend.started).toEqual([
      {
        client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        channel_id: "sms-main",
        contact_id: "c-rita",
        body: "Olá Rita, seu pedido chegou.",
      },
    ]);
    expect(h.context.dialogs.open).toBe(false);
    expect(opened).toHaveLength(1);
    expect(h.backend.conversationsById.get(opened[0]!)?.channel).toBe("sms");
  });

  it("shows an opted-out number's refusal in the dialog and retries under the same client id", async () => {
    const backend = new FakeBackend([]);
    backend.channelList = [
      { id: "sms-main", kind: "sms" },
      { id: "sms-sales", kind: "sms" },
    ];
    const h = harness(backend);
    const opened: string[] = [];
    await startChat(h.context, { ...RITA, contactId: null, identities: [] }, async (id) => void opened.push(id));
    const channel = one<HTMLSelectElement>(h.root, "start-channel");
    expect(h.root.querySelector(`label[for="${channel.id}"]`)?.textContent).toBe(t("start.channel"));
    channel.value = "sms-sales";
    channel.dispatchEvent(new Event("change"));
    const text = one<HTMLTextAreaElement>(h.root, "start-message");
    text.value = "Oi";
    backend.refusal = new BackendError("opted_out", "+5511977776666 texted STOP: nothing can be sent to it until it texts START.");
    one(h.root, "start-send").click();
    await h.settled();
    expect(one(h.root, "start-error").textContent).toBe("+5511977776666 texted STOP: nothing can be sent to it until it texts START.");
    expect(h.context.dialogs.open).toBe(true);
    backend.refusal = null;
    one(h.root, "start-send").click();
    await h.settled();
    const [first, second] = backend.started;
    expect(first).toMatchObject({ channel_id: "sms-sales", address: "+5511977776666", body: "Oi" });
    expect(second?.client_id).toBe(first?.client_id);
    expect(opened).toHaveLength(1);
  });

  it("starts a WhatsApp chat with an approved template in the number's language", async () => {
    const target: StartTarget = { kind: "whatsapp", phone: "+5511977776666", name: "Rita Ramos", contactId: "c-rita", identities: [{ kind: "whatsapp", value: "+5511977776666" }] };
    const { h, opened } = await start(target);
    expect(one(h.root, "start-dialog").textContent).toContain(t("start.whatsappIntro"));
    expect(one<HTMLSelectElement>(h.root, "wa-template-language").value).toBe("pt_BR");
    all(h.root, "wa-template")
      .find((b) => b.dataset.name === "boas_vindas")!
      .click();
    const name = one<HTMLInputElement>(h.root, "wa-template-variable");
    name.value = "Rita";
    name.dispatchEvent(new Event("input"));
    one(h.root, "wa-template-send").click();
    await h.settled();
    expect(h.backend.started).toEqual([
      {
        client_id: expect.any(String),
        channel_id: "wa-main",
        contact_id: "c-rita",
        template: { name: "boas_vindas", language: "pt_BR", parameters: { "body.customer_name": "Rita" } },
      },
    ]);
    expect(opened).toHaveLength(1);
    expect(h.backend.messagesById.get(opened[0]!)?.[0]?.body).toBe("Oi Rita, em que podemos ajudar?");
  });

  it("tells the agent when the message went into the customer's open chat instead", async () => {
    const backend = new FakeBackend([]);
    const started = backend.startConversation;
    backend.startConversation = (request) => started(request).then((s) => ({ ...s, created: false }));
    const { h, opened } = await start(RITA, backend);
    const text = one<HTMLTextAreaElement>(h.root, "start-message");
    text.value = "Oi";
    one(h.root, "start-send").click();
    await h.settled();
    expect(opened).toHaveLength(1);
    expect(one(h.root, "toast").textContent).toBe(t("start.existing", { name: "Rita Ramos" }));
  });
});
