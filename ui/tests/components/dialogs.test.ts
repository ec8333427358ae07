import { describe, expect, it } from "vitest";
import {
  addContactDialog,
  blockDialog,
  confirmDelete,
  internalChatDialog,
  transferDialog,
} from "../../src/components/dialogs";
import { conversation, FakeBackend, ME } from "../fake-backend";
import { all, one } from "../query";
import { harness, t } from "./harness";

const FB = "00000000-0000-7000-8000-00000000000b";

describe("dialogs", () => {
  it("confirms a delete, or cancels it", () => {
    const h = harness();
    const done: string[] = [];
    confirmDelete(h.context, () => done.push("deleted"));
    one(h.root, "cancel-delete").click();
    expect(h.context.dialogs.open).toBe(false);
    confirmDelete(h.context, () => done.push("deleted"));
    one(h.root, "confirm-delete").click();
    expect(done).toEqual(["deleted"]);
    expect(h.context.dialogs.open).toBe(false);
  });

  it("transfers to a colleague found by extension, never to me", async () => {
    const h = harness();
    const chosen: string[] = [];
    transferDialog(h.context, ME, (extension) => chosen.push(extension));
    await h.settled();
    expect(document.activeElement).toBe(one(h.root, "transfer-search"));
    expect(all(h.root, "transfer-target").map((e) => e.dataset.extension)).toEqual(["102"]);
    const search = one<HTMLInputElement>(h.root, "transfer-search");
    search.value = "nobody";
    search.dispatchEvent(new Event("input"));
    await h.settled();
    expect(one(h.root, "transfer-dialog").textContent).toContain(t("transfer.none"));
    search.value = "102";
    search.dispatchEvent(new Event("input"));
    await h.settled();
    all(h.root, "transfer-target")[0]!.click();
    expect(chosen).toEqual(["102"]);
    expect(h.context.dialogs.open).toBe(false);
  });

  it("blocks for a day by default, or for ever", () => {
    const h = harness();
    const blocked: [number | null, string][] = [];
    blockDialog(h.context, (seconds, reason) => blocked.push([seconds, reason]));
    one<HTMLInputElement>(h.root, "block-reason").value = "spam";
    one(h.root, "block-confirm").click();
    blockDialog(h.context, (seconds, reason) => blocked.push([seconds, reason]));
    one<HTMLSelectElement>(h.root, "block-duration").value = "";
    one(h.root, "block-confirm").click();
    expect(blocked).toEqual([
      [86400, "spam"],
      [null, ""],
    ]);
  });

  it("adds a contact with the chat's name filled in and an e-mail", async () => {
    const h = harness(new FakeBackend([conversation(FB, "whatsapp", "+55 11 95555-4444")]));
    let added = 0;
    addContactDialog(h.context, h.backend.conversationsById.get(FB)!, () => (added += 1));
    const name = one<HTMLInputElement>(h.root, "contact-name");
    expect(name.value).toBe("+55 11 95555-4444");
    expect(document.activeElement).toBe(name);
    name.value = "Paula Nunes";
    one<HTMLInputElement>(h.root, "contact-email").value = " paula@example.com ";
    one(h.root, "contact-save").click();
    await h.settled();
    expect(h.backend.calls).toContain(`add-contact ${FB} Paula Nunes paula@example.com`);
    expect(added).toBe(1);
    expect(one(h.root, "toast").textContent).toContain("Paula Nunes");
    expect(h.context.dialogs.open).toBe(false);
  });

  it("starts an internal chat only with someone picked", async () => {
    const h = harness();
    const started: string[] = [];
    internalChatDialog(h.context, ME, async (c) => void started.push(c.title ?? ""));
    await h.settled();
    one(h.root, "internal-start").click();
    expect(one(h.root, "toast").textContent).toBe(t("internal.nobody"));
    const target = all(h.root, "internal-target").find((e) => e.dataset.extension === "102")!;
    target.querySelector("input")!.click();
    one<HTMLInputElement>(h.root, "internal-title").value = "Escala";
    one(h.root, "internal-start").click();
    await h.settled();
    expect(h.backend.calls).toContain("internal 102 Escala");
    expect(started).toEqual(["Escala"]);
  });
});
