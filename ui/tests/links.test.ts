import { describe, expect, it } from "vitest";
import { mailtoLink, smsLink, telLink } from "../src/links";

describe("contact links", () => {
  it("percent-encode e-mail addresses so they cannot add headers or recipients", () => {
    const table: [string, string][] = [
      ["joao@example.com", "mailto:joao@example.com"],
      ["a@b.c?body=hi&cc=x@evil.com", "mailto:a%40b.c%3Fbody%3Dhi%26cc%3Dx@evil.com"],
      ["x&cc=y@evil.com@example.com", "mailto:x%26cc%3Dy%40evil.com@example.com"],
      ["first last#frag@example.com", "mailto:first%20last%23frag@example.com"],
      ["maria+news@exämple.com", "mailto:maria%2Bnews@ex%C3%A4mple.com"],
      ["  ana@example.com\n", "mailto:ana@example.com"],
    ];
    for (const [email, link] of table) expect(mailtoLink(email), email).toBe(link);
  });

  it("keep only + and digits of phone numbers", () => {
    expect(telLink("+55 (11) 98765-4321")).toBe("tel:+5511987654321");
    expect(telLink("+1415;ext=1&x=javascript:alert(1)")).toBe("tel:+141511");
    expect(smsLink("011 98765 4321")).toBe("sms:011987654321");
    expect(smsLink("+14155550100?body=hello")).toBe("sms:+14155550100");
  });
});
