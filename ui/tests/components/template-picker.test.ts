import { describe, expect, it } from "vitest";
import type { Template } from "../../src/api";
import { TemplatePicker } from "../../src/components/template-picker";
import { all, one } from "../query";
import { harness, t } from "./harness";

function setup(language = "pt-BR") {
  const h = harness();
  const chosen: string[] = [];
  const picker = new TemplatePicker(h.context, {
    choose: (tpl: Template) => chosen.push(tpl.name),
    language: () => language,
  });
  h.mount(picker.element);
  const names = () => all(h.root, "template-picker-item").map((i) => i.querySelector("strong")?.textContent);
  const press = (key: string) => {
    const event = new KeyboardEvent("keydown", { key, cancelable: true });
    return { used: picker.key(event), prevented: event.defaultPrevented };
  };
  return { h, picker, chosen, names, press };
}

describe("template picker", () => {
  it("opens on / with the templates of the language, narrowed by what follows", async () => {
    const { picker, names } = setup();
    await picker.update("/");
    expect(picker.open).toBe(true);
    expect(names()).toEqual(["Saudação", "Prazo de entrega"]);
    await picker.update("/praz");
    expect(names()).toEqual(["Prazo de entrega"]);
    await picker.update("hello /");
    expect(picker.open).toBe(false);
  });

  it("falls back to every language when none match in the chosen one", async () => {
    const { picker, names } = setup("pt-BR");
    await picker.update("/greet");
    expect(names()).toEqual(["Greeting"]);
  });

  it("moves with the arrows, chooses with Enter or Tab, closes with Escape", async () => {
    const { h, picker, chosen, press } = setup();
    await picker.update("/");
    expect(press("ArrowDown")).toEqual({ used: true, prevented: true });
    expect(one(h.root, "template-picker").querySelector('[aria-selected="true"] strong')?.textContent).toBe("Prazo de entrega");
    press("ArrowUp");
    press("ArrowUp");
    press("Enter");
    press("Tab");
    expect(chosen).toEqual(["Prazo de entrega", "Prazo de entrega"]);
    expect(press("a").used).toBe(false);
    press("Escape");
    expect(picker.open).toBe(false);
  });

  it("says when nothing matches and chooses with the mouse", async () => {
    const { h, picker, chosen, names, press } = setup();
    await picker.update("/nothing-like-this");
    expect(names()).toHaveLength(0);
    expect(one(h.root, "template-picker").textContent).toContain(t("templates.empty"));
    expect(press("ArrowDown").used).toBe(false);
    await picker.update("/");
    all(h.root, "template-picker-item")[0]!.dispatchEvent(new MouseEvent("mousedown", { cancelable: true }));
    expect(chosen).toEqual(["Saudação"]);
  });
});
