import { describe, expect, it } from "vitest";
import type { Conversation, Template } from "../../src/api";
import { TemplatesPanel } from "../../src/components/templates-panel";
import { conversation, FakeBackend, ME } from "../fake-backend";
import { all, one } from "../query";
import { harness, t } from "./harness";

const WA = "00000000-0000-7000-8000-00000000000a";
const EN = "00000000-0000-7000-8000-00000000000b";
const maria = conversation(WA, "whatsapp", "Maria Oliveira", {
  contact: { display_name: "Maria Oliveira", known: true, identity: { kind: "whatsapp", value: "+5511987654321" } },
});
const john = conversation(EN, "sms", "John Smith", {
  contact: { display_name: "John Smith", known: true, identity: { kind: "sms", value: "+14155550100" } },
});

function setup(c: Conversation, role: "agent" | "manager" = "agent") {
  const h = harness(new FakeBackend([c]), { ...ME, role });
  h.state.activeId = c.id;
  h.state.active = c;
  const used: string[] = [];
  const panel = new TemplatesPanel(h.context, h.state, { use: (tpl: Template) => used.push(tpl.name) });
  h.mount(panel.element);
  panel.hidden = false;
  const names = () => all(h.root, "template-item").map((i) => i.querySelector("strong")?.textContent);
  const tabs = () => all(h.root, "template-category").map((tab) => tab.dataset.category);
  return { h, panel, used, names, tabs };
}

describe("templates panel", () => {
  it("pre-selects the customer's language and shows that language's categories", async () => {
    const { h, panel, tabs } = setup(maria);
    await panel.load();
    expect(one<HTMLSelectElement>(h.root, "template-language").value).toBe("pt-BR");
    expect(tabs()).toEqual(["", "Entregas", "Geral"]);
    expect(panel.pickerLanguage(["en", "pt-BR"])).toBe("pt-BR");
    h.state.active = john;
    await panel.load();
    expect(one<HTMLSelectElement>(h.root, "template-language").value).toBe("en");
    expect(tabs()).toEqual(["", "General"]);
  });

  it("filters by search, category and language, keeps the agent's language until told to forget it", async () => {
    const { h, panel, names, used } = setup(john);
    await panel.load();
    expect(names()).toEqual(["Greeting"]);
    const language = one<HTMLSelectElement>(h.root, "template-language");
    language.value = "pt-BR";
    language.dispatchEvent(new Event("change"));
    await h.settled();
    expect(names()).toEqual(["Saudação", "Prazo de entrega"]);
    expect(panel.pickerLanguage(["en", "pt-BR"])).toBe("pt-BR");

    all(h.root, "template-category").find((tab) => tab.dataset.category === "Entregas")!.click();
    await h.settled();
    expect(names()).toEqual(["Prazo de entrega"]);
    expect(h.root.querySelector('[aria-selected="true"]')?.getAttribute("data-category")).toBe("Entregas");

    all(h.root, "template-category")[0]!.click();
    const search = one<HTMLInputElement>(h.root, "template-search");
    search.value = "saud";
    search.dispatchEvent(new Event("input"));
    await h.settled();
    expect(names()).toEqual(["Saudação"]);
    all(h.root, "template-item")[0]!.click();
    all(h.root, "template-item")[0]!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(used).toEqual(["Saudação", "Saudação"]);

    panel.forgetLanguage();
    expect(panel.pickerLanguage(["en", "pt-BR"])).toBe("en");
  });

  it("drops a category the chosen language does not have", async () => {
    const { h, panel, names } = setup(maria);
    await panel.load();
    all(h.root, "template-category").find((tab) => tab.dataset.category === "Entregas")!.click();
    await h.settled();
    h.state.active = john;
    panel.forgetLanguage();
    await panel.load();
    expect(names()).toEqual(["Greeting"]);
  });

  it("hides template management from agents", async () => {
    const { h, panel } = setup(maria);
    await panel.load();
    expect(one(h.root, "template-new").hidden).toBe(true);
    expect(all(h.root, "template-edit")).toHaveLength(0);
  });

  it("lets a manager create, edit and delete templates", async () => {
    const { h, panel, names, tabs } = setup(maria, "manager");
    await panel.load();
    one(h.root, "template-new").click();
    const fill = (id: string, value: string) => (one<HTMLInputElement>(h.root, id).value = value);
    fill("template-form-name", "Boleto");
    fill("template-form-category", "Financeiro");
    fill("template-form-body", "Seu boleto vence amanhã, {{contact.first_name}}.");
    expect(one<HTMLInputElement>(h.root, "template-form-language").value).toBe("pt-BR");
    one(h.root, "template-form-save").click();
    await h.settled();
    expect(h.backend.calls).toContain("create-template Boleto");
    expect(names()).toContain("Boleto");
    expect(tabs()).toContain("Financeiro");
    expect(one(h.root, "toast").textContent).toBe(t("templates.saved"));

    one(all(h.root, "template-item").find((i) => i.textContent?.includes("Boleto"))!, "template-edit").click();
    expect(one<HTMLInputElement>(h.root, "template-form-name").value).toBe("Boleto");
    fill("template-form-name", "Boleto vencendo");
    one(h.root, "template-form-save").click();
    await h.settled();
    expect(names()).toContain("Boleto vencendo");

    one(all(h.root, "template-item").find((i) => i.textContent?.includes("Boleto vencendo"))!, "template-delete").click();
    one(h.root, "template-delete-cancel").click();
    expect(names()).toContain("Boleto vencendo");
    one(all(h.root, "template-item").find((i) => i.textContent?.includes("Boleto vencendo"))!, "template-delete").click();
    one(h.root, "template-delete-confirm").click();
    await h.settled();
    expect(names()).not.toContain("Boleto vencendo");
    expect(h.backend.calls.filter((c) => c.includes("template"))).toHaveLength(3);
  });

  it("refuses an incomplete template with a clear message", async () => {
    const { h, panel } = setup(maria, "manager");
    await panel.load();
    one(h.root, "template-new").click();
    one(h.root, "template-form-save").click();
    expect(one(h.root, "toast").textContent).toBe(t("templates.required"));
    expect(h.backend.calls.some((c) => c.startsWith("create-template"))).toBe(false);
    one(h.root, "template-form-cancel").click();
    expect(h.context.dialogs.open).toBe(false);
  });
});
