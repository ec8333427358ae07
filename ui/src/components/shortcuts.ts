/**
 * The keyboard: the screen-wide shortcuts (listened for on the document while the screen is
 * up) and the help overlay that lists them.
 */
import { button, el } from "../dom";
import type { MessageKey } from "../i18n";
import type { Context } from "./context";

/** What the shortcuts do; the screen supplies it. */
export interface ShortcutActions {
  /** Opens the chat `delta` rows below (or above) the open one. */
  step(delta: number): void;
  focusSearch(): void;
  take(): void;
  resolve(): void;
}

export const SHORTCUTS: [string, MessageKey][] = [
  ["Alt + ↓", "help.next"],
  ["Alt + ↑", "help.previous"],
  ["Ctrl + K", "help.search"],
  ["Ctrl + Shift + T", "help.take"],
  ["Ctrl + Shift + R", "help.resolve"],
  ["Enter", "help.send"],
  ["Shift + Enter", "help.newline"],
  ["/", "help.templates"],
  ["F1 · ?", "help.help"],
  ["Esc", "help.close"],
];

/** True while the agent types in a field, where `?` is a character, not a shortcut. */
const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

export class Shortcuts {
  constructor(
    private readonly ctx: Context,
    private readonly actions: ShortcutActions,
  ) {
    document.addEventListener("keydown", this.onKey);
  }

  showHelp = (): void => {
    const { t, dialogs } = this.ctx;
    const closeHelp = button(t("info.close"), "help-close", { class: "primary" });
    closeHelp.addEventListener("click", dialogs.hide);
    dialogs.show(
      el(
        "div",
        { class: "dialog help-overlay", role: "dialog", "data-testid": "help-overlay" },
        el("h3", {}, t("help.title")),
        el(
          "table",
          { class: "shortcuts" },
          ...SHORTCUTS.map(([keys, what]) =>
            el("tr", { "data-testid": "shortcut" }, el("td", {}, el("kbd", {}, keys)), el("td", {}, t(what))),
          ),
        ),
        el("div", { class: "dialog-bar" }, closeHelp),
      ),
    );
    closeHelp.focus();
  };

  dispose(): void {
    document.removeEventListener("keydown", this.onKey);
  }

  private readonly onKey = (e: KeyboardEvent): void => {
    const { dialogs } = this.ctx;
    const a = this.actions;
    if (e.key === "Escape" && dialogs.open) dialogs.hide();
    else if (e.key === "F1" || (e.key === "?" && !typing(e.target) && !e.ctrlKey && !e.metaKey)) this.showHelp();
    else if (e.altKey && e.key === "ArrowDown") a.step(1);
    else if (e.altKey && e.key === "ArrowUp") a.step(-1);
    else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") a.focusSearch();
    else if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "t") a.take();
    else if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "r") a.resolve();
    else return;
    e.preventDefault();
  };
}
