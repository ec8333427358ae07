import { describe, expect, it } from "vitest";
import { translator } from "../src/i18n";
import { signInNotice } from "../src/notice";

describe("the sign-in notice", () => {
  const t = translator("en");

  it("says nothing when the keychain keeps the sign-in", () => {
    expect(signInNotice({ kept: "keychain" }, t)).toBeNull();
    expect(signInNotice(null, t)).toBeNull();
  });

  it("says why the app will ask again, and goes away when dismissed", () => {
    const notice = signInNotice({ kept: "this_run_only", detail: "no Secret Service" }, t)!;
    document.body.append(notice);
    expect(notice.getAttribute("role")).toBe("status");
    expect(notice.textContent).toContain("no Secret Service");
    expect(notice.textContent).toContain("ask for your password next time");
    notice.querySelector<HTMLButtonElement>("[data-testid=sign-in-notice-dismiss]")!.click();
    expect(document.querySelector("[data-testid=sign-in-notice]")).toBeNull();
  });
});
