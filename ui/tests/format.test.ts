import { afterEach, describe, expect, it, vi } from "vitest";
import { dateTime, dayLabel, listTime, timeOfDay } from "../src/format";

describe("times in the agent's locale", () => {
  afterEach(() => vi.restoreAllMocks());

  const now = new Date(2026, 11, 7, 18, 0);
  const today = new Date(2026, 11, 7, 9, 5).toISOString();
  const monday = new Date(2026, 11, 3, 9, 5).toISOString();
  const longAgo = new Date(2026, 9, 20, 9, 5).toISOString();

  it("read as the browser's own locale formatting does", () => {
    for (const locale of ["en", "pt-BR"]) {
      expect(listTime(today, locale, now)).toBe(
        new Date(today).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" }),
      );
      expect(listTime(monday, locale, now)).toBe(new Date(monday).toLocaleDateString(locale, { weekday: "short" }));
      expect(listTime(longAgo, locale, now)).toBe(
        new Date(longAgo).toLocaleDateString(locale, { day: "2-digit", month: "2-digit", year: "numeric" }),
      );
      expect(timeOfDay(today, locale)).toBe(
        new Date(today).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" }),
      );
      expect(dateTime(today, locale)).toBe(
        new Date(today).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }),
      );
      expect(dayLabel(today, locale)).toBe(
        new Date(today).toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" }),
      );
    }
  });

  it("come from kept formats, not a new formatter per call", () => {
    // `toLocaleTimeString` and friends make a native formatter per call, which the web
    // process keeps until a collection (see web/shared/format.ts).
    // `format` is a getter (it hands out a bound function): count its reads.
    const prototype = Intl.DateTimeFormat.prototype as unknown as Record<"format", unknown>;
    const format = vi.spyOn(prototype, "format", "get");
    for (let i = 0; i < 10; i++) {
      listTime(today, "pt-BR", now);
      timeOfDay(today, "pt-BR");
      dayLabel(today, "pt-BR");
    }
    expect(format).toHaveBeenCalledTimes(30);
  });
});
