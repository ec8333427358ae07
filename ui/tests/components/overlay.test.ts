import { describe, expect, it } from "vitest";
import { button, el } from "../../src/dom";
import { one } from "../query";
import { harness } from "./harness";

describe("dialog overlay", () => {
  function open() {
    const h = harness();
    const opener = button("Open", "opener");
    h.mount(opener);
    opener.focus();
    const first = el("input", { type: "text", "data-testid": "first" });
    const hiddenPart = el("div", {}, button("Hidden", "hidden-button"));
    hiddenPart.hidden = true;
    const last = button("Last", "last");
    h.context.dialogs.show(el("div", { role: "dialog", "data-testid": "dialog" }, first, hiddenPart, last));
    first.focus();
    const tab = (shiftKey = false) => {
      const event = new KeyboardEvent("keydown", { key: "Tab", shiftKey, bubbles: true, cancelable: true });
      document.activeElement?.dispatchEvent(event);
      return event.defaultPrevented;
    };
    return { h, opener, first, last, tab };
  }

  it("is modal: Tab and Shift+Tab wrap around the dialog's visible controls", () => {
    const { h, first, last, tab } = open();
    expect(one(h.root, "dialog").getAttribute("aria-modal")).toBe("true");
    expect(tab(true)).toBe(true);
    expect(document.activeElement).toBe(last);
    expect(tab()).toBe(true);
    expect(document.activeElement).toBe(first);
    // Between the ends the browser moves on by itself.
    expect(tab()).toBe(false);
  });

  it("gives the focus back to what opened it when it closes", () => {
    const { h, opener } = open();
    h.context.dialogs.hide();
    expect(h.context.dialogs.open).toBe(false);
    expect(document.activeElement).toBe(opener);
  });
});
