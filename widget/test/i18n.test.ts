import { describe, expect, it } from "vitest";
import { catalog, chooseLang, formatBytes } from "../src/i18n";

describe("language choice", () => {
  it("picks Brazilian Portuguese for any Portuguese browser language", () => {
    expect(chooseLang(["pt-BR", "en-US"])).toBe("pt-BR");
    expect(chooseLang(["pt"])).toBe("pt-BR");
    expect(chooseLang(["pt-PT"])).toBe("pt-BR");
    expect(chooseLang(["PT-br"])).toBe("pt-BR");
  });

  it("picks English for English and for languages it doesn't speak", () => {
    expect(chooseLang(["en-US", "pt-BR"])).toBe("en");
    expect(chooseLang(["fr-FR", "de"])).toBe("en");
    expect(chooseLang([])).toBe("en");
    expect(chooseLang(undefined)).toBe("en");
  });

  it("uses the first language it speaks, in the visitor's order", () => {
    expect(chooseLang(["fr-FR", "pt-BR", "en"])).toBe("pt-BR");
    expect(chooseLang(["de", "en-GB", "pt-BR"])).toBe("en");
    expect(chooseLang([], "pt-BR")).toBe("pt-BR");
  });

  it("has the same texts in both catalogs", () => {
    const en = catalog("en");
    const pt = catalog("pt-BR");
    expect(Object.keys(pt).sort()).toEqual(Object.keys(en).sort());
    expect(pt.send).toBe("Enviar");
    expect(en.unread(1)).toBe("1 unread message");
    expect(pt.unread(3)).toBe("3 mensagens não lidas");
  });

  it("formats sizes in the visitor's locale", () => {
    expect(formatBytes(25 * 1024 * 1024, "en")).toBe("25 MB");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(1536, "pt-BR")).toBe("1,5 KB");
    expect(formatBytes(10, "en")).toBe("10 B");
  });
});
