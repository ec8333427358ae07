import { describe, expect, it } from "vitest";
import type { Conversation, WhatsAppTemplate } from "../../src/api";
import { BackendError } from "../../src/backend";
import {
  ClientIds,
  filterTemplates,
  newClientId,
  rememberLanguage,
  renderTemplate,
  TemplateForm,
  templateDialog,
} from "../../src/components/whatsapp-templates";
import { conversation, FakeBackend, WA_TEMPLATES } from "../fake-backend";
import { all, one } from "../query";
import { harness, t } from "./harness";

const WA = "00000000-0000-7000-8000-00000000000a";

function maria(extra: Partial<Conversation> = {}): Conversation {
  return conversation(WA, "whatsapp", "Maria Oliveira", {
    channel_id: "wa-main",
    contact: { id: "c-maria", display_name: "Maria Oliveira", known: true, identity: { kind: "whatsapp", value: "+5511987654321" } },
    reply_window_ends_at: new Date(Date.now() - 3600_000).toISOString(),
    ...extra,
  });
}

async function openDialog(c: Conversation = maria(), locale = "en") {
  const h = harness(new FakeBackend([c]));
  if (locale !== "en") h.context.locale = locale;
  const sent: string[] = [];
  templateDialog(h.context, c, async () => void sent.push("sent"));
  await h.settled();
  const names = () => all(h.root, "wa-template").map((b) => b.dataset.name);
  const language = () => one<HTMLSelectElement>(h.root, "wa-template-language");
  const choose = async (name: string) => {
    all(h.root, "wa-template")
      .find((b) => b.dataset.name === name)!
      .click();
    await h.settled();
  };
  const variable = (key: string) => h.root.querySelector<HTMLInputElement>(`[data-testid="wa-template-variable"][data-key="${key}"]`)!;
  const fill = async (key: string, value: string) => {
    const input = variable(key);
    input.value = value;
    input.dispatchEvent(new Event("input"));
    await h.settled();
  };
  const send = async () => {
    one(h.root, "wa-template-send").click();
    await h.settled();
  };
  return { h, sent, names, language, choose, variable, fill, send };
}

describe("WhatsApp templates", () => {
  it("lists the approved templates in the customer's language, searchable, any language on demand", async () => {
    const { h, names, language } = await openDialog();
    const dialog = one(h.root, "wa-template-dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(dialog.getAttribute("aria-labelledby")!)?.textContent).toBe(t("waTemplates.title"));
    expect(document.activeElement).toBe(one(h.root, "wa-template-search"));
    // +55: Brazilian Portuguese, Meta's pt_BR.
    expect(language().value).toBe("pt_BR");
    expect(names()).toEqual(["order_update", "boas_vindas"]);
    const search = one<HTMLInputElement>(h.root, "wa-template-search");
    search.value = "AJUDAR";
    search.dispatchEvent(new Event("input"));
    expect(names()).toEqual(["boas_vindas"]);
    search.value = "";
    search.dispatchEvent(new Event("input"));
    language().value = "";
    language().dispatchEvent(new Event("change"));
    expect(names()).toEqual(["order_update", "boas_vindas", "hello_world"]);
    expect(all(h.root, "wa-template")[1]?.textContent).toContain("Marketing · pt_BR");
    expect(h.backend.calls).toContain("wa-templates wa-main");
    // Each search field and filter has a label.
    for (const id of ["wa-template-search", "wa-template-language"]) {
      const field = one(h.root, id);
      expect(h.root.querySelector(`label[for="${field.id}"]`)?.textContent).toBeTruthy();
    }
  });

  it("pre-selects the language used before with this customer, else the app's, else all", async () => {
    rememberLanguage("c-remembered", "en_US");
    const remembered = await openDialog(maria({ contact: { id: "c-remembered", display_name: "Maria", known: true, identity: { kind: "whatsapp", value: "+5511900000000" } } }));
    expect(remembered.language().value).toBe("en_US");

    // An unknown calling code: the agent's own language (Portuguese here).
    const byLocale = await openDialog(maria({ contact: { display_name: "Ahmed", known: false, identity: { kind: "whatsapp", value: "+20100000000" } } }), "pt-BR");
    expect(byLocale.language().value).toBe("pt_BR");

    const none = await openDialog(maria({ contact: { display_name: "Ahmed", known: false, identity: { kind: "whatsapp", value: "+20100000000" } } }), "fr");
    expect(none.language().value).toBe("");
    expect(none.names()).toHaveLength(3);
  });

  it("asks for each variable by its label with Meta's example, and previews the text live", async () => {
    const { h, choose, variable, fill } = await openDialog();
    await choose("order_update");
    expect(one(h.root, "wa-template-chosen").textContent).toBe("order_update");
    const inputs = all(h.root, "wa-template-variable") as HTMLInputElement[];
    expect(inputs.map((i) => [i.dataset.key, i.placeholder])).toEqual([
      ["header.1", "#4521"],
      ["body.1", "Maria"],
      ["body.2", "amanhã"],
    ]);
    for (const input of inputs) {
      expect(h.root.querySelector(`label[for="${input.id}"]`)?.textContent).toMatch(/^(Header|Body) \{\{\d\}\}$/);
    }
    expect(document.activeElement).toBe(variable("header.1"));
    const preview = one(h.root, "wa-template-preview");
    expect(preview.textContent).toContain("Pedido {{1}}");
    expect(preview.textContent).toContain("Olá {{1}}, seu pedido sai {{2}}.");
    expect(preview.textContent).toContain("Loja Exemplo");
    expect(preview.textContent).toContain("Falar com atendente");
    await fill("body.1", "Maria");
    expect(preview.textContent).toContain("Olá Maria, seu pedido sai {{2}}.");
    expect(preview.querySelectorAll("mark")).toHaveLength(2);
    one(h.root, "wa-template-back").click();
    expect(one(h.root, "wa-template-form").hidden).toBe(true);
    expect(one(h.root, "wa-template-send").hidden).toBe(true);
  });

  it("names the variables left empty instead of sending", async () => {
    const { h, choose, variable, fill, send } = await openDialog();
    await choose("order_update");
    await fill("header.1", "#77");
    await send();
    expect(h.backend.templatesSent).toEqual([]);
    const error = one(h.root, "wa-template-error");
    expect(error.hidden).toBe(false);
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toBe(t("waTemplates.missing", { names: "Body {{1}}, Body {{2}}" }));
    expect(variable("body.1").getAttribute("aria-invalid")).toBe("true");
    expect(variable("header.1").hasAttribute("aria-invalid")).toBe(false);
    expect(document.activeElement).toBe(variable("body.1"));
  });

  it("sends the filled template, closes, and tells the screen to redraw the chat", async () => {
    const { h, sent, choose, fill, send } = await openDialog();
    await choose("order_update");
    await fill("header.1", "#77");
    await fill("body.1", " Maria ");
    await fill("body.2", "hoje");
    await send();
    expect(h.backend.templatesSent).toHaveLength(1);
    const [call] = h.backend.templatesSent;
    expect(call?.conversationId).toBe(WA);
    expect(call?.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(call?.template).toEqual({
      name: "order_update",
      language: "pt_BR",
      parameters: { "header.1": "#77", "body.1": "Maria", "body.2": "hoje" },
    });
    expect(h.context.dialogs.open).toBe(false);
    expect(sent).toEqual(["sent"]);
    expect(h.backend.messagesById.get(WA)?.at(-1)?.body).toBe("Pedido #77\n\nOlá Maria, seu pedido sai hoje.\n\nLoja Exemplo");
  });

  it("shows the server's refusal in words and tries the same values again under the same client id", async () => {
    const { h, sent, choose, fill, send } = await openDialog();
    await choose("boas_vindas");
    await fill("body.customer_name", "Ana");
    h.backend.refusal = new BackendError("unreachable", "Could not reach the server.");
    await send();
    expect(one(h.root, "wa-template-error").textContent).toBe(t("error.unreachable"));
    expect(h.context.dialogs.open).toBe(true);
    expect(one<HTMLButtonElement>(h.root, "wa-template-send").disabled).toBe(false);
    h.backend.refusal = null;
    await send();
    const [first, second] = h.backend.templatesSent;
    expect(second?.clientId).toBe(first?.clientId);
    expect(sent).toEqual(["sent"]);
  });

  it("says when the channel has no approved templates, or when they could not be had", async () => {
    const empty = harness(new FakeBackend([maria()]));
    empty.backend.waTemplates = [];
    templateDialog(empty.context, maria(), async () => {});
    await empty.settled();
    expect(one(empty.root, "wa-template-none").textContent).toBe(t("waTemplates.none"));

    const offline = harness(new FakeBackend([maria()]));
    offline.backend.waTemplates = new BackendError("not_found", "No WhatsApp channel wa-main.");
    templateDialog(offline.context, maria(), async () => {});
    await offline.settled();
    expect(one(offline.root, "wa-template-error").textContent).toBe("No WhatsApp channel wa-main.");
  });

  it("sends a template without variables as it reads", async () => {
    const h = harness(new FakeBackend([]));
    const chosen: unknown[] = [];
    const form = new TemplateForm(h.context, {
      channelId: "wa-main",
      languages: ["en"],
      send: async (choice) => void chosen.push(choice),
    });
    h.mount(form.element, form.send);
    await form.load();
    expect(all(h.root, "wa-template").map((b) => b.dataset.name)).toEqual(["hello_world"]);
    all(h.root, "wa-template")[0]!.click();
    expect(one(h.root, "wa-template-form").textContent).toContain(t("waTemplates.noVariables"));
    form.send.click();
    await h.settled();
    expect(chosen).toEqual([{ name: "hello_world", language: "en_US", parameters: {} }]);
  });
});

describe("template text", () => {
  const order = WA_TEMPLATES[0] as WhatsAppTemplate;

  it("renders header, body and footer as the server does, unfilled variables kept", () => {
    expect(renderTemplate(order, { "header.1": "#1", "body.1": "Ana", "body.2": "já" })).toBe(
      "Pedido #1\n\nOlá Ana, seu pedido sai já.\n\nLoja Exemplo",
    );
    expect(renderTemplate(order, { "body.1": "Ana" })).toBe("Pedido {{1}}\n\nOlá Ana, seu pedido sai {{2}}.\n\nLoja Exemplo");
  });

  it("is found by name or text, accents and case aside, in one language or all", () => {
    expect(filterTemplates(WA_TEMPLATES, "OLA", "").map((x) => x.name)).toEqual(["order_update"]);
    expect(filterTemplates(WA_TEMPLATES, "", "en_US").map((x) => x.name)).toEqual(["hello_world"]);
    expect(filterTemplates(WA_TEMPLATES, "boas", "pt_BR").map((x) => x.name)).toEqual(["boas_vindas"]);
  });

  it("keeps one client id per content, a new one when it changes", () => {
    const ids = new ClientIds();
    const a = ids.for({ name: "x", parameters: { "body.1": "1" } });
    expect(ids.for({ name: "x", parameters: { "body.1": "1" } })).toBe(a);
    expect(ids.for({ name: "x", parameters: { "body.1": "2" } })).not.toBe(a);
    expect(newClientId()).not.toBe(newClientId());
  });
});
