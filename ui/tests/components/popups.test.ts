import { describe, expect, it } from "vitest";
import type { Conversation } from "../../src/api";
import { UnknownContactPopups } from "../../src/components/popups";
import { conversation } from "../fake-backend";
import { all, one } from "../query";
import { harness } from "./harness";

const later = () => new Date(Date.now() + 1000).toISOString();
const unknown = (id: string, extra: Partial<Conversation> = {}) =>
  conversation(id, "whatsapp", "+55 11 95555-4444", {
    contact: { display_name: "+55 11 95555-4444", known: false, identity: { kind: "whatsapp", value: "+5511955554444" } },
    created_at: later(),
    ...extra,
  });
const A = "00000000-0000-7000-8000-000000000077";
const B = "00000000-0000-7000-8000-000000000078";

describe("unknown-contact pop-ups", () => {
  function setup() {
    const h = harness();
    const told: string[] = [];
    const popups = new UnknownContactPopups(h.context, {
      reply: (c) => told.push(`reply ${c.id}`),
      addContact: (c, done) => {
        told.push(`add ${c.id}`);
        done();
      },
    });
    h.mount(popups.element);
    return { h, popups, told };
  }

  it("says nothing of the chats in the first list, then pops up a new unknown one once", () => {
    const { h, popups } = setup();
    popups.offer([unknown(A)]);
    expect(all(h.root, "unknown-contact-popup")).toHaveLength(0);
    popups.offer([unknown(A), unknown(B)]);
    popups.offer([unknown(B)]);
    expect(all(h.root, "unknown-contact-popup").map((p) => p.dataset.conversationId)).toEqual([B]);
  });

  it("skips known contacts, internal chats and chats older than the screen", () => {
    const { h, popups } = setup();
    popups.offer([]);
    popups.offer([
      conversation(A, "whatsapp", "Maria", { created_at: later() }),
      unknown(B, { channel: "internal" }),
      unknown("00000000-0000-7000-8000-000000000079", { created_at: new Date(0).toISOString() }),
    ]);
    expect(all(h.root, "unknown-contact-popup")).toHaveLength(0);
  });

  it("ignores, replies or adds the contact, and is dismissed when its chat opens", () => {
    const { h, popups, told } = setup();
    popups.offer([]);
    popups.offer([unknown(A)]);
    one(h.root, "popup-ignore").click();
    expect(all(h.root, "unknown-contact-popup")).toHaveLength(0);

    popups.offer([unknown(B), unknown("00000000-0000-7000-8000-000000000079"), unknown("00000000-0000-7000-8000-000000000080")]);
    one(h.root, "popup-reply").click();
    one(h.root, "popup-add-contact").click();
    expect(told).toEqual([`reply ${B}`, "add 00000000-0000-7000-8000-000000000079"]);
    popups.dismiss("00000000-0000-7000-8000-000000000080");
    expect(all(h.root, "unknown-contact-popup")).toHaveLength(0);
  });
});
