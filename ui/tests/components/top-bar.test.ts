import { describe, expect, it } from "vitest";
import type { Agent } from "../../src/api";
import { Search } from "../../src/components/search";
import { ConnectionBanner } from "../../src/components/status";
import { TopBar } from "../../src/components/top-bar";
import { BackendError } from "../../src/backend";
import { ME } from "../fake-backend";
import { one } from "../query";
import { harness, t } from "./harness";

describe("top bar", () => {
  function setup(me: Agent = ME) {
    const h = harness(undefined, me);
    const asked: string[] = [];
    const bar = new TopBar(h.context, h.state, new Search(h.context, { open: () => {}, startChat: () => {} }), {
      help: () => asked.push("help"),
      settings: () => asked.push("settings"),
      administration: () => asked.push("administration"),
      logout: () => asked.push("logout"),
      presenceChanged: (agent: Agent) => {
        asked.push(`presence ${agent.presence}`);
        h.state.me = agent;
      },
    });
    h.mount(bar.element);
    return { h, bar, asked };
  }

  it("shows who is signed in and reports the buttons", () => {
    const { h, asked } = setup();
    expect(h.root.querySelector(".me")?.textContent).toBe(`${ME.name} · ${ME.extension}`);
    one(h.root, "help-open").click();
    one(h.root, "settings-open").click();
    one(h.root, "logout").click();
    expect(asked).toEqual(["help", "settings", "logout"]);
    expect(h.root.querySelector('[data-testid="admin-open"]'), "agents see no administration").toBeNull();
  });

  it("offers the administration to system owners only", () => {
    const { h, asked } = setup({ ...ME, role: "system_owner" });
    one(h.root, "admin-open").click();
    expect(asked).toEqual(["administration"]);
  });

  it("sets presence through the backend, and puts it back when that fails", async () => {
    const { h, bar, asked } = setup();
    const presence = one<HTMLSelectElement>(h.root, "presence-select");
    expect(presence.value).toBe("available");
    presence.value = "dnd";
    presence.dispatchEvent(new Event("change"));
    await h.settled();
    expect(asked).toEqual(["presence dnd"]);

    h.backend.setPresence = () => Promise.reject(new BackendError("offline", "no connection"));
    presence.value = "away";
    presence.dispatchEvent(new Event("change"));
    await h.settled();
    expect(presence.value).toBe("dnd");
    expect(one(h.root, "toast").hidden).toBe(false);

    bar.showPresence("away");
    expect(presence.value).toBe("away");
  });
});

describe("connection banner", () => {
  it("shows offline and connecting, hides online", () => {
    const banner = new ConnectionBanner(t);
    expect(banner.element.hidden).toBe(true);
    banner.set("offline");
    expect(banner.element.hidden).toBe(false);
    expect(banner.element.textContent).toContain("offline");
    banner.set("connecting");
    expect(banner.element.dataset.state).toBe("connecting");
    banner.set("online");
    expect(banner.element.hidden).toBe(true);
    expect(banner.changes).toBe(3);
  });
});
