import { describe, expect, it } from "vitest";
import type { Message } from "../../src/api";
import { BackendError } from "../../src/backend";
import { MessageList } from "../../src/components/message-list";
import { conversation, FakeBackend, message } from "../fake-backend";
import { all, one, tick, watchChildren } from "../query";
import { harness, t } from "./harness";

const WA = "00000000-0000-7000-8000-00000000000a";

function setup() {
  const h = harness(new FakeBackend([conversation(WA, "whatsapp", "Maria Oliveira")]));
  h.state.activeId = WA;
  const list = new MessageList(h.context, h.state);
  h.mount(list.older, list.element);
  return { h, list };
}

describe("message list", () => {
  it("draws messages under a day separator, with delivery marks on mine only", () => {
    const { h, list } = setup();
    list.show([message(WA, 1, "Oi"), message(WA, 2, "Olá, Maria", false)], false, true);
    expect(h.root.querySelectorAll('.message-list [role="separator"]')).toHaveLength(1);
    const [inbound, outbound] = all(h.root, "message");
    expect(inbound!.classList.contains("in")).toBe(true);
    expect(inbound!.querySelector('[data-testid="message-status"]')).toBeNull();
    expect(one(outbound!, "message-status").dataset.status).toBe("delivered");
    expect(outbound!.textContent).toContain("Ana Souza");
    expect(list.count).toBe(2);
    expect(list.newest?.body).toBe("Olá, Maria");
    expect(one(h.root, "older-button").hidden).toBe(true);
  });

  it("offers Retry and Discard on a failed reply", async () => {
    const { h, list } = setup();
    // Refused before the server stored it: still this machine's copy, under its client id.
    const failed: Message = { ...message(WA, 3, "Não foi", false), id: "c1", status: "failed", client_id: "c1", error: "offline" };
    let asked = "";
    Object.assign(h.backend, {
      retrySend: (id: string) => {
        asked += `retry ${id};`;
        return Promise.resolve();
      },
      discardSend: (id: string) => {
        asked += `discard ${id};`;
        return Promise.resolve();
      },
    });
    list.show([failed], false, true);
    expect(one(h.root, "message").textContent).toContain("offline");
    one(h.root, "retry-send").click();
    one(h.root, "discard-send").click();
    await h.settled();
    expect(asked).toBe("retry c1;discard c1;");
  });

  it("says why the server could not deliver a reply, and offers Send again instead of Retry", () => {
    const { h, list } = setup();
    const refused: Message = {
      ...message(WA, 4, "Olá Paula", false),
      status: "failed",
      client_id: "c2",
      error: "WhatsApp has no approved template by that name in that language (error 132001).",
    };
    list.show([refused, message(WA, 5, "Obrigada")], false, true);
    expect(one(h.root, "failed-reason").textContent).toBe(
      "Not sent: WhatsApp has no approved template by that name in that language (error 132001).",
    );
    expect(h.root.querySelector('[data-testid="retry-send"]')).toBeNull();
    expect(h.root.querySelector('[data-testid="discard-send"]')).toBeNull();
    // One button, on the reply only; what it does and why it may fail again are told.
    const again = one(h.root, "send-again");
    expect(all(h.root, "send-again")).toHaveLength(1);
    expect(again.textContent).toBe(t("chat.sendAgain"));
    expect(again.title).toBe(t("chat.sendAgainHint"));
    expect(again.getAttribute("aria-describedby")).toBe(one(h.root, "failed-reason").id);
  });

  it("sends a failed reply again: pending at once, then the status the engine reports", async () => {
    const { h, list } = setup();
    const failed: Message = {
      ...message(WA, 6, "Seu pedido saiu hoje", false),
      status: "failed",
      client_id: "c3",
      error: "Twilio could not reach the network (error 30008).",
    };
    h.backend.messagesById.set(WA, [failed]);
    list.show([failed], false, true);
    one(h.root, "send-again").click();
    // Drawn pending before the server answers: no reason, no button to click twice.
    expect(one(h.root, "message-status").dataset.status).toBe("pending");
    expect(h.root.querySelector('[data-testid="failed-reason"]')).toBeNull();
    expect(h.root.querySelector('[data-testid="send-again"]')).toBeNull();
    await h.settled();
    expect(h.backend.calls).toEqual([`resend ${failed.id}`]);
    expect(one(h.root, "toast").hidden, "nothing went wrong").toBe(true);
    // The engine's next load brings the server's word.
    list.show([{ ...failed, status: "sent", error: null }], false, false);
    expect(one(h.root, "message-status").dataset.status).toBe("sent");
    expect(h.root.querySelector('[data-testid="failed-reason"]')).toBeNull();
  });

  it("keeps a refused resend failed with its reason and says the server's sentence", async () => {
    const { h, list } = setup();
    const failed: Message = {
      ...message(WA, 7, "Posso ajudar em algo mais?", false),
      status: "failed",
      client_id: "c4",
      error: "WhatsApp could not deliver it in time (error 131026).",
    };
    h.backend.messagesById.set(WA, [failed]);
    const sentence =
      "The window to reply on whatsapp closed at 2026-01-02T03:04:05+00:00; the customer must write again first (an approved template can still be sent).";
    h.backend.resendRefusal = new BackendError("reply_window_closed", sentence);
    list.show([failed], false, true);
    one(h.root, "send-again").click();
    await h.settled();
    expect(h.backend.calls).toEqual([`resend ${failed.id}`]);
    expect(one(h.root, "message-status").dataset.status).toBe("failed");
    expect(one(h.root, "failed-reason").textContent).toBe("Not sent: WhatsApp could not deliver it in time (error 131026).");
    expect(one(h.root, "toast").hidden).toBe(false);
    expect(one(h.root, "toast").textContent).toBe(sentence);
    expect(document.activeElement, "the keyboard is back on the button").toBe(one(h.root, "send-again"));
  });

  it("does not draw an old copy over a reload that came while the server answered", async () => {
    const { h, list } = setup();
    const failed: Message = { ...message(WA, 8, "Oi", false), status: "failed", client_id: "c5", error: "outage" };
    h.backend.resendRefusal = new BackendError("not_resendable", "Only a reply whose delivery failed can be sent again.");
    list.show([failed], false, true);
    one(h.root, "send-again").click();
    // The stream said sent meanwhile (another machine sent it again first).
    list.show([{ ...failed, status: "sent", error: null }], false, false);
    await h.settled();
    expect(one(h.root, "message-status").dataset.status).toBe("sent");
    expect(h.root.querySelector('[data-testid="failed-reason"]')).toBeNull();
    expect(one(h.root, "toast").textContent).toBe("Only a reply whose delivery failed can be sent again.");
  });

  it("adds an arriving message without drawing the shown ones again, so focus stays where it was", async () => {
    // Given a chat drawn, the agent's keyboard on a file card in it
    const { h, list } = setup();
    const withFile: Message = {
      ...message(WA, 1, "Nota"),
      attachments: [{ id: "doc-1", filename: "nota.pdf", mime: "application/pdf", size: 1024 }],
    };
    const reply = message(WA, 2, "Recebi", false);
    list.show([withFile, reply], false, true);
    const [separator] = h.root.querySelectorAll('.message-list [role="separator"]');
    const [first, second] = all(h.root, "message");
    const card = one(first!, "attachment");
    card.focus();
    expect(document.activeElement, "the card takes the keyboard").toBe(card);
    const children = watchChildren(one(h.root, "message-list"));
    // When a message arrives and the chat is loaded again (new objects, as from the cache)
    list.show([{ ...withFile }, { ...reply }, message(WA, 3, "Obrigada")], false, true);
    await tick();
    // Then the new one is added, and what was shown is the very same elements
    const now = all(h.root, "message");
    expect(now.map((m) => m.querySelector(".body")?.textContent)).toEqual(["Nota", "Recebi", "Obrigada"]);
    expect(now[0], "a shown message keeps its element").toBe(first);
    expect(now[1], "a shown message keeps its element").toBe(second);
    expect(one(first!, "attachment"), "and its contents").toBe(card);
    expect(h.root.querySelector('.message-list [role="separator"]'), "the day's separator stays").toBe(separator);
    expect(document.activeElement, "the keyboard is still on the file card").toBe(card);
    expect(children.done(), "only the new message went into the list").toEqual({ added: [now[2]], removed: [] });
  });

  it("draws again only the message whose delivery status changed", () => {
    // Given an inbound message and a delivered reply
    const { h, list } = setup();
    const inbound = message(WA, 1, "Oi");
    const reply = message(WA, 2, "Olá, Maria", false);
    list.show([inbound, reply], false, true);
    const [shownInbound, shownReply] = all(h.root, "message");
    const children = watchChildren(one(h.root, "message-list"));
    // When the reply is read
    list.show([inbound, { ...reply, status: "read" }], false, true);
    // Then the reply is drawn again with its new mark, in its place, and the other is left alone
    const [nowInbound, nowReply] = all(h.root, "message");
    expect(one(nowReply!, "message-status").dataset.status).toBe("read");
    expect(nowInbound, "an unchanged message keeps its element").toBe(shownInbound);
    expect(children.done(), "only the changed message was replaced").toEqual({
      added: [nowReply],
      removed: [shownReply],
    });
  });

  it("shows image thumbnails and opens files with a double click or Enter", async () => {
    const { h, list } = setup();
    const withFiles: Message = {
      ...message(WA, 1, "Fotos"),
      attachments: [
        { id: "img-1", filename: "foto.jpg", mime: "image/jpeg", size: 40_000 },
        { id: "doc-1", filename: "nota.pdf", mime: "application/pdf", size: 1_572_864 },
      ],
    };
    list.show([withFiles], false, true);
    await tick();
    const [image, file] = all(h.root, "attachment");
    expect(image!.dataset.kind).toBe("image");
    expect(one<HTMLImageElement>(image!, "attachment-thumbnail").src).toBe(`data:image/jpeg;base64,${btoa("img-1")}`);
    expect(file!.textContent).toContain("PDF");
    expect(file!.textContent).toContain("1.5 MB");
    file!.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    image!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await h.settled();
    expect(h.backend.calls).toEqual(["open doc-1", "open img-1"]);
  });

  it("keeps the open chat's thumbnails only: a redraw reuses them, another chat forgets them", async () => {
    const { h, list } = setup();
    const fetched: string[] = [];
    const thumbnail = h.backend.thumbnail;
    h.backend.thumbnail = (id: string) => {
      fetched.push(id);
      return thumbnail(id);
    };
    const picture: Message = {
      ...message(WA, 1, "Foto"),
      attachments: [{ id: "img-1", filename: "foto.jpg", mime: "image/jpeg", size: 40_000 }],
    };
    // Given the chat drawn, then drawn again as a message arrives
    list.show([picture], false, true);
    await tick();
    list.show([picture, message(WA, 2, "Chegou?")], false, true);
    await tick();
    expect(fetched, "a redraw of the same chat shows the thumbnail it has").toEqual(["img-1"]);
    // When another chat opens and this one is opened again
    list.clear();
    list.show([picture], false, true);
    await tick();
    // Then its thumbnail was fetched again: nothing of the chat was kept while it was closed
    expect(fetched, "the thumbnails of a closed chat are not kept").toEqual(["img-1", "img-1"]);
    expect(one<HTMLImageElement>(h.root, "attachment-thumbnail").src).toBe(`data:image/jpeg;base64,${btoa("img-1")}`);
  });

  it("says why a file that is not an accepted type was shown in its folder instead", async () => {
    const { h, list } = setup();
    const reason =
      "Switchboard opens only documents, text and pictures of the accepted types; audio.mp3 is another kind of file, so it is shown in its folder. Open it yourself only if you trust it.";
    h.backend.openings.set("mp3-1", { opened: false, reason });
    const withFiles: Message = {
      ...message(WA, 1, "Áudio"),
      attachments: [
        { id: "mp3-1", filename: "audio.mp3", mime: "audio/mpeg", size: 2048 },
        { id: "doc-1", filename: "nota.pdf", mime: "application/pdf", size: 1024 },
      ],
    };
    list.show([withFiles], false, true);
    await tick();
    const [audio, pdf] = all(h.root, "attachment");
    pdf!.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    await h.settled();
    expect(one(h.root, "toast").hidden, "an opened file needs no word").toBe(true);
    audio!.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    await h.settled();
    expect(h.backend.calls).toEqual(["open doc-1", "open mp3-1"]);
    expect(one(h.root, "toast").hidden).toBe(false);
    expect(one(h.root, "toast").textContent).toBe(reason);
  });

  it("follows the upload progress of a queued reply", () => {
    const { h, list } = setup();
    const pending: Message = {
      ...message(WA, 4, "Segue", false),
      status: "pending",
      client_id: "c9",
      attachments: [{ id: "local-0", filename: "a.pdf", mime: "application/pdf", size: 1000 }],
    };
    list.show([pending], false, true);
    expect(one(h.root, "upload-progress").textContent).toContain("Uploading 0%");
    expect(one(h.root, "attachment").getAttribute("tabindex")).toBe("-1");
    list.uploadProgress("c9", 500, 1000);
    expect(one(h.root, "upload-progress").textContent).toContain("Uploading 50%");
  });

  it("loads older messages above the shown ones", async () => {
    const { h, list } = setup();
    const older = message(WA, 1, "Antes");
    h.backend.messages = () => Promise.resolve({ messages: [older], more: false, loading: false });
    list.show([message(WA, 2, "Depois")], true, true);
    expect(one(h.root, "older-button").hidden).toBe(false);
    one(h.root, "older-button").click();
    await h.settled();
    expect(all(h.root, "message").map((m) => m.querySelector(".body")?.textContent)).toEqual(["Antes", "Depois"]);
    expect(one(h.root, "older-button").hidden).toBe(true);
  });
});
