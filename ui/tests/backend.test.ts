import { describe, expect, it } from "vitest";
import { BackendError, toBackendError, webBackend } from "../src/backend";

describe("toBackendError", () => {
  it("keeps the code of a {code, message} object sent by a Rust command", () => {
    const error = toBackendError({ code: "data_dir_unavailable", message: "no home folder" });
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe("data_dir_unavailable");
    expect(error.message).toBe("no home folder");
  });

  it("keeps codes it has no sentence for, and maps plain strings to 'unknown'", () => {
    expect(toBackendError({ code: "brand_new", message: "m" }).code).toBe("brand_new");
    expect(toBackendError({ code: "Not A Code", message: "m" }).code).toBe("unknown");
    // Tauri rejects with a bare string when a command is missing or its arguments are wrong.
    const error = toBackendError("command app_info not found");
    expect(error.code).toBe("unknown");
    expect(error.message).toBe("command app_info not found");
  });
});

describe("webBackend", () => {
  it("reports the package version and no data folder", async () => {
    await expect(webBackend.appInfo()).resolves.toEqual({
      version: "0.1.0",
      dataDir: null,
      defaultServer: null,
    });
  });
});
