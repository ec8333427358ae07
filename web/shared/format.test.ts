import { describe, expect, it } from "vitest";
import { formatBytes } from "./format";

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
