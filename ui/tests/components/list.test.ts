import { describe, expect, it } from "vitest";
import type { Conversation, View } from "../../src/api";
import { ConversationList } from "../../src/components/list";
import { conversation, FakeBackend } from "../fake-backend";
import { all, one, watchChildren } from "../query";
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

/** Every node drawn inside a row, to tell a row left alone from one drawn again. */
function drawn(row: HTMLElement): Node[] {
  const nodes: Node[] = [];
  const walker = document.createTreeWalker(row);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  return nodes;
}

function same(before: Node[], after: Node[]): boolean {
  return before.length === after.length && before.every((node, i) => node === after[i]);
}

/** The rows added to and removed from the list (its own children), by conversation id, from
 * now until `done()`. */
function watchRows(list: HTMLElement) {
  const children = watchChildren(list);
  const ids = (nodes: Node[]) => nodes.map((n) => (n as HTMLElement).dataset?.conversationId ?? n.textContent);
  return {
    done() {
      const { added, removed } = children.done();
      return { added: ids(added), removed: ids(removed) };
    },
  };
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

  it("draws again only the row whose unread count changed, and leaves the rows where they are", async () => {
    // Given the list drawn
    const backend = world();
    const { h, list } = setup(backend);
    await list.load();
    const [wa, fb, team] = all(h.root, "conversation-item");
    const before = [wa!, fb!, team!].map(drawn);
    const rows = watchRows(one(h.root, "conversation-list"));
    // When a message arrives in one chat and the list loads again
    backend.conversationsById.set(FB, { ...backend.conversationsById.get(FB)!, unread: 3 });
    await list.load();
    // Then that row shows its new count, and nothing else in the list was touched
    expect(one(fb!, "unread-badge").textContent, "the changed row shows its new count").toBe("3");
    expect(same(before[1]!, drawn(fb!)), "the changed row was drawn again").toBe(false);
    expect(same(before[0]!, drawn(wa!)), "an unchanged row keeps the very nodes it had").toBe(true);
    expect(same(before[2]!, drawn(team!)), "an unchanged row keeps the very nodes it had").toBe(true);
    expect(rows.done(), "no row was taken out of the list or put back").toEqual({ added: [], removed: [] });
  });

  it("marks the open chat without drawing any row's contents again", async () => {
    const { h, list } = setup(world());
    await list.load();
    const items = all(h.root, "conversation-item");
    const before = items.map(drawn);
    const rows = watchRows(one(h.root, "conversation-list"));
    h.state.activeId = FB;
    list.render();
    expect(items.map((i) => i.classList.contains("active"))).toEqual([false, true, false]);
    expect(
      items.every((item, i) => same(before[i]!, drawn(item))),
      "the mark is the row's class; its contents stay",
    ).toBe(true);
    expect(rows.done()).toEqual({ added: [], removed: [] });
  });

  it("moves a chat that went to the top, without making its row or its contents again", async () => {
    // Given the list drawn
    const backend = world();
    const { h, list } = setup(backend);
    await list.load();
    const team = all(h.root, "conversation-item")[2]!;
    const before = drawn(team);
    const rows = watchRows(one(h.root, "conversation-list"));
    // When the internal chat becomes the newest
    const { [TEAM]: first, ...rest } = Object.fromEntries(backend.conversationsById);
    backend.conversationsById = new Map(Object.entries({ [TEAM]: first!, ...rest }));
    await list.load();
    // Then its row is moved to the top, once, with the nodes it had; the others stay put
    expect(all(h.root, "conversation-item").map((i) => i.dataset.conversationId)).toEqual([TEAM, WA, FB]);
    expect(all(h.root, "conversation-item")[0]).toBe(team);
    expect(same(before, drawn(team)), "the moved row keeps its contents").toBe(true);
    expect(rows.done(), "only the moved row left its place").toEqual({ added: [TEAM], removed: [TEAM] });
  });

  it("takes out the rows of chats that left the list, and says so when none are left", async () => {
    // Given the list drawn
    const backend = world();
    const { h, list } = setup(backend);
    await list.load();
    let rows = watchRows(one(h.root, "conversation-list"));
    // When one chat leaves it (resolved by another agent, say)
    backend.conversationsById.delete(FB);
    await list.load();
    // Then only its row is taken out
    expect(all(h.root, "conversation-item").map((i) => i.dataset.conversationId)).toEqual([WA, TEAM]);
    expect(rows.done(), "the other rows stay in the list").toEqual({ added: [], removed: [FB] });
    // When the last ones leave too
    rows = watchRows(one(h.root, "conversation-list"));
    backend.conversationsById.delete(WA);
    backend.conversationsById.delete(TEAM);
    await list.load();
    // Then the list says it is empty, and stops saying so when a chat arrives
    expect(all(h.root, "conversation-item")).toHaveLength(0);
    expect(h.root.querySelector(".conversation-list .empty")?.textContent).toBe("No conversations yet.");
    expect(rows.done()).toEqual({ added: ["No conversations yet."], removed: [WA, TEAM] });
    backend.conversationsById.set(FB, conversation(FB, "facebook", "João Pereira"));
    await list.load();
    expect(all(h.root, "conversation-item").map((i) => i.dataset.conversationId)).toEqual([FB]);
    expect(h.root.querySelector(".conversation-list .empty")).toBeNull();
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
