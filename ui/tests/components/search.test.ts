import { describe, expect, it } from "vitest";
import { Search } from "../../src/components/search";
import type { StartTarget } from "../../src/components/start-chat";
import { conversation, FakeBackend } from "../fake-backend";
import { all, one } from "../query";
import { harness } from "./harness";

const FB = "00000000-0000-7000-8000-00000000000b";

describe("search", () => {
  function setup() {
    const h = harness(new FakeBackend([conversation(FB, "facebook", "João Pereira")]));
    const opened: string[] = [];
    const starts: StartTarget[] = [];
    const search = new Search(h.context, { open: (id) => opened.push(id), startChat: (target) => starts.push(target) });
    h.mount(search.element);
    const box = one<HTMLInputElement>(h.root, "search-box");
    const type = async (text: string) => {
      box.value = text;
      box.dispatchEvent(new Event("input"));
      await h.settled();
    };
    return { h, opened, starts, box, type };
  }

  it("finds messages and opens the chat of a hit, hiding the results", async () => {
    const { h, opened, type } = setup();
    await type("João");
    const hits = all(h.root, "search-hit");
    expect(hits.map((hit) => hit.dataset.conversationId)).toEqual([FB]);
    expect(one(h.root, "search-results").hidden).toBe(false);
    hits[0]!.click();
    expect(opened).toEqual([FB]);
    expect(one(h.root, "search-results").hidden).toBe(true);
  });

  it("says when nothing matches, and Escape clears the box", async () => {
    const { h, box, type } = setup();
    await type("zzz");
    expect(one(h.root, "search-results").textContent).toContain("zzz");
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(box.value).toBe("");
    expect(one(h.root, "search-results").hidden).toBe(true);
  });

  it("hides the results when the box is emptied", async () => {
    const { h, type } = setup();
    await type("João");
    await type("  ");
    expect(one(h.root, "search-results").hidden).toBe(true);
  });

  it("offers Send SMS and Send WhatsApp on a contact's number, named for the contact", async () => {
    const { h, starts, type } = setup();
    const now = new Date().toISOString();
    h.backend.contactList = [
      {
        id: "c7",
        name: "Rita Ramos",
        emails: ["rita@example.com"],
        phones: ["+5511977776666"],
        identities: [{ kind: "sms", value: "+5511977776666" }],
        created_at: now,
        updated_at: now,
      },
      { id: "c8", name: "Rita Sem Telefone", emails: ["semfone@example.com"], phones: [], identities: [], created_at: now, updated_at: now },
    ];
    await type("Rita");
    const [withPhone, without] = all(h.root, "search-contact");
    expect(without?.querySelector("button")).toBeNull();
    const whatsapp = withPhone?.querySelector<HTMLButtonElement>('[data-testid="search-start-whatsapp"]');
    expect(whatsapp?.getAttribute("aria-label")).toBe("Send WhatsApp to Rita Ramos");
    whatsapp?.click();
    expect(starts).toEqual([
      {
        kind: "whatsapp",
        phone: "+5511977776666",
        name: "Rita Ramos",
        contactId: "c7",
        identities: [{ kind: "sms", value: "+5511977776666" }],
      },
    ]);
    expect(one(h.root, "search-results").hidden).toBe(true);
  });
});
