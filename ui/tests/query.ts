/** Finding the UI's parts by `data-testid`, as the end-to-end suites do. */

export function all(root: ParentNode, id: string): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
}

export function one<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const found = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no element with data-testid="${id}"`);
  return found;
}

/** Long enough for the screen's debounced redraws (50 ms) to run. */
export const tick = () => new Promise((resolve) => setTimeout(resolve, 80));

/** What was added to and taken out of `parent` (its own children) from now until `done()`. */
export function watchChildren(parent: HTMLElement) {
  const records: MutationRecord[] = [];
  const observer = new MutationObserver((seen) => records.push(...seen));
  observer.observe(parent, { childList: true });
  return {
    done() {
      records.push(...observer.takeRecords());
      observer.disconnect();
      return {
        added: records.flatMap((r) => [...r.addedNodes]),
        removed: records.flatMap((r) => [...r.removedNodes]),
      };
    },
  };
}
