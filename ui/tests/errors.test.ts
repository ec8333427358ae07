import { describe, expect, it } from "vitest";
import { BackendError } from "../src/backend";
import { describeError } from "../src/errors";
import { translator } from "../src/i18n";

describe("describeError", () => {
  it("translates a wrong password, whatever language the engine spoke", () => {
    const error = new BackendError("invalid_credentials", "The user name or password is wrong.");
    expect(describeError(error, translator("pt-BR"))).toBe(translator("pt-BR")("error.wrong_credentials"));
  });

  it("passes the engine's own sentence for codes without a translation", () => {
    const error = new BackendError("already_taken", "This chat was already taken by Bruno.");
    expect(describeError(error, translator("en"))).toBe("This chat was already taken by Bruno.");
  });
});
