/**
 * What every component of the main screen is given: the backend, the words, and the screen's
 * shared ways to report (toast, dialogs) and to record work that tests wait for. The screen's
 * one state object (`MainState`) is owned by `screens/main.ts`; components only read it.
 */
import type { Agent, Backend, Conversation, View } from "../api";
import { toBackendError } from "../backend";
import { describeError } from "../errors";
import type { Translate } from "../i18n";
import { Overlay } from "./overlay";
import { Toast } from "./status";

/** The main screen's state: who is signed in, which list, which chat is open. */
export interface MainState {
  me: Agent;
  view: View;
  activeId: string | null;
  /** The open chat as last loaded (null until its first load). */
  active: Conversation | null;
}

export interface Context {
  backend: Backend;
  t: Translate;
  locale: string;
  /** Records a promise the screen's `settled()` waits for, and returns it. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Shows what went wrong as an error toast. */
  fail(thrown: unknown): void;
  toast(text: string, error?: boolean): void;
  /** The one modal dialog at a time. */
  dialogs: Overlay;
}

/** A context with its own toast and dialog overlay, and the `settled()` that waits for its work. */
export function createContext(
  backend: Backend,
  t: Translate,
  locale: string,
): { context: Context; toast: Toast; settled(): Promise<void> } {
  let pending: Promise<unknown> = Promise.resolve();
  const track = <T>(p: Promise<T>): Promise<T> => {
    // Settled to nothing: `allSettled`'s own value would hold the one before it, and so every
    // answer ever tracked for the life of the screen (hours of redraws).
    pending = Promise.allSettled([pending, p]).then(() => undefined);
    return p;
  };
  const toast = new Toast();
  const context: Context = {
    backend,
    t,
    locale,
    track,
    fail: (thrown) => toast.show(describeError(toBackendError(thrown), t), true),
    toast: (text, error = false) => toast.show(text, error),
    dialogs: new Overlay(),
  };
  return {
    context,
    toast,
    settled: async () => {
      let seen: Promise<unknown> | null = null;
      while (seen !== pending) {
        seen = pending;
        await pending;
      }
    },
  };
}
