/**
 * `/` at the start of the reply: a quick picker of templates matching what follows, in the
 * customer's language (or any, when none match), chosen with the arrows and Enter or Tab.
 */
import type { Template } from "../api";
import { el } from "../dom";
import type { Context } from "./context";

export interface TemplatePickerEvents {
  choose(template: Template): void;
  /** The language to look in, out of those the templates have ("" for any). */
  language(languages: string[]): string;
}

export class TemplatePicker {
  readonly element: HTMLUListElement;
  private items: Template[] = [];
  private index = 0;
  /** Answers can overlap while typing: only the newest draws. */
  private seq = 0;

  constructor(
    private readonly ctx: Context,
    private readonly events: TemplatePickerEvents,
  ) {
    this.element = el("ul", { class: "template-picker", role: "listbox", "data-testid": "template-picker" });
    this.element.hidden = true;
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  close(): void {
    this.element.hidden = true;
    this.items = [];
  }

  /** Follows the reply box's text: opens on `/word`, closes otherwise. */
  async update(text: string): Promise<void> {
    const { backend } = this.ctx;
    const match = /^\/(\S*)$/.exec(text);
    if (!match) {
      this.close();
      return;
    }
    const seq = ++this.seq;
    const languages = await backend.templateLanguages();
    const language = this.events.language(languages);
    let found = await backend.templates({ query: match[1] || null, category: null, language: language || null });
    // Nothing in the customer's language: offer every language rather than nothing.
    if (found.length === 0 && language) {
      found = await backend.templates({ query: match[1] || null, category: null, language: null });
    }
    if (seq !== this.seq) return;
    this.items = found.slice(0, 8);
    this.index = 0;
    this.draw();
  }

  /** Keys the open picker takes; true when the key was used. */
  key(event: KeyboardEvent): boolean {
    const chosen = this.items[this.index];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (this.items.length === 0) return false;
      const delta = event.key === "ArrowDown" ? 1 : -1;
      this.index = (this.index + delta + this.items.length) % this.items.length;
      this.draw();
    } else if ((event.key === "Enter" || event.key === "Tab") && chosen) {
      this.events.choose(chosen);
    } else if (event.key === "Escape") {
      this.close();
    } else {
      return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  private draw(): void {
    const { t } = this.ctx;
    if (this.items.length === 0) {
      this.element.replaceChildren(el("li", { class: "empty" }, t("templates.empty")));
      this.element.hidden = false;
      return;
    }
    this.element.replaceChildren(
      ...this.items.map((tpl, i) => {
        const item = el(
          "li",
          {
            class: `picker-item${i === this.index ? " selected" : ""}`,
            role: "option",
            "aria-selected": i === this.index ? "true" : "false",
            "data-testid": "template-picker-item",
            "data-template-id": tpl.id,
          },
          el("strong", {}, tpl.name),
          el("span", { class: "muted" }, ` ${tpl.category} · ${tpl.language}`),
          el("p", { class: "muted" }, tpl.body),
        );
        item.addEventListener("mousedown", (e) => {
          e.preventDefault();
          this.events.choose(tpl);
        });
        return item;
      }),
      el("li", { class: "picker-hint muted" }, t("templates.pickerHint")),
    );
    this.element.hidden = false;
  }
}
