import { describe, expect, it } from "vitest";
import { dateFormat, formatBytes, numberFormat } from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "en", "0 B"],
    [29, "en", "29 B"],
    [1023, "en", "1,023 B"],
    [1024, "en", "1 KB"],
    [1536, "en", "1.5 KB"],
    [1536, "pt-BR", "1,5 KB"],
    [3000, "pt-BR", "2,9 KB"],
    [10 * 1024, "en", "10 KB"],
    [25 * 1024 * 1024, "en", "25 MB"],
    [3 * 1024 ** 4, "en", "3,072 GB"],
  ] as const)("%d bytes in %s read %s", (bytes, locale, expected) => {
    expect(formatBytes(bytes, locale)).toBe(expected);
  });
});

describe("kept formats", () => {
  it("makes one date format per locale and options", () => {
    const first = dateFormat("pt-BR", { hour: "2-digit", minute: "2-digit" });
    expect(dateFormat("pt-BR", { hour: "2-digit", minute: "2-digit" })).toBe(first);
    expect(dateFormat("en", { hour: "2-digit", minute: "2-digit" })).not.toBe(first);
    expect(dateFormat("pt-BR", { weekday: "short" })).not.toBe(first);
    expect(first.format(new Date(2026, 11, 7, 9, 5))).toBe("09:05");
  });

  it("makes one number format per locale and options", () => {
    const first = numberFormat("en", { maximumFractionDigits: 1 });
    expect(numberFormat("en", { maximumFractionDigits: 1 })).toBe(first);
    expect(numberFormat("en", { maximumFractionDigits: 0 })).not.toBe(first);
  });
});
