import { describe, expect, it } from "vitest";
import { el } from "./dom";

describe("el", () => {
  it("sets string and number attributes, empty for true, none for false, null or undefined", () => {
    const input = el("input", { type: "text", maxlength: 20, required: true, disabled: false, title: null, alt: undefined });
    expect(input.getAttribute("type")).toBe("text");
    expect(input.getAttribute("maxlength")).toBe("20");
    expect(input.getAttribute("required")).toBe("");
    expect(input.hasAttribute("disabled")).toBe(false);
    expect(input.hasAttribute("title")).toBe(false);
    expect(input.hasAttribute("alt")).toBe(false);
  });

  it("inserts strings as text, never as markup, and skips missing children", () => {
    const p = el("p", {}, "<b>bold</b> ", null, el("em", {}, "real"), undefined);
    expect(p.childNodes).toHaveLength(2);
    expect(p.querySelector("b")).toBeNull();
    expect(p.textContent).toBe("<b>bold</b> real");
    expect(p.querySelector("em")?.textContent).toBe("real");
  });
});
