/** The overlay that holds one modal dialog at a time; a click beside the dialog closes it. */
import { el } from "../dom";

export class Overlay {
  readonly element: HTMLDivElement = el("div", { class: "overlay" });

  constructor() {
    this.element.hidden = true;
    this.element.addEventListener("click", (e) => {
      if (e.target === this.element) this.hide();
    });
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  show = (dialog: HTMLElement): void => {
    this.element.replaceChildren(dialog);
    this.element.hidden = false;
  };

  hide = (): void => {
    this.element.hidden = true;
    this.element.replaceChildren();
  };
}
