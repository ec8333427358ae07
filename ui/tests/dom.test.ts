import { describe, expect, it } from "vitest";
import { el, placeChildren } from "../src/dom";

/** A list of `n` items named by their index, and its items. */
function list(n: number) {
  const items = Array.from({ length: n }, (_, i) => el("li", {}, String(i)));
  const parent = el("ul", {}, ...items);
  return { parent, items };
}

describe("placeChildren", () => {
  it("puts any wanted children in the wanted order, the old ones kept as the same nodes", () => {
    // Every order of a few kept, dropped and new children, against a fixed shown list
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let round = 0; round < 200; round++) {
      const { parent, items } = list(6);
      const pool = [...items, el("li", {}, "new a"), el("li", {}, "new b")];
      const wanted = pool.filter(() => random(3) > 0);
      for (let i = wanted.length - 1; i > 0; i--) {
        const j = random(i + 1);
        [wanted[i], wanted[j]] = [wanted[j]!, wanted[i]!];
      }
      placeChildren(parent, wanted);
      expect([...parent.childNodes].map((n) => n.textContent), `round ${round}`).toEqual(wanted.map((n) => n.textContent));
      expect([...parent.childNodes].every((node, i) => node === wanted[i]), `round ${round}: same nodes`).toBe(true);
    }
  });

  it("touches nothing when the children are already in place", () => {
    const { parent, items } = list(5);
    const records: MutationRecord[] = [];
    const observer = new MutationObserver((seen) => records.push(...seen));
    observer.observe(parent, { childList: true });
    placeChildren(parent, items);
    records.push(...observer.takeRecords());
    observer.disconnect();
    expect(records, "no child was taken out or put back").toEqual([]);
  });

  it("moves a child that went to the top once, and takes one out of the middle without moving the rest", () => {
    const { parent, items } = list(5);
    const records: MutationRecord[] = [];
    const observer = new MutationObserver((seen) => records.push(...seen));
    observer.observe(parent, { childList: true });
    // The last to the top, and the second one gone
    placeChildren(parent, [items[4]!, items[0]!, items[2]!, items[3]!]);
    records.push(...observer.takeRecords());
    observer.disconnect();
    expect([...parent.childNodes]).toEqual([items[4], items[0], items[2], items[3]]);
    const removed = records.flatMap((r) => [...r.removedNodes]);
    const added = records.flatMap((r) => [...r.addedNodes]);
    expect(removed, "the dropped child, and the moved one once").toEqual([items[1], items[4]]);
    expect(added, "the moved child, once").toEqual([items[4]]);
  });
});
