import { afterEach, describe, expect, it } from "vitest";
import { Shortcuts } from "../../src/components/shortcuts";
import { all, one } from "../query";
import { harness } from "./harness";

describe("shortcuts", () => {
  let shortcuts: Shortcuts | null = null;
  afterEach(() => shortcuts?.dispose());

  function setup() {
    const h = harness();
    const done: string[] = [];
    shortcuts = new Shortcuts(h.context, {
      step: (delta) => done.push(`step ${delta}`),
      focusSearch: () => done.push("search"),
      take: () => done.push("take"),
      resolve: () => done.push("resolve"),
    });
    const press = (init: KeyboardEventInit, target: EventTarget = document) =>
      target.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
    return { h, done, press };
  }

  it("lists the keyboard shortcuts in a help overlay (F1, ?), closed with Escape", () => {
    const { h, press } = setup();
    press({ key: "F1" });
    expect(all(h.root, "shortcut").length).toBeGreaterThanOrEqual(8);
    expect(one(h.root, "help-overlay").textContent).toContain("Ctrl + Shift + T");
    expect(document.activeElement).toBe(one(h.root, "help-close"));
    press({ key: "Escape" });
    expect(h.root.querySelector('[data-testid="help-overlay"]')).toBeNull();
    press({ key: "?" }, document.body);
    expect(h.root.querySelector('[data-testid="help-overlay"]')).not.toBeNull();
    one(h.root, "help-close").click();
    expect(h.root.querySelector('[data-testid="help-overlay"]')).toBeNull();
  });

  it("leaves ? to a field being typed in", () => {
    const { h, press } = setup();
    const input = document.createElement("input");
    h.mount(input);
    press({ key: "?" }, input);
    expect(h.context.dialogs.open).toBe(false);
  });

  it("maps Alt+arrows, Ctrl+K, Ctrl+Shift+T and Ctrl+Shift+R to their actions", () => {
    const { done, press } = setup();
    press({ key: "ArrowDown", altKey: true });
    press({ key: "ArrowUp", altKey: true });
    press({ key: "k", ctrlKey: true });
    press({ key: "T", ctrlKey: true, shiftKey: true });
    press({ key: "R", metaKey: true, shiftKey: true });
    press({ key: "x" });
    expect(done).toEqual(["step 1", "step -1", "search", "take", "resolve"]);
  });

  it("stops listening once disposed", () => {
    const { done, press } = setup();
    shortcuts!.dispose();
    press({ key: "k", ctrlKey: true });
    expect(done).toEqual([]);
  });
});
