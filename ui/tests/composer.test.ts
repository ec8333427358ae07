/**
 * The reply box's companions: attachments (dialog, drop, checks, progress, thumbnails),
 * the `/` template picker, template management and the help overlay.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { translator } from "../src/i18n";
import { renderMain, type MainScreen } from "../src/screens/main";
import { conversation, FakeBackend, ME } from "./fake-backend";
import { all, one, tick } from "./query";
import type { Agent, Message } from "../src/api";

const t = translator("en");


const WA = "00000000-0000-7000-8000-00000000000a";
const EN = "00000000-0000-7000-8000-00000000000b";

function world(): FakeBackend {
  return new FakeBackend([
    conversation(WA, "whatsapp", "Maria Oliveira", { contact: { display_name: "Maria Oliveira", known: true, identity: { kind: "whatsapp", value: "+5511987654321" } } }),
    conversation(EN, "sms", "John Smith", { contact: { display_name: "John Smith", known: true, identity: { kind: "sms", value: "+14155550100" } } }),
  ]);
}

describe("composer", () => {
  let container: HTMLElement;
  let screen: MainScreen;
  let backend: FakeBackend;

  function start(agent: Agent = ME): Promise<void> {
    screen?.dispose();
    document.body.replaceChildren();
    container = document.createElement("div");
    document.body.append(container);
    screen = renderMain(container, { backend, t, locale: "en", agent });
    return screen.settled();
  }
  const reply = () => one<HTMLTextAreaElement>(container, "reply-box");
  async function type(text: string): Promise<void> {
    reply().value = text;
    reply().dispatchEvent(new Event("input"));
    await screen.settled();
  }
  function press(key: string): void {
    reply().dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  }

  beforeEach(async () => {
    backend = world();
    await start();
  });
  afterEach(() => screen.dispose());

  it("attaches files from the native dialog, refuses a bad one with the reason, and sends them", async () => {
    await screen.open(WA);
    backend.picked = ["/home/ana/contrato.pdf", "/home/ana/setup.exe"];
    backend.refusals.set("/home/ana/setup.exe", "setup.exe: Files ending in .exe cannot be sent.");
    one(container, "attach-button").click();
    await screen.settled();
    expect(all(container, "staged-file").map((f) => f.querySelector(".file-name")?.textContent)).toEqual(["contrato.pdf"]);
    expect(one(container, "toast").textContent).toContain("setup.exe: Files ending in .exe cannot be sent.");

    await type("Segue o contrato");
    press("Enter");
    await screen.settled();
    expect(backend.sent).toEqual([{ conversationId: WA, body: "Segue o contrato", files: ["/home/ana/contrato.pdf"] }]);
    expect(all(container, "staged-file")).toHaveLength(0);
    // The queued reply shows its upload, then follows the engine's progress.
    const progress = one(container, "upload-progress");
    const clientId = progress.dataset.clientId!;
    backend.emit({ event: "change", payload: { kind: "upload_progress", client_id: clientId, sent: 500, total: 1000 } });
    expect(one(container, "upload-progress").textContent).toContain("Uploading 50%");
  });

  it("sends files without text, and a removed file does not go", async () => {
    await screen.open(WA);
    backend.picked = ["/tmp/a.pdf", "/tmp/b.pdf"];
    one(container, "attach-button").click();
    await screen.settled();
    all(container, "staged-remove")[0]!.click();
    one(container, "send-button").click();
    await screen.settled();
    expect(backend.sent).toEqual([{ conversationId: WA, body: "", files: ["/tmp/b.pdf"] }]);
  });

  it("takes dropped files, refusing by name and size before reading them", async () => {
    await screen.open(WA);
    const chat = one(container, "chat");
    const files = [
      new File(["%PDF-1.4 fake"], "proposta.pdf", { type: "application/pdf" }),
      new File(["MZ"], "virus.exe"),
      new File([new Uint8Array(2 * 1024 * 1024)], "huge.png", { type: "image/png" }),
    ];
    const drop = new Event("drop", { bubbles: true, cancelable: true }) as DragEvent;
    Object.defineProperty(drop, "dataTransfer", { value: { files, types: ["Files"] } });
    chat.dispatchEvent(drop);
    await tick();
    await screen.settled();
    expect(backend.staged).toEqual([{ name: "proposta.pdf", size: 13 }]);
    expect(all(container, "staged-file").map((f) => f.querySelector(".file-name")?.textContent)).toEqual(["proposta.pdf"]);
    const toast = one(container, "toast").textContent ?? "";
    expect(toast).toContain("virus.exe: files ending in .exe cannot be sent");
    expect(toast).toContain("huge.png: it is 2 MB; the server accepts files up to 1 MB.");
  });

  it("shows image thumbnails and opens files with a double click", async () => {
    const withFiles: Message = {
      ...backend.messagesById.get(WA)![0]!,
      attachments: [
        { id: "img-1", filename: "foto.jpg", mime: "image/jpeg", size: 40_000 },
        { id: "doc-1", filename: "nota.pdf", mime: "application/pdf", size: 1_572_864 },
      ],
    };
    backend.messagesById.set(WA, [withFiles]);
    await screen.open(WA);
    await tick();
    const [image, file] = all(container, "attachment");
    expect(image!.dataset.kind).toBe("image");
    expect(one<HTMLImageElement>(image!, "attachment-thumbnail").src).toBe(`data:image/jpeg;base64,${btoa("img-1")}`);
    expect(file!.dataset.kind).toBe("file");
    expect(file!.textContent).toContain("PDF");
    expect(file!.textContent).toContain("1.5 MB");
    file!.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    await screen.settled();
    expect(backend.calls).toContain("open doc-1");
  });

  it("opens a template picker with / and inserts the chosen template, variables filled", async () => {
    await screen.open(WA);
    await type("/");
    // Maria writes from +55: Portuguese templates first.
    const names = () => all(container, "template-picker-item").map((i) => i.querySelector("strong")?.textContent);
    expect(one(container, "template-picker").hidden).toBe(false);
    expect(names()).toEqual(["Saudação", "Prazo de entrega"]);
    await type("/praz");
    expect(names()).toEqual(["Prazo de entrega"]);
    await type("/");
    press("ArrowDown");
    press("Enter");
    expect(reply().value).toBe("Seu pedido chega em até 5 dias úteis.");
    expect(one(container, "template-picker").hidden).toBe(true);
    expect(backend.sent).toEqual([]);
    await type("/nothing-like-this");
    expect(all(container, "template-picker-item")).toHaveLength(0);
    press("Escape");
    expect(one(container, "template-picker").hidden).toBe(true);
  });

  it("pre-selects the customer's language and shows that language's categories", async () => {
    await screen.open(WA);
    one(container, "templates-toggle").click();
    await screen.settled();
    expect(one<HTMLSelectElement>(container, "template-language").value).toBe("pt-BR");
    const tabs = () => all(container, "template-category").map((tab) => tab.dataset.category);
    expect(tabs()).toEqual(["", "Entregas", "Geral"]);

    await screen.open(EN);
    await screen.settled();
    expect(one<HTMLSelectElement>(container, "template-language").value).toBe("en");
    expect(tabs()).toEqual(["", "General"]);
  });

  it("lets a manager create, edit and delete templates, and hides that from agents", async () => {
    await screen.open(WA);
    one(container, "templates-toggle").click();
    await screen.settled();
    expect(one(container, "template-new").hidden).toBe(true);
    expect(all(container, "template-edit")).toHaveLength(0);

    await start({ ...ME, role: "manager" });
    await screen.open(WA);
    one(container, "templates-toggle").click();
    await screen.settled();
    one(container, "template-new").click();
    const fill = (id: string, value: string) => {
      const input = one<HTMLInputElement>(container, id);
      input.value = value;
    };
    fill("template-form-name", "Boleto");
    fill("template-form-category", "Financeiro");
    fill("template-form-body", "Seu boleto vence amanhã, {{contact.first_name}}.");
    expect(one<HTMLInputElement>(container, "template-form-language").value).toBe("pt-BR");
    one(container, "template-form-save").click();
    await screen.settled();
    expect(backend.calls).toContain("create-template Boleto");
    const names = () => all(container, "template-item").map((i) => i.querySelector("strong")?.textContent);
    expect(names()).toContain("Boleto");
    expect(all(container, "template-category").map((tab) => tab.dataset.category)).toContain("Financeiro");

    const boleto = all(container, "template-item").find((i) => i.textContent?.includes("Boleto"))!;
    one(boleto, "template-edit").click();
    fill("template-form-name", "Boleto vencendo");
    one(container, "template-form-save").click();
    await screen.settled();
    expect(names()).toContain("Boleto vencendo");

    const renamed = all(container, "template-item").find((i) => i.textContent?.includes("Boleto vencendo"))!;
    one(renamed, "template-delete").click();
    one(container, "template-delete-confirm").click();
    await screen.settled();
    expect(names()).not.toContain("Boleto vencendo");
    expect(backend.calls.filter((c) => c.includes("template"))).toHaveLength(3);
  });

  it("refuses an incomplete template with a clear message", async () => {
    await start({ ...ME, role: "manager" });
    await screen.open(WA);
    one(container, "templates-toggle").click();
    await screen.settled();
    one(container, "template-new").click();
    one(container, "template-form-save").click();
    expect(one(container, "toast").textContent).toBe(t("templates.required"));
    expect(backend.calls.some((c) => c.startsWith("create-template"))).toBe(false);
  });

  it("lists the keyboard shortcuts in a help overlay (button, F1, ?)", async () => {
    one(container, "help-open").click();
    expect(all(container, "shortcut").length).toBeGreaterThanOrEqual(8);
    expect(one(container, "help-overlay").textContent).toContain("Ctrl + Shift + T");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(container.querySelector('[data-testid="help-overlay"]')).toBeNull();
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "?", bubbles: true }));
    expect(container.querySelector('[data-testid="help-overlay"]')).not.toBeNull();
  });

  it("loads a long list a page at a time as it is scrolled", async () => {
    backend = new FakeBackend(
      Array.from({ length: 90 }, (_, i) =>
        conversation(`00000000-0000-7000-8000-${String(1000 + i).padStart(12, "0")}`, "sms", `Cliente ${i}`),
      ),
    );
    await start();
    const list = one(container, "conversation-list");
    const shown = () => all(container, "conversation-item").length;
    expect(shown()).toBe(40);
    for (const expected of [80, 90, 90]) {
      list.dispatchEvent(new Event("scroll"));
      await screen.settled();
      expect(shown()).toBe(expected);
    }
  });

});
