/**
 * The templates panel: search, category tabs (the categories of the chosen language's
 * templates), language (the customer's pre-selected until the agent picks one), and the list;
 * a click or Enter puts a template in the reply. Managers and owners also create, edit and
 * delete templates here; the server has the last word on rights.
 */
import type { Template } from "../api";
import { button, el } from "../dom";
import { conversationLanguage, pickLanguage } from "../format";
import type { Context, MainState } from "./context";

export interface TemplatesPanelEvents {
  use(template: Template): void;
}

export class TemplatesPanel {
  readonly element: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly tabs: HTMLDivElement;
  private readonly languageSelect: HTMLSelectElement;
  private readonly list: HTMLUListElement;
  private readonly newTemplate: HTMLButtonElement;
  private category: string | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly state: Readonly<MainState>,
    private readonly events: TemplatesPanelEvents,
  ) {
    const { t, track, fail } = ctx;
    this.search = el("input", {
      type: "search",
      placeholder: t("templates.search"),
      "aria-label": t("templates.search"),
      "data-testid": "template-search",
    });
    this.tabs = el("div", { class: "tabs", role: "tablist" });
    this.languageSelect = el("select", { "data-testid": "template-language", "aria-label": "Language" });
    this.list = el("ul", { class: "template-list" });
    this.newTemplate = button(`+ ${t("templates.new")}`, "template-new", { class: "ghost" });
    this.newTemplate.hidden = !this.canManage();
    this.element = el(
      "aside",
      { class: "templates-panel", "data-testid": "templates-panel" },
      el("div", { class: "panel-head" }, el("h3", {}, t("chat.templates")), this.newTemplate),
      this.search,
      this.tabs,
      this.languageSelect,
      this.list,
    );
    this.element.hidden = true;

    this.newTemplate.addEventListener("click", () => this.edit(null));
    this.search.addEventListener("input", () => void track(this.load().catch(fail)));
    this.languageSelect.addEventListener("change", () => {
      this.languageSelect.dataset.touched = "1";
      void track(this.load().catch(fail));
    });
  }

  get hidden(): boolean {
    return this.element.hidden;
  }

  set hidden(hidden: boolean) {
    this.element.hidden = hidden;
  }

  /** Each chat pre-selects its own customer's template language. */
  forgetLanguage(): void {
    delete this.languageSelect.dataset.touched;
  }

  /** The language the `/` picker looks in: the agent's pick here, else the preferred one. */
  pickerLanguage(languages: string[]): string {
    return this.languageSelect.dataset.touched ? this.languageSelect.value : this.preferredLanguage(languages);
  }

  async load(): Promise<void> {
    const { backend, t, locale, track, fail } = this.ctx;
    const languageSelect = this.languageSelect;
    const languages = await backend.templateLanguages();
    const chosen = languageSelect.value;
    languageSelect.replaceChildren(
      el("option", { value: "" }, t("templates.anyLanguage")),
      ...languages.map((l) => el("option", { value: l }, l)),
    );
    languageSelect.value = languageSelect.dataset.touched ? chosen : this.preferredLanguage(languages);
    const language = languageSelect.value || null;
    // The tabs are the categories of the chosen language's templates.
    const [inLanguage, templates] = await Promise.all([
      backend.templates({ query: null, category: null, language }),
      backend.templates({ query: this.search.value.trim() || null, category: this.category, language }),
    ]);
    const categories = [...new Set(inLanguage.map((tpl) => tpl.category))].sort(new Intl.Collator(locale).compare);
    if (this.category !== null && !categories.includes(this.category)) {
      this.category = null;
      return this.load();
    }
    const tabs = [null, ...categories].map((category) => {
      const tab = el(
        "button",
        {
          type: "button",
          role: "tab",
          class: `tab${category === this.category ? " selected" : ""}`,
          "aria-selected": category === this.category ? "true" : "false",
          "data-testid": "template-category",
          "data-category": category ?? "",
        },
        category ?? t("templates.all"),
      );
      tab.addEventListener("click", () => {
        this.category = category;
        void track(this.load().catch(fail));
      });
      return tab;
    });
    this.tabs.replaceChildren(...tabs);
    this.newTemplate.hidden = !this.canManage();
    const items = templates.map((tpl) => {
      const item = el(
        "li",
        { class: "template-item", tabindex: "0", "data-testid": "template-item", "data-template-id": tpl.id },
        el("strong", {}, tpl.name),
        el("span", { class: "template-meta" }, `${tpl.category} · ${tpl.language}`),
        el("p", {}, tpl.body),
      );
      item.addEventListener("click", () => this.events.use(tpl));
      item.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && e.target === item) this.events.use(tpl);
      });
      if (this.canManage()) {
        const edit = button(t("templates.edit"), "template-edit", { class: "link" });
        const remove = button(t("templates.delete"), "template-delete", { class: "link danger" });
        edit.addEventListener("click", (e) => {
          e.stopPropagation();
          this.edit(tpl);
        });
        remove.addEventListener("click", (e) => {
          e.stopPropagation();
          this.delete(tpl);
        });
        item.append(el("div", { class: "template-tools" }, edit, remove));
      }
      return item;
    });
    this.list.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, t("templates.empty"))]));
  }

  private canManage(): boolean {
    return this.state.me.role !== "agent";
  }

  /** The language to pre-select: the customer's where known, else the agent's. */
  private preferredLanguage(languages: string[]): string {
    const active = this.state.active;
    const customer = active ? conversationLanguage(active) : null;
    return pickLanguage(languages, customer) ?? pickLanguage(languages, this.ctx.locale) ?? "";
  }

  /** The create/edit form (managers and owners); the server has the last word on rights. */
  private edit(tpl: Template | null): void {
    const { backend, t, locale, track, fail, dialogs } = this.ctx;
    const field = (id: string, label: string, value: string, multiline = false) => {
      const input = multiline
        ? el("textarea", { id, rows: "5", "data-testid": id })
        : el("input", { type: "text", id, "data-testid": id });
      input.value = value;
      return { input, label: el("label", { class: "field-label", for: id }, label) };
    };
    const name = field("template-form-name", t("templates.name"), tpl?.name ?? "");
    const category = field("template-form-category", t("templates.category"), tpl?.category ?? this.category ?? "");
    const language = field(
      "template-form-language",
      t("templates.language"),
      tpl?.language ?? (this.languageSelect.value || (locale.startsWith("pt") ? "pt-BR" : "en")),
    );
    const body = field("template-form-body", t("templates.body"), tpl?.body ?? "", true);
    const save = button(t("templates.save"), "template-form-save", { class: "primary" });
    const cancel = button(t("chat.cancel"), "template-form-cancel");
    dialogs.show(
      el(
        "div",
        { class: "dialog template-form", role: "dialog", "data-testid": "template-form" },
        el("h3", {}, tpl ? t("templates.formEdit") : t("templates.formNew")),
        name.label,
        name.input,
        category.label,
        category.input,
        language.label,
        language.input,
        body.label,
        body.input,
        el("div", { class: "dialog-bar" }, cancel, save),
      ),
    );
    name.input.focus();
    cancel.addEventListener("click", dialogs.hide);
    save.addEventListener("click", () => {
      const input = {
        name: name.input.value.trim(),
        category: category.input.value.trim(),
        language: language.input.value.trim(),
        body: body.input.value,
      };
      if (!input.name || !input.category || !input.language || !input.body.trim()) {
        this.ctx.toast(t("templates.required"), true);
        return;
      }
      const saved = tpl ? backend.updateTemplate(tpl.id, input) : backend.createTemplate(input);
      void track(
        saved.then(() => {
          dialogs.hide();
          this.ctx.toast(t("templates.saved"));
          return this.load();
        }, fail),
      );
    });
  }

  private delete(tpl: Template): void {
    const { backend, t, track, fail, dialogs } = this.ctx;
    const confirm = button(t("templates.delete"), "template-delete-confirm", { class: "danger" });
    const cancel = button(t("chat.cancel"), "template-delete-cancel");
    dialogs.show(
      el(
        "div",
        { class: "dialog", role: "dialog", "data-testid": "template-delete-dialog" },
        el("p", {}, t("templates.deleteConfirm", { name: tpl.name })),
        el("div", { class: "dialog-bar" }, cancel, confirm),
      ),
    );
    cancel.addEventListener("click", dialogs.hide);
    confirm.addEventListener("click", () => {
      dialogs.hide();
      void track(
        backend.deleteTemplate(tpl.id).then(() => {
          this.ctx.toast(t("templates.deleted"));
          return this.load();
        }, fail),
      );
    });
  }
}
