/**
 * A component under test gets the same context the main screen gives it (`createContext`), over
 * the fake backend, with the toast and the dialog overlay in the document so queries find them.
 */
import type { Agent } from "../../src/api";
import { createContext, type Context, type MainState } from "../../src/components/context";
import { translator } from "../../src/i18n";
import { FakeBackend, ME } from "../fake-backend";

export const t = translator("en");

export interface Harness {
  backend: FakeBackend;
  context: Context;
  state: MainState;
  /** Waits for the work the component recorded. */
  settled(): Promise<void>;
  /** The document's body, holding the toast, the overlay and what `mount` adds. */
  root: HTMLElement;
  mount(...elements: HTMLElement[]): void;
}

export function harness(backend: FakeBackend = new FakeBackend([]), me: Agent = ME): Harness {
  document.body.replaceChildren();
  const { context, toast, settled } = createContext(backend, t, "en");
  document.body.append(toast.element, context.dialogs.element);
  return {
    backend,
    context,
    state: { me, view: "recent", activeId: null, active: null },
    settled,
    root: document.body,
    mount: (...elements) => document.body.append(...elements),
  };
}
