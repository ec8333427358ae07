import { describe, expect, it } from "vitest";
import type { Conversation, View } from "../../src/api";
import { ConversationList } from "../../src/components/list";
import { conversation, FakeBackend } from "../fake-backend";
import { all, one } from "../query";
import { harness } from "./harness";

const WA = "00000000-0000-7000-8000-00000000000a";
const FB = "00000000-0000-7000-8000-00000000000b";
const TEAM = "00000000-0000-7000-8000-00000000000e";
const OLD = "00000000-0000-7000-8000-00000000000f";

function setup(backend: FakeBackend) {
  const h = harness(backend);
  const told: string[] = [];
  const loads: Conversation[][] = [];
  const list = new ConversationList(h.context, h.state, {
    open: (id) => told.push(`open ${id}`),
    viewChanged: (view: View) => {
      told.push(`view ${view}`);
      h.state.view = view;
      void h.context.track(list.load());
    },
    newInternal: () => told.push("new internal"),
    loaded: (conversations) => loads.push(conversations),
  });
  h.mount(list.element);
  return { h, list, told, loads };
}

describe("conversation list", () => {
  const world = () =>
    new FakeBackend([
      conversation(WA, "whatsapp", "Maria Oliveira", { owner: null, status: "queued", unread: 2 }),
      conversation(FB, "facebook", "João Pereira"),
      conversation(TEAM, "internal", "", { title: "Escala de dezembro" }),
      conversation(OLD, "whatsapp", "Arquivada", { archived: true, status: "resolved" }),
    ]);

  it("draws rows with channel, waiting queue, owner and unread badge", async () => {
    const { h, list } = setup(world());
    await list.load();
    const items = all(h.root, "conversation-item");
    expect(items.map((i) => i.dataset.channel)).toEqual(["whatsapp", "facebook", "internal"]);
    expect(items[0]!.classList.contains("waiting")).toBe(true);
    expect(items[0]!.textContent).toContain("Waiting in support");
    expect(one(items[0]!, "unread-badge").textContent).toBe("2");
    expect(items[1]!.textContent).toContain("You");
    expect(items[2]!.querySelector('[data-testid="channel-icon"]')).toBeNull();
    expect(items[2]!.textContent).toContain("Escala de dezembro");
  });

  it("reports a click or Enter on a row, and marks the open chat", async () => {
    const { h, list, told } = setup(world());
    await list.load();
    all(h.root, "conversation-item")[1]!.click();
    all(h.root, "conversation-item")[0]!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(told).toEqual([`open ${FB}`, `open ${WA}`]);
    h.state.activeId = FB;
    list.render();
    expect(h.root.querySelector(".conversation-item.active")?.getAttribute("data-conversation-id")).toBe(FB);
  });

  it("keeps each row's element across redraws, so a click in the middle of one still lands", async () => {
    const backend = world();
    const { h, list, told } = setup(backend);
    await list.load();
    const row = all(h.root, "conversation-item")[1]!;
    // A change arrives while the agent's button is down: the list redraws with new contents.
    backend.conversationsById.set(FB, { ...backend.conversationsById.get(FB)!, unread: 3 });
    await list.load();
    expect(all(h.root, "conversation-item")[1]).toBe(row);
    expect(one(row, "unread-badge").textContent).toBe("3");
    row.click();
    expect(told).toEqual([`open ${FB}`]);
  });

  it("switches to the archived view and says when a view is empty", async () => {
    const { h, list, told } = setup(world());
    await list.load();
    const viewSwitch = one<HTMLSelectElement>(h.root, "view-switch");
    viewSwitch.value = "archived";
    viewSwitch.dispatchEvent(new Event("change"));
    await h.settled();
    expect(told).toEqual(["view archived"]);
    expect(all(h.root, "conversation-item").map((i) => i.dataset.conversationId)).toEqual([OLD]);
    h.backend.conversationsById.delete(OLD);
    await list.load();
    expect(h.root.querySelector(".conversation-list .empty")?.textContent).toBe("No archived conversations.");
  });

  it("draws only the newest answer, and not one for a view no longer shown", async () => {
    const { h, list } = setup(world());
    const first = list.load();
    h.state.view = "archived";
    await first;
    expect(all(h.root, "conversation-item")).toHaveLength(0);
  });

  it("steps to the neighbouring chat, clamped to the list", async () => {
    const { h, list } = setup(world());
    expect(list.neighbour(1)).toBeNull();
    await list.load();
    h.state.activeId = WA;
    expect(list.neighbour(1)).toBe(FB);
    expect(list.neighbour(-1)).toBe(WA);
    h.state.activeId = TEAM;
    expect(list.neighbour(1)).toBe(TEAM);
  });

  it("loads a long list a page at a time as it is scrolled, and reports each load", async () => {
    const { h, list, loads } = setup(
      new FakeBackend(
        Array.from({ length: 90 }, (_, i) =>
          conversation(`00000000-0000-7000-8000-${String(1000 + i).padStart(12, "0")}`, "sms", `Cliente ${i}`),
        ),
      ),
    );
    await list.load();
    const shown = () => all(h.root, "conversation-item").length;
    expect(shown()).toBe(40);
    expect(loads[0]).toHaveLength(41);
    for (const expected of [80, 90, 90]) {
      one(h.root, "conversation-list").dispatchEvent(new Event("scroll"));
      await h.settled();
      expect(shown()).toBe(expected);
    }
  });

  it("reports the New internal chat button", () => {
    const { h, told } = setup(world());
    one(h.root, "new-internal-chat").click();
    expect(told).toEqual(["new internal"]);
  });
});
