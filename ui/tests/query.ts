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
