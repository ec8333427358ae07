import { describe, expect, it } from "vitest";
import { detectLocale, pickLocale, translator } from "../src/i18n";
import { en } from "../src/i18n/en";
import { ptBR } from "../src/i18n/pt-BR";

describe("pickLocale", () => {
  it.each([
    [["pt-BR"], "pt-BR"],
    [["pt-br"], "pt-BR"],
    [["pt-PT", "en-US"], "pt-BR"],
    [["pt"], "pt-BR"],
    [["en-GB"], "en"],
    [["de-DE", "pt-BR"], "pt-BR"],
    [["de-DE", "fr"], "en"],
    [[], "en"],
  ] as const)("%j gives %s", (preferred, expected) => {
    expect(pickLocale(preferred)).toBe(expected);
  });
});

describe("detectLocale", () => {
  it("uses navigator.language when navigator.languages is empty", () => {
    expect(detectLocale({ language: "pt-BR", languages: [] })).toBe("pt-BR");
  });

  it("prefers the ordered navigator.languages list", () => {
    expect(detectLocale({ language: "en-US", languages: ["pt-BR", "en-US"] })).toBe("pt-BR");
  });
});

describe("translator", () => {
  it("fills in {params} in the chosen language", () => {
    expect(translator("pt-BR")("app.version", { version: "0.1.0" })).toBe("Versão 0.1.0");
    expect(translator("en")("app.version", { version: "0.1.0" })).toBe("Version 0.1.0");
  });

  it("has a non-empty pt-BR text for every English key", () => {
    // TypeScript already demands the same keys; this catches empty strings.
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ptBR[key], `pt-BR text for ${key}`).not.toBe("");
    }
  });
});
