/**
 * WhatsApp message templates: the approved templates of a channel, searched and filtered by
 * language (the customer's pre-selected), then the chosen one's variables in a small form with
 * a live preview of what the customer will read, and Send. Once the 24-hour window has closed a
 * template is the only thing WhatsApp delivers; while it is open, a formal opening.
 *
 * `TemplateForm` is the part both places use: the composer's dialog (`templateDialog`, a chat's
 * template) and the start-a-chat dialog (`start-chat.ts`, a chat's first message). What the
 * server or Meta refuse is shown in words; nothing is shown as sent before the server took it.
 */
import type { Conversation, TemplateChoice, TemplateParameter, WhatsAppTemplate } from "../api";
import { toBackendError } from "../backend";
import { button, el } from "../dom";
import { describeError } from "../errors";
import type { MessageKey } from "../i18n";
import { conversationLanguage, pickLanguage } from "../format";
import type { Context } from "./context";

/** `{{1}}`, `{{ customer_name }}`: a template's variables as Meta writes them. */
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The language a template was last sent in, by customer (contact id or number), this run. */
const lastLanguage = new Map<string, string>();

/** Who a chat's or a start's customer is, for `lastLanguage`. */
export function customerKey(c: Pick<Conversation, "contact">): string | null {
  return c.contact.id ?? c.contact.identity?.value ?? null;
}

export function rememberLanguage(customer: string | null, language: string): void {
  if (customer) lastLanguage.set(customer, language);
}

export function rememberedLanguage(customer: string | null): string | null {
  return customer ? (lastLanguage.get(customer) ?? null) : null;
}

/** A new `client_id` (UUID v4) for a send the server recognises when it is tried again. */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A piece of a rendered text: literal text, or a variable with its value (empty: not filled). */
export type Piece = { text: string } | { variable: string; value: string };

/** A component's text (`body`, `header`) cut into text and its variables' values. */
export function renderPieces(text: string, part: string, values: Record<string, string>): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const match of text.matchAll(VARIABLE)) {
    const index = match.index ?? 0;
    if (index > at) pieces.push({ text: text.slice(at, index) });
    const name = match[1] ?? "";
    pieces.push({ variable: name, value: (values[`${part}.${name}`] ?? "").trim() });
    at = index + match[0].length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at) });
  return pieces;
}

/** The text the customer will read, as the server renders it (header, body, footer). */
export function renderTemplate(template: WhatsAppTemplate, values: Record<string, string>): string {
  const text = (source: string, part: string) =>
    renderPieces(source, part, values)
      .map((p) => ("text" in p ? p.text : p.value || `{{${p.variable}}}`))
      .join("");
  return [
    template.header ? text(template.header, "header") : null,
    text(template.body, "body"),
    template.footer ?? null,
  ]
    .filter((part): part is string => part !== null)
    .join("\n\n");
}

/** Lower case without accents, for searching as people type. */
function folded(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase();
}

/** Templates whose name or body holds `query`, in `language` (`""`: any). */
export function filterTemplates(templates: WhatsAppTemplate[], query: string, language: string): WhatsAppTemplate[] {
  const wanted = folded(query.trim());
  return templates.filter(
    (tpl) =>
      (!language || tpl.language === language) &&
      (!wanted || folded(`${tpl.name} ${tpl.header ?? ""} ${tpl.body}`).includes(wanted)),
  );
}

/** "Brazilian Portuguese (pt_BR)" in the agent's language, or the code alone. */
function languageName(code: string, locale: string): string {
  try {
    const name = new Intl.DisplayNames([locale], { type: "language" }).of(code.replace(/_/g, "-"));
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

export interface TemplateFormOptions {
  channelId: string;
  /** Languages to pre-select, most wanted first (the first the templates have wins); `null`s
   * are skipped. None of them: every language. */
  languages: (string | null)[];
  /** Sends the filled template; a rejection is shown in the form, in words. */
  send(choice: TemplateChoice): Promise<void>;
}

/** The template list, its filters, and the chosen template's variables and preview. */
export class TemplateForm {
  readonly element: HTMLDivElement;
  private readonly search: HTMLInputElement;
  private readonly language: HTMLSelectElement;
  private readonly list: HTMLUListElement;
  private readonly choosing: HTMLDivElement;
  private readonly filling: HTMLDivElement;
  private readonly error: HTMLParagraphElement;
  private readonly sendButton: HTMLButtonElement;
  private templates: WhatsAppTemplate[] = [];
  private chosen: WhatsAppTemplate | null = null;
  private inputs = new Map<string, HTMLInputElement>();
  private busy = false;

  constructor(
    private readonly ctx: Context,
    private readonly options: TemplateFormOptions,
  ) {
    const { t } = ctx;
    const id = `wa-${Math.random().toString(36).slice(2, 8)}`;
    this.search = el("input", { type: "search", id: `${id}-search`, "data-testid": "wa-template-search" });
    this.language = el("select", { id: `${id}-language`, "data-testid": "wa-template-language" });
    this.list = el("ul", {
      class: "wa-template-list",
      "aria-label": t("waTemplates.list"),
      "data-testid": "wa-template-list",
    });
    this.list.append(el("li", { class: "muted" }, t("waTemplates.loading")));
    this.choosing = el(
      "div",
      { class: "wa-choose" },
      el(
        "div",
        { class: "wa-filters" },
        el(
          "div",
          { class: "wa-filter" },
          el("label", { class: "field-label", for: `${id}-search` }, t("waTemplates.search")),
          this.search,
        ),
        el(
          "div",
          { class: "wa-filter" },
          el("label", { class: "field-label", for: `${id}-language` }, t("waTemplates.language")),
          this.language,
        ),
      ),
      this.list,
    );
    this.filling = el("div", { class: "wa-fill", "data-testid": "wa-template-form" });
    this.filling.hidden = true;
    this.error = el("p", { class: "form-error", role: "alert", "data-testid": "wa-template-error" });
    this.error.hidden = true;
    this.sendButton = button(t("waTemplates.send"), "wa-template-send", { class: "primary" });
    this.sendButton.hidden = true;
    this.element = el("div", { class: "wa-templates" }, this.choosing, this.filling, this.error);

    this.search.addEventListener("input", () => this.draw());
    this.language.addEventListener("change", () => this.draw());
    this.sendButton.addEventListener("click", () => void ctx.track(this.submit()));
  }

  /** The Send button, for the dialog's bar. */
  get send(): HTMLButtonElement {
    return this.sendButton;
  }

  /** Fetches the channel's approved templates and draws them, the wanted language chosen. */
  async load(): Promise<void> {
    const { backend, t, locale } = this.ctx;
    try {
      this.templates = await backend.whatsappTemplates(this.options.channelId);
    } catch (thrown) {
      this.list.replaceChildren();
      this.say(describeError(toBackendError(thrown), t));
      return;
    }
    const languages = [...new Set(this.templates.map((tpl) => tpl.language))];
    this.language.replaceChildren(
      el("option", { value: "" }, t("waTemplates.allLanguages")),
      ...languages.map((code) => el("option", { value: code }, languageName(code, locale))),
    );
    this.language.value =
      this.options.languages.map((wanted) => pickLanguage(languages, wanted)).find((l) => l !== null) ?? "";
    this.draw();
  }

  focus(): void {
    if (this.chosen) (this.inputs.values().next().value ?? this.sendButton).focus();
    else this.search.focus();
  }

  /** Draws the templates the search and the language keep. */
  private draw(): void {
    const { t } = this.ctx;
    if (this.templates.length === 0) {
      this.list.replaceChildren(el("li", { class: "muted", "data-testid": "wa-template-none" }, t("waTemplates.none")));
      return;
    }
    const shown = filterTemplates(this.templates, this.search.value, this.language.value);
    if (shown.length === 0) {
      this.list.replaceChildren(el("li", { class: "muted" }, t("waTemplates.noMatch")));
      return;
    }
    this.list.replaceChildren(
      ...shown.map((tpl) => {
        const choose = el(
          "button",
          {
            type: "button",
            class: "wa-template",
            "data-testid": "wa-template",
            "data-name": tpl.name,
            "data-language": tpl.language,
          },
          el("strong", {}, tpl.name),
          el("span", { class: "template-meta" }, `${this.category(tpl.category)} · ${tpl.language}`),
          el("span", { class: "wa-template-body" }, tpl.body),
        );
        choose.addEventListener("click", () => this.choose(tpl));
        return el("li", {}, choose);
      }),
    );
  }

  private category(category: string): string {
    const key = `waTemplates.category.${category.toLowerCase()}`;
    const known = ["utility", "marketing", "authentication"].includes(category.toLowerCase());
    return known ? this.ctx.t(key as MessageKey) : category;
  }

  /** The variables' form and preview of `tpl`. */
  private choose(tpl: WhatsAppTemplate): void {
    const { t } = this.ctx;
    this.chosen = tpl;
    this.inputs = new Map();
    this.say(null);
    const back = button(t("waTemplates.back"), "wa-template-back", { class: "link" });
    back.addEventListener("click", () => this.unchoose());
    const preview = el("div", { class: "wa-preview", "data-testid": "wa-template-preview" });
    const fields = tpl.parameters.map((parameter) => this.field(parameter, () => this.preview(preview)));
    this.filling.replaceChildren(
      el(
        "div",
        { class: "wa-chosen" },
        el("strong", { "data-testid": "wa-template-chosen" }, tpl.name),
        el("span", { class: "template-meta" }, `${this.category(tpl.category)} · ${tpl.language}`),
        back,
      ),
      fields.length
        ? el("fieldset", { class: "wa-variables" }, el("legend", {}, t("waTemplates.variables")), ...fields)
        : el("p", { class: "muted" }, t("waTemplates.noVariables")),
      el("h4", { class: "wa-preview-title" }, t("waTemplates.preview")),
      preview,
    );
    this.preview(preview);
    this.choosing.hidden = true;
    this.filling.hidden = false;
    this.sendButton.hidden = false;
    this.focus();
  }

  private unchoose(): void {
    this.chosen = null;
    this.say(null);
    this.filling.hidden = true;
    this.filling.replaceChildren();
    this.sendButton.hidden = true;
    this.choosing.hidden = false;
    this.search.focus();
  }

  /** "Body {{1}}", "Header {{1}}", "Body {{customer_name}}". */
  private label(key: string): string {
    const [part = "", ...rest] = key.split(".");
    const name = rest.join(".");
    const known = part === "header" || part === "body";
    return `${known ? this.ctx.t(`waTemplates.part.${part}` as MessageKey) : part} {{${name}}}`;
  }

  private field(parameter: TemplateParameter, changed: () => void): HTMLElement {
    const id = `wa-var-${parameter.key.replace(/[^\w-]/g, "_")}`;
    const input = el("input", {
      type: "text",
      id,
      placeholder: parameter.example ?? "",
      "data-testid": "wa-template-variable",
      "data-key": parameter.key,
    });
    input.addEventListener("input", () => {
      input.removeAttribute("aria-invalid");
      changed();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.isComposing) {
        e.preventDefault();
        void this.ctx.track(this.submit());
      }
    });
    this.inputs.set(parameter.key, input);
    return el("div", { class: "wa-variable" }, el("label", { class: "field-label", for: id }, this.label(parameter.key)), input);
  }

  private values(): Record<string, string> {
    return Object.fromEntries([...this.inputs].map(([key, input]) => [key, input.value.trim()]));
  }

  /** What the customer will read, the values typed so far in place of the variables. */
  private preview(into: HTMLElement): void {
    const tpl = this.chosen;
    if (!tpl) return;
    const values = this.values();
    const paragraph = (text: string, part: string, cls: string) =>
      el(
        "p",
        { class: `wa-line ${cls}` },
        ...renderPieces(text, part, values).map((p) =>
          "text" in p ? p.text : p.value ? el("span", { class: "wa-value" }, p.value) : el("mark", {}, `{{${p.variable}}}`),
        ),
      );
    into.replaceChildren(
      tpl.header ? paragraph(tpl.header, "header", "wa-preview-header") : "",
      paragraph(tpl.body, "body", "wa-preview-body"),
      tpl.footer ? el("p", { class: "wa-line wa-preview-footer" }, tpl.footer) : "",
      tpl.buttons.length
        ? el("p", { class: "wa-line wa-preview-buttons" }, this.ctx.t("waTemplates.buttons", { labels: tpl.buttons.join(" · ") }))
        : "",
    );
  }

  private say(text: string | null): void {
    this.error.textContent = text ?? "";
    this.error.hidden = text === null;
  }

  private async submit(): Promise<void> {
    const { t } = this.ctx;
    const tpl = this.chosen;
    if (!tpl || this.busy) return;
    const values = this.values();
    const missing = tpl.parameters.filter((p) => !values[p.key]);
    for (const p of missing) this.inputs.get(p.key)?.setAttribute("aria-invalid", "true");
    if (missing.length > 0) {
      this.say(t("waTemplates.missing", { names: missing.map((p) => this.label(p.key)).join(", ") }));
      this.inputs.get(missing[0]?.key ?? "")?.focus();
      return;
    }
    this.busy = true;
    this.sendButton.disabled = true;
    this.sendButton.textContent = t("waTemplates.sending");
    this.say(null);
    try {
      await this.options.send({ name: tpl.name, language: tpl.language, parameters: values });
    } catch (thrown) {
      this.say(describeError(toBackendError(thrown), t));
    } finally {
      this.busy = false;
      this.sendButton.disabled = false;
      this.sendButton.textContent = t("waTemplates.send");
    }
  }
}

/**
 * Sends the same `client_id` while the agent tries the same template and values again (a lost
 * answer is then not sent twice), and a new one once they change.
 */
export class ClientIds {
  private last: { key: string; id: string } | null = null;

  for(what: unknown): string {
    const key = JSON.stringify(what);
    if (this.last?.key !== key) this.last = { key, id: newClientId() };
    return this.last.id;
  }
}

/** The composer's dialog: a template for the open WhatsApp chat `c`; `sent` runs once the
 * server has taken it. */
export function templateDialog(ctx: Context, c: Conversation, sent: () => Promise<void>): void {
  const { backend, t, track, dialogs } = ctx;
  const customer = customerKey(c);
  const ids = new ClientIds();
  const form = new TemplateForm(ctx, {
    channelId: c.channel_id,
    languages: [rememberedLanguage(customer), conversationLanguage(c), ctx.locale],
    send: async (choice) => {
      await backend.sendWhatsAppTemplate(c.id, ids.for(choice), choice);
      rememberLanguage(customer, choice.language);
      // No "sent" toast: the chat shows the message with its status, Meta's refusal included.
      dialogs.hide();
      await sent();
    },
  });
  const cancel = button(t("chat.cancel"), "wa-template-cancel");
  cancel.addEventListener("click", dialogs.hide);
  const heading = `wa-dialog-${c.id}`;
  dialogs.show(
    el(
      "div",
      {
        class: "dialog wa-dialog",
        role: "dialog",
        "aria-labelledby": heading,
        "data-testid": "wa-template-dialog",
      },
      el("h3", { id: heading }, t("waTemplates.title")),
      form.element,
      el("div", { class: "dialog-bar" }, cancel, form.send),
    ),
  );
  form.focus();
  void track(form.load());
}
