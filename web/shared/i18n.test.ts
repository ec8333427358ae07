import { describe, expect, it } from "vitest";
import { browserLanguages, interpolate, pickLocale, translator } from "./i18n";

const SUPPORTED = ["en", "pt-BR"] as const;

describe("pickLocale", () => {
  it.each([
    [["pt-BR"], "pt-BR"],
    [["PT-br"], "pt-BR"],
    [["pt_BR"], "pt-BR"],
    [["pt-PT", "en-US"], "pt-BR"],
    [["pt"], "pt-BR"],
    [["en-GB"], "en"],
    [["en-US", "pt-BR"], "en"],
    [["de-DE", "pt-BR"], "pt-BR"],
    [["de-DE", "fr"], "en"],
    [[], "en"],
  ] as const)("%j gives %s", (preferred, expected) => {
    expect(pickLocale(SUPPORTED, preferred, "en")).toBe(expected);
  });

  it("prefers an exact match to one of the same language", () => {
    expect(pickLocale(["pt-PT", "pt-BR"], ["pt-BR"], "pt-PT")).toBe("pt-BR");
    expect(pickLocale(["pt-PT", "pt-BR"], ["pt"], "pt-BR")).toBe("pt-PT");
  });

  it("answers the fallback when nothing matches", () => {
    expect(pickLocale(SUPPORTED, ["ja"], "pt-BR")).toBe("pt-BR");
  });
});

describe("browserLanguages", () => {
  it("uses navigator.language when navigator.languages is empty", () => {
    expect(browserLanguages({ language: "pt-BR", languages: [] })).toEqual(["pt-BR"]);
  });

  it("keeps the ordered navigator.languages list", () => {
    expect(browserLanguages({ language: "en-US", languages: ["pt-BR", "en-US"] })).toEqual(["pt-BR", "en-US"]);
  });
});

describe("interpolate and translator", () => {
  it("fills in {params} and leaves unknown placeholders", () => {
    expect(interpolate("Hi {name}, {n} new", { name: "Ana", n: 3 })).toBe("Hi Ana, 3 new");
    expect(interpolate("Hi {name}")).toBe("Hi {name}");
  });

  it("looks the key up in its catalog", () => {
    const t = translator({ hello: "Olá, {name}", bye: "Tchau" });
    expect(t("hello", { name: "Bruno" })).toBe("Olá, Bruno");
    expect(t("bye")).toBe("Tchau");
  });
});
