import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { translator } from "../src/i18n";
import { renderMain, type MainScreen } from "../src/screens/main";
import { fileSize, smsSegments } from "../src/format";
import { BRUNO, conversation, FakeBackend, ME, message } from "./fake-backend";
import { all, one, tick } from "./query";

const t = translator("en");


const WA = "00000000-0000-7000-8000-00000000000a";
const FB = "00000000-0000-7000-8000-00000000000b";
const SMS = "00000000-0000-7000-8000-00000000000c";
const WEB = "00000000-0000-7000-8000-00000000000d";
const TEAM = "00000000-0000-7000-8000-00000000000e";
const OLD = "00000000-0000-7000-8000-00000000000f";

function world(): FakeBackend {
  return new FakeBackend([
    conversation(WA, "whatsapp", "Maria Oliveira", { owner: null, status: "queued", unread: 2 }),
    conversation(FB, "facebook", "João Pereira"),
    conversation(SMS, "sms", "+55 11 98765-4321"),
    conversation(WEB, "livechat", "Visitor 7"),
    conversation(TEAM, "internal", "", { title: "Escala de dezembro" }),
    conversation(OLD, "whatsapp", "Arquivada", { archived: true, status: "resolved" }),
  ]);
}

describe("main screen", () => {
  let container: HTMLElement;
  let screen: MainScreen;
  let backend: FakeBackend;

  beforeEach(async () => {
    document.body.replaceChildren();
    container = document.createElement("div");
    document.body.append(container);
    backend = world();
    screen = renderMain(container, { backend, t, locale: "en", agent: ME });
    await screen.settled();
  });
  afterEach(() => screen.dispose());

  it("lists recent conversations with a channel icon for every channel but internal", () => {
    const items = all(container, "conversation-item");
    expect(items.map((i) => i.dataset.channel)).toEqual(["whatsapp", "facebook", "sms", "livechat", "internal"]);
    for (const item of items) {
      const icon = item.querySelector('[data-testid="channel-icon"]');
      if (item.dataset.channel === "internal") expect(icon).toBeNull();
      else expect(icon?.getAttribute("data-channel")).toBe(item.dataset.channel);
    }
    const waiting = items[0]!;
    expect(waiting.dataset.conversationId).toBe(WA);
    expect(waiting.classList.contains("waiting")).toBe(true);
    expect(waiting.textContent).toContain("Waiting in support");
    expect(one(waiting, "unread-badge").textContent).toBe("2");
    expect(items[4]!.textContent).toContain("Escala de dezembro");
  });

  it("switches to the archived view and offers unarchive and delete with confirmation", async () => {
    const viewSwitch = one<HTMLSelectElement>(container, "view-switch");
    viewSwitch.value = "archived";
    viewSwitch.dispatchEvent(new Event("change"));
    await screen.settled();
    const items = all(container, "conversation-item");
    expect(items.map((i) => i.dataset.conversationId)).toEqual([OLD]);

    await screen.open(OLD);
    expect(one(container, "menu-archive").hidden).toBe(true);
    expect(one(container, "menu-unarchive").hidden).toBe(false);
    one(container, "chat-menu").click();
    one(container, "menu-delete").click();
    expect(backend.calls).not.toContain(`delete ${OLD}`);
    one(container, "confirm-delete").click();
    await screen.settled();
    expect(backend.calls).toContain(`delete ${OLD}`);
    expect(all(container, "conversation-item")).toHaveLength(0);
  });

  it("sends with Enter, keeps a newline with Shift+Enter", async () => {
    await screen.open(FB);
    const reply = one<HTMLTextAreaElement>(container, "reply-box");
    reply.value = "first line";
    reply.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", shiftKey: true, bubbles: true }));
    await screen.settled();
    expect(backend.sent).toEqual([]);
    reply.value = "Olá! Já vou verificar.";
    reply.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await screen.settled();
    expect(backend.sent).toEqual([{ conversationId: FB, body: "Olá! Já vou verificar.", files: [] }]);
    expect(reply.value).toBe("");
    const shown = all(container, "message").map((m) => m.textContent ?? "");
    expect(shown.some((text) => text.includes("Olá! Já vou verificar."))).toBe(true);
  });

  it("takes an unowned chat and resolves it", async () => {
    await screen.open(WA);
    expect(one(container, "take-button").hidden).toBe(false);
    one(container, "take-button").click();
    await screen.settled();
    expect(backend.calls).toContain(`take ${WA}`);
    expect(one(container, "take-button").hidden).toBe(true);
    one(container, "resolve-button").click();
    await screen.settled();
    expect(backend.calls).toContain(`resolve ${WA}`);
    expect(all(container, "conversation-item").map((i) => i.dataset.conversationId)).not.toContain(WA);
  });

  it("has no Resolve for internal chats", async () => {
    await screen.open(TEAM);
    expect(one(container, "resolve-button").hidden).toBe(true);
  });

  it("filters templates by search, category and language and fills the reply box", async () => {
    await screen.open(FB);
    one(container, "templates-toggle").click();
    await screen.settled();
    const names = () => all(container, "template-item").map((i) => i.querySelector("strong")?.textContent);
    const language = one<HTMLSelectElement>(container, "template-language");
    expect(language.value).toBe("en");
    expect(names()).toEqual(["Greeting"]);

    language.value = "pt-BR";
    language.dispatchEvent(new Event("change"));
    await screen.settled();
    expect(names()).toEqual(["Saudação", "Prazo de entrega"]);

    const entregas = all(container, "template-category").find((tab) => tab.dataset.category === "Entregas")!;
    entregas.click();
    await screen.settled();
    expect(names()).toEqual(["Prazo de entrega"]);

    all(container, "template-category")[0]!.click();
    const search = one<HTMLInputElement>(container, "template-search");
    search.value = "saud";
    search.dispatchEvent(new Event("input"));
    await screen.settled();
    expect(names()).toEqual(["Saudação"]);

    all(container, "template-item")[0]!.click();
    expect(one<HTMLTextAreaElement>(container, "reply-box").value).toBe("Olá João, sou Ana Souza!");
  });

  it("transfers by searching a colleague's extension", async () => {
    await screen.open(FB);
    one(container, "transfer-button").click();
    await screen.settled();
    const search = one<HTMLInputElement>(container, "transfer-search");
    search.value = "102";
    search.dispatchEvent(new Event("input"));
    await screen.settled();
    const targets = all(container, "transfer-target");
    expect(targets.map((t) => t.dataset.extension)).toEqual([BRUNO.extension]);
    targets[0]!.click();
    await screen.settled();
    expect(backend.transfers).toEqual([{ id: FB, extension: "102" }]);
    expect(all(container, "conversation-item").map((i) => i.dataset.conversationId)).not.toContain(FB);
  });

  it("saves settings", async () => {
    one(container, "settings-open").click();
    await screen.settled();
    const preview = one<HTMLInputElement>(container, "setting-preview");
    expect(preview.checked).toBe(true);
    preview.checked = false;
    const choice = one<HTMLSelectElement>(container, "setting-sound-choice");
    choice.value = "bell";
    one(container, "settings-save").click();
    await screen.settled();
    expect(backend.saved).toMatchObject({ preview: false, sound: "bell", sound_enabled: true });
  });

  it("shows the offline banner while disconnected and redraws on changes", async () => {
    const banner = one(container, "offline-banner");
    expect(banner.hidden).toBe(true);
    backend.emit({ event: "change", payload: { kind: "connection", state: "offline" } });
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("offline");
    backend.emit({ event: "change", payload: { kind: "connection", state: "online" } });
    expect(banner.hidden).toBe(true);

    backend.conversationsById.set(
      "00000000-0000-7000-8000-000000000099",
      conversation("00000000-0000-7000-8000-000000000099", "sms", "Novo cliente"),
    );
    backend.emit({ event: "change", payload: { kind: "conversation_upserted", id: "00000000-0000-7000-8000-000000000099" } });
    await tick();
    await screen.settled();
    expect(all(container, "conversation-item")).toHaveLength(6);
  });

  it("finds messages in the search box and opens the chat", async () => {
    const search = one<HTMLInputElement>(container, "search-box");
    search.value = "João";
    search.dispatchEvent(new Event("input"));
    await screen.settled();
    const hits = all(container, "search-hit");
    expect(hits.map((h) => h.dataset.conversationId)).toEqual([FB]);
    hits[0]!.click();
    await screen.settled();
    expect(one(container, "chat-title").textContent).toBe("João Pereira");
  });

  it("keeps a chat left open to its newest page as messages arrive, plus the older ones asked for", async () => {
    // The engine's answer: the newest `limit` before `before`, oldest first.
    Object.assign(backend, {
      messages: (id: string, before: string | null, limit: number) => {
        const list = backend.messagesById.get(id) ?? [];
        const end = before ? list.findIndex((m) => m.id === before) : list.length;
        return Promise.resolve({ messages: list.slice(Math.max(0, end - limit), end), more: end > limit, loading: false });
      },
    });
    const arrive = async (from: number, to: number) => {
      const list = backend.messagesById.get(FB) ?? [];
      for (let n = from; n <= to; n += 1) list.push(message(FB, n, `Mensagem ${n}`));
      backend.messagesById.set(FB, list);
      backend.emit({ event: "change", payload: { kind: "messages_changed", conversation_id: FB } });
      await new Promise((resolve) => setTimeout(resolve, 60));
      await screen.settled();
    };
    const bodies = () => all(container, "message").map((m) => m.querySelector(".body")?.textContent);
    await screen.open(FB);
    for (let burst = 0; burst < 6; burst += 1) await arrive(100 + burst * 20, 119 + burst * 20);
    expect(bodies()).toHaveLength(50);
    expect(bodies().at(-1)).toBe("Mensagem 219");
    expect(one(container, "older-button").hidden).toBe(false);

    // Older messages the agent asked for stay through the next arrivals.
    one(container, "older-button").click();
    await screen.settled();
    expect(bodies()).toHaveLength(100);
    await arrive(220, 229);
    expect(bodies()).toHaveLength(100);
    expect(bodies().at(-1)).toBe("Mensagem 229");
  });

  it("never reloads the list while a reload is still answering; changes meanwhile get one more after it", async () => {
    let asked = 0;
    let inFlight = 0;
    let most = 0;
    const answers: (() => void)[] = [];
    const answer = backend.conversations;
    Object.assign(backend, {
      conversations: (view: "recent" | "archived", limit?: number | null) => {
        asked += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        return new Promise((resolve) =>
          answers.push(() => {
            inFlight -= 1;
            resolve(answer(view, limit));
          }),
        );
      },
    });
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const changed = () => backend.emit({ event: "change", payload: { kind: "conversation_upserted", id: FB } });
    for (let n = 0; n < 4; n += 1) {
      changed();
      await wait(70);
    }
    expect([asked, most]).toEqual([1, 1]);
    backend.conversationsById.get(FB)!.contact.display_name = "João P. Pereira";
    changed();
    answers.shift()!();
    await wait(70);
    expect([asked, most]).toEqual([2, 1]);
    answers.shift()!();
    await screen.settled();
    await wait(70);
    expect(asked).toBe(2);
    const row = all(container, "conversation-item").find((i) => i.dataset.conversationId === FB);
    expect(row?.textContent).toContain("João P. Pereira");
  });

  it("moves between chats with Alt+Down", async () => {
    await screen.open(WA);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", altKey: true }));
    await screen.settled();
    expect(one(container, "chat-title").textContent).toBe("João Pereira");
  });
});

describe("SMS segments", () => {
  it("counts GSM-7 and UCS-2 parts", () => {
    expect(smsSegments("")).toBe(0);
    expect(smsSegments("a".repeat(160))).toBe(1);
    expect(smsSegments("a".repeat(161))).toBe(2);
    expect(smsSegments("não".repeat(23))).toBe(1); // ã is not GSM-7: 69 UCS-2 units
    expect(smsSegments("não".repeat(24))).toBe(2);
  });
});

describe("file sizes", () => {
  it("reads in binary units, like the server's limit, in the agent's locale", () => {
    expect(fileSize(29, "en")).toBe("29 B");
    expect(fileSize(1024, "en")).toBe("1 KB");
    expect(fileSize(3016, "en")).toBe("2.9 KB");
    expect(fileSize(3016, "pt-BR")).toBe("2,9 KB");
    expect(fileSize(840_000, "en")).toBe("820 KB");
    expect(fileSize(25 * 1024 * 1024, "en")).toBe("25 MB");
  });
});

describe("contacts and live chat", () => {
  let container: HTMLElement;
  let screen: MainScreen;
  let backend: FakeBackend;

  beforeEach(async () => {
    document.body.replaceChildren();
    container = document.createElement("div");
    document.body.append(container);
    backend = new FakeBackend([
      conversation(FB, "whatsapp", "João Pereira", {
        contact: { id: "c9", display_name: "João Pereira", known: true, identity: { kind: "whatsapp", value: "+5511987654321" } },
      }),
      conversation(WEB, "livechat", "Visitor 7"),
    ]);
    screen = renderMain(container, { backend, t, locale: "en", agent: ME });
    await screen.settled();
  });
  afterEach(() => screen.dispose());

  it("shows the info panel with channel actions and the history across agents", async () => {
    await screen.open(FB);
    one(container, "chat-menu").click();
    expect(one(container, "menu-end-session").hidden).toBe(true);
    one(container, "menu-info").click();
    await screen.settled();
    const panel = one(container, "info-panel");
    expect(panel.hidden).toBe(false);
    expect(one(panel, "info-name").textContent).toBe("João Pereira");
    expect(all(panel, "history-item")[0]?.textContent).toContain("by Bruno Lima");
    one(panel, "info-call").click();
    await screen.settled();
    expect(backend.links).toEqual(["tel:+5511987654321"]);
  });

  it("starts an SMS chat from the Info panel and opens it, owned by the agent", async () => {
    await screen.open(FB);
    one(container, "chat-menu").click();
    one(container, "menu-info").click();
    await screen.settled();
    one(container, "info-start-sms").click();
    await screen.settled();
    const text = one<HTMLTextAreaElement>(container, "start-message");
    text.value = "Olá João, seu pedido chegou.";
    one(container, "start-send").click();
    await screen.settled();
    expect(backend.started).toMatchObject([{ channel_id: "sms-main", contact_id: "c9", body: "Olá João, seu pedido chegou." }]);
    const started = [...backend.conversationsById.values()].find((c) => c.channel === "sms")!;
    expect(one(container, "message-list").textContent).toContain("Olá João, seu pedido chegou.");
    expect(one(container, "conversation-list").querySelector(".conversation-item.active")?.getAttribute("data-conversation-id")).toBe(started.id);
    // Asking again opens that chat: no second one, no dialog.
    await screen.open(FB);
    one(container, "chat-menu").click();
    one(container, "menu-info").click();
    await screen.settled();
    one(container, "info-start-sms").click();
    await screen.settled();
    expect(container.querySelector('[data-testid="start-dialog"]')).toBeNull();
    expect(backend.started).toHaveLength(1);
    expect(one(container, "conversation-list").querySelector(".conversation-item.active")?.getAttribute("data-conversation-id")).toBe(started.id);
  });

  it("ends a live-chat session and blocks the visitor with a duration and reason", async () => {
    await screen.open(WEB);
    one(container, "chat-menu").click();
    one(container, "menu-end-session").click();
    await screen.settled();
    expect(backend.calls).toContain(`end-session ${WEB}`);
    one(container, "chat-menu").click();
    one(container, "menu-block").click();
    one<HTMLSelectElement>(container, "block-duration").value = "3600";
    one<HTMLInputElement>(container, "block-reason").value = "spam";
    one(container, "block-confirm").click();
    await screen.settled();
    expect(backend.calls).toContain(`block ${WEB} 3600 spam`);
  });

  it("pops up a new chat from an unknown contact and adds them", async () => {
    const id = "00000000-0000-7000-8000-000000000077";
    backend.conversationsById.set(
      id,
      conversation(id, "whatsapp", "+55 11 95555-4444", {
        contact: { display_name: "+55 11 95555-4444", known: false, identity: { kind: "whatsapp", value: "+5511955554444" } },
        created_at: new Date(Date.now() + 1000).toISOString(),
      }),
    );
    backend.emit({ event: "change", payload: { kind: "conversation_upserted", id } });
    await tick();
    await screen.settled();
    const popup = one(container, "unknown-contact-popup");
    expect(popup.dataset.conversationId).toBe(id);
    one(popup, "popup-add-contact").click();
    const name = one<HTMLInputElement>(container, "contact-name");
    expect(name.value).toBe("+55 11 95555-4444");
    name.value = "Paula Nunes";
    one(container, "contact-save").click();
    await screen.settled();
    expect(backend.calls).toContain(`add-contact ${id} Paula Nunes `);
    expect(container.querySelector('[data-testid="unknown-contact-popup"]')).toBeNull();
  });

  it("closes a chat's unknown-contact pop-up when the chat is opened from the list", async () => {
    const id = "00000000-0000-7000-8000-000000000078";
    backend.conversationsById.set(
      id,
      conversation(id, "whatsapp", "+55 11 94444-3333", {
        contact: { display_name: "+55 11 94444-3333", known: false, identity: { kind: "whatsapp", value: "+5511944443333" } },
        created_at: new Date(Date.now() + 1000).toISOString(),
      }),
    );
    backend.emit({ event: "change", payload: { kind: "conversation_upserted", id } });
    await tick();
    await screen.settled();
    expect(one(container, "unknown-contact-popup").dataset.conversationId).toBe(id);
    const item = all(container, "conversation-item").find((i) => i.dataset.conversationId === id)!;
    item.click();
    await screen.settled();
    expect(container.querySelector('[data-testid="unknown-contact-popup"]')).toBeNull();
  });

  it("starts an internal chat with a colleague", async () => {
    one(container, "new-internal-chat").click();
    await screen.settled();
    const target = all(container, "internal-target").find((e) => e.dataset.extension === "102")!;
    target.querySelector("input")!.click();
    one<HTMLInputElement>(container, "internal-title").value = "Escala";
    one(container, "internal-start").click();
    await screen.settled();
    expect(backend.calls).toContain("internal 102 Escala");
    expect(one(container, "chat-title").textContent).toBe("Escala");
    expect(one(container, "resolve-button").hidden).toBe(true);
  });
});
