/**
 * The overlay that holds one modal dialog at a time; a click beside the dialog closes it.
 * Keyboard use stays inside the dialog while it is open (Tab and Shift+Tab wrap around its
 * controls), and closing it gives focus back to what had it before (the button that opened it).
 */
import { el } from "../dom";

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

export class Overlay {
  readonly element: HTMLDivElement = el("div", { class: "overlay" });
  /** What had the focus before the first dialog of this opening. */
  private returnTo: HTMLElement | null = null;

  constructor() {
    this.element.hidden = true;
    this.element.addEventListener("click", (e) => {
      if (e.target === this.element) this.hide();
    });
    this.element.addEventListener("keydown", (e) => {
      if (e.key === "Tab") this.wrapFocus(e);
    });
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  show = (dialog: HTMLElement): void => {
    if (!this.open) {
      const active = document.activeElement;
      this.returnTo = active instanceof HTMLElement && active !== document.body ? active : null;
    }
    if (dialog.getAttribute("role") === "dialog") dialog.setAttribute("aria-modal", "true");
    this.element.replaceChildren(dialog);
    this.element.hidden = false;
  };

  hide = (): void => {
    const wasOpen = this.open;
    this.element.hidden = true;
    this.element.replaceChildren();
    const returnTo = this.returnTo;
    this.returnTo = null;
    if (wasOpen && returnTo?.isConnected) returnTo.focus();
  };

  /** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
  private wrapFocus(e: KeyboardEvent): void {
    const controls = [...this.element.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (c) => !c.closest("[hidden]"),
    );
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (!first || !last) return;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !this.element.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !this.element.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }
}
