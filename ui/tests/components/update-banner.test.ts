import { describe, expect, it } from "vitest";
import { BackendError } from "../../src/backend";
import { describeUpdate, UpdateBanner } from "../../src/components/update-banner";
import { FakeBackend } from "../fake-backend";
import { one } from "../query";
import { t } from "./harness";

function setup() {
  const backend = new FakeBackend([]);
  const banner = new UpdateBanner(backend, t);
  document.body.replaceChildren(banner.element);
  const visible = () => !banner.element.hidden;
  const text = () => one(document.body, "update-banner-text").textContent ?? "";
  return { backend, banner, visible, text };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("update banner", () => {
  it("stays quiet while checking, up to date, off or failing to reach the server", () => {
    const { banner, visible } = setup();
    for (const status of [
      { state: "idle" },
      { state: "checking" },
      { state: "up_to_date" },
      { state: "downloading", version: "1.1.0" },
      { state: "off", reason: "no_key" },
      { state: "failed", message: "unreachable" },
    ] as const) {
      banner.show(status);
      expect(visible(), status.state).toBe(false);
    }
  });

  it("offers a restart when an update is ready, and Later hides it for that version only", () => {
    const { banner, visible, text } = setup();
    banner.show({ state: "ready", version: "1.1.0", notes: "Faster search." });
    expect(visible()).toBe(true);
    expect(text()).toBe(`${t("update.ready", { version: "1.1.0" })} Faster search.`);
    expect(one(document.body, "update-restart").hidden).toBe(false);
    one(document.body, "update-later").click();
    expect(visible()).toBe(false);
    banner.show({ state: "ready", version: "1.1.0", notes: null });
    expect(visible()).toBe(false);
    banner.show({ state: "ready", version: "1.2.0", notes: null });
    expect(visible()).toBe(true);
  });

  it("installs on Restart, and says why when the install fails", async () => {
    const { backend, banner, visible, text } = setup();
    backend.installError = new BackendError("update_failed", "Switchboard 1.1.0 could not be installed: refused.");
    banner.show({ state: "ready", version: "1.1.0", notes: null });
    one(document.body, "update-restart").click();
    expect(backend.calls).toContain("install-update");
    banner.show({ state: "installing", version: "1.1.0" });
    expect(visible()).toBe(true);
    expect(one(document.body, "update-later").hidden).toBe(true);
    await settle();
    expect(visible()).toBe(true);
    expect(text()).toContain("could not be installed");
    expect(one(document.body, "update-restart").hidden).toBe(true);
  });

  it("says a refused update was not installed", () => {
    const { banner, visible, text } = setup();
    banner.show({ state: "refused", version: "1.1.0", message: "signature mismatch" });
    expect(visible()).toBe(true);
    expect(text()).toBe(t("update.refused", { version: "1.1.0" }));
    expect(one(document.body, "update-later").textContent).toBe(t("notice.dismiss"));
  });

  it("has a sentence for every status", () => {
    for (const reason of ["no_key", "not_installed", "insecure_server"] as const) {
      expect(describeUpdate({ state: "off", reason }, t)).not.toContain("update.off");
    }
    expect(describeUpdate({ state: "up_to_date" }, t)).toBe(t("update.upToDate"));
  });
});
