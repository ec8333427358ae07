import { describe, expect, it } from "vitest";
import type { Conversation } from "../../src/api";
import { InfoPanel } from "../../src/components/info-panel";
import type { StartTarget } from "../../src/components/start-chat";
import { BackendError } from "../../src/backend";
import { conversation, FakeBackend } from "../fake-backend";
import { all, one } from "../query";
import { harness, t } from "./harness";

const FB = "00000000-0000-7000-8000-00000000000b";
const SMS = "00000000-0000-7000-8000-00000000000c";
const WEB = "00000000-0000-7000-8000-00000000000d";

function setup(c: Conversation) {
  const h = harness(new FakeBackend([c]));
  h.state.activeId = c.id;
  h.state.active = c;
  const added: string[] = [];
  const starts: StartTarget[] = [];
  const panel = new InfoPanel(h.context, h.state, {
    addContact: (x) => added.push(x.id),
    startChat: (target) => starts.push(target),
  });
  h.mount(panel.element);
  return { h, panel, added, starts };
}

describe("info panel", () => {
  it("shows the contact, a call button for WhatsApp and the history across agents", async () => {
    const { h, panel } = setup(
      conversation(FB, "whatsapp", "João Pereira", {
        contact: { id: "c9", display_name: "João Pereira", known: true, identity: { kind: "whatsapp", value: "+5511987654321" } },
      }),
    );
    expect(panel.hidden).toBe(true);
    await panel.show(h.state.active!);
    expect(panel.hidden).toBe(false);
    expect(one(h.root, "info-name").textContent).toBe("João Pereira");
    expect(all(h.root, "history-item")[0]?.textContent).toContain("by Bruno Lima");
    one(h.root, "info-call").click();
    await h.settled();
    expect(h.backend.links).toEqual(["tel:+5511987654321"]);
    one(h.root, "info-close").click();
    expect(panel.hidden).toBe(true);
  });

  it("offers a Switchboard SMS or WhatsApp chat on the number first, then the call, and e-mail for a live chat", async () => {
    const sms = setup(conversation(SMS, "sms", "+14155550100", { contact: { id: "c1", display_name: "+14155550100", known: true, identity: { kind: "sms", value: "+14155550100" } } }));
    await sms.panel.show(sms.h.state.active!);
    const buttons = [...one(sms.h.root, "info-panel").querySelectorAll<HTMLButtonElement>(".info-actions button")];
    expect(buttons.map((b) => b.dataset.testid)).toEqual(["info-start-sms", "info-start-whatsapp", "info-call"]);
    one(sms.h.root, "info-start-sms").click();
    one(sms.h.root, "info-start-whatsapp").click();
    // The directory's contact (João, from the history) with his number, not the OS's sms: link.
    expect(sms.starts).toEqual([
      { kind: "sms", phone: "+5511987654321", name: "João Pereira", contactId: "c1", identities: [] },
      { kind: "whatsapp", phone: "+5511987654321", name: "João Pereira", contactId: "c1", identities: [] },
    ]);
    expect(sms.h.backend.links).toEqual([]);

    const web = setup(conversation(WEB, "livechat", "Visitor 7", { contact: { id: "c2", display_name: "Visitor 7", known: true } }));
    await web.panel.show(web.h.state.active!);
    one(web.h.root, "info-email").click();
    await web.h.settled();
    expect(web.h.backend.links).toEqual(["mailto:joao@example.com"]);
  });

  it("offers only the kinds of channel a chat can be started on, and both when offline", async () => {
    const c = conversation(FB, "whatsapp", "+55 11 95555-4444", {
      contact: { display_name: "+55 11 95555-4444", known: false, identity: { kind: "whatsapp", value: "+5511955554444" } },
    });
    const smsOnly = setup(c);
    smsOnly.h.backend.channelList = [{ id: "sms-main", kind: "sms" }];
    await smsOnly.panel.show(c);
    expect(smsOnly.h.root.querySelector('[data-testid="info-start-whatsapp"]')).toBeNull();
    one(smsOnly.h.root, "info-start-sms").click();
    expect(smsOnly.starts).toEqual([
      { kind: "sms", phone: "+5511955554444", name: "+55 11 95555-4444", contactId: null, identities: [{ kind: "whatsapp", value: "+5511955554444" }] },
    ]);

    const offline = setup(c);
    offline.h.backend.channelList = new BackendError("unreachable", "offline");
    await offline.panel.show(c);
    expect(all(offline.h.root, "info-start-sms")).toHaveLength(1);
    expect(all(offline.h.root, "info-start-whatsapp")).toHaveLength(1);
  });

  it("percent-encodes the e-mail it hands to the OS", async () => {
    const backend = new FakeBackend([
      conversation(WEB, "livechat", "Visitor 8", { contact: { id: "c3", display_name: "Visitor 8", known: true } }),
    ]);
    const history = await backend.contactHistory("c3");
    backend.contactHistory = () =>
      Promise.resolve({ ...history, contact: { ...history.contact, emails: ["a@b.c?cc=x@evil.com&body=hi"] } });
    const h = harness(backend);
    h.state.activeId = WEB;
    h.state.active = (await backend.conversation(WEB)) as Conversation;
    const panel = new InfoPanel(h.context, h.state, { addContact: () => {}, startChat: () => {} });
    h.mount(panel.element);
    await panel.show(h.state.active);
    one(h.root, "info-email").click();
    await h.settled();
    expect(h.backend.links).toEqual(["mailto:a%40b.c%3Fcc%3Dx@evil.com%26body%3Dhi"]);
  });

  it("says a contact is unknown, offers to add them, and has no history without a contact", async () => {
    const { h, panel, added } = setup(
      conversation(FB, "whatsapp", "+55 11 95555-4444", {
        contact: { display_name: "+55 11 95555-4444", known: false, identity: { kind: "whatsapp", value: "+5511955554444" } },
      }),
    );
    await panel.show(h.state.active!);
    expect(one(h.root, "info-panel").textContent).toContain(t("info.unknown"));
    expect(one(h.root, "info-panel").textContent).toContain(t("info.noHistory"));
    one(h.root, "info-add-contact").click();
    expect(added).toEqual([FB]);
  });

  it("draws nothing when another chat opened while the history loaded", async () => {
    const { h, panel } = setup(conversation(FB, "whatsapp", "João", { contact: { id: "c9", display_name: "João", known: true } }));
    const shown = panel.show(h.state.active!);
    h.state.activeId = SMS;
    await shown;
    expect(h.root.querySelector('[data-testid="info-name"]')).toBeNull();
  });
});
