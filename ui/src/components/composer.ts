/**
 * The reply box and its bar: the reply-window note, staged files, the `/` template picker, the
 * SMS segment count, Attach, Templates, WhatsApp templates and Send. Enter sends, Shift+Enter
 * keeps a newline; a reply that cannot be queued comes back into the box with its files.
 *
 * The provider's rule shows before the agent types: once a WhatsApp chat's 24-hour window has
 * closed the box gives way to a note and "Choose a template" (the only thing WhatsApp then
 * delivers); a closed Messenger window or an SMS customer who opted out disables the box, with
 * the note saying why.
 */
import type { Agent, Conversation, Template } from "../api";
import { button, el } from "../dom";
import { dateTime, smsSegments, windowLeft } from "../format";
import { paperclipIcon } from "../icons";
import type { Context, MainState } from "./context";
import { StagedFiles } from "./staged-files";
import { TemplatePicker } from "./template-picker";
import { templateDialog } from "./whatsapp-templates";

export interface ComposerEvents {
  toggleTemplates(): void;
  /** A reply was queued; the screen reloads the chat (a failure puts the reply back). */
  sent(): Promise<void>;
  /** The language the `/` picker looks in, out of those the templates have. */
  templateLanguage(languages: string[]): string;
}

/** Variables the UI can fill itself; the rest stay for the agent to edit. */
export function fillVariables(body: string, conversation: Conversation | null, me: Agent): string {
  const contact = conversation?.contact.display_name ?? "";
  const values: Record<string, string> = {
    "contact.name": contact,
    "contact.first_name": contact.split(/\s+/)[0] ?? "",
    "agent.name": me.name,
    "agent.extension": me.extension,
  };
  return body.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => values[name] || whole);
}

/** What the channel's rules let the agent write now. */
export type Writing =
  /** Free text (and files). */
  | "open"
  /** WhatsApp after the window: approved templates only. */
  | "templates_only"
  /** Nothing: a closed Messenger window, an SMS number that opted out. */
  | "closed";

/** What may be written in `c` at `now`, by the provider's rules as the server reports them. */
export function writing(c: Conversation, now = new Date()): Writing {
  if (c.channel === "sms" && c.opted_out_at) return "closed";
  if (c.channel !== "whatsapp" && c.channel !== "facebook") return "open";
  const open = c.reply_window_ends_at ? windowLeft(c.reply_window_ends_at, now) !== null : false;
  if (open) return "open";
  return c.channel === "whatsapp" ? "templates_only" : "closed";
}

export class Composer {
  readonly element: HTMLDivElement;
  readonly staged: StagedFiles;
  private readonly picker: TemplatePicker;
  private readonly windowNote: HTMLParagraphElement;
  private readonly reply: HTMLTextAreaElement;
  private readonly segments: HTMLSpanElement;
  /** The box and its bar: hidden while only a template may go out. */
  private readonly writingArea: HTMLDivElement;
  /** "Choose a template", shown instead of the box after WhatsApp's window. */
  private readonly templatesOnly: HTMLDivElement;
  private readonly waTemplates: HTMLButtonElement;
  private readonly controls: HTMLButtonElement[];
  /** The chat last drawn, to redraw the countdown (and the window's end) as time passes. */
  private shown: Conversation | null = null;
  private timer: number | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly state: Readonly<MainState>,
    private readonly events: ComposerEvents,
  ) {
    const { t, track, fail } = ctx;
    this.windowNote = el("p", { class: "window-note", "data-testid": "reply-window" });
    this.reply = el("textarea", {
      class: "reply-box",
      rows: "2",
      placeholder: t("chat.replyPlaceholder"),
      "aria-label": t("chat.replyPlaceholder"),
      "data-testid": "reply-box",
    });
    this.segments = el("span", { class: "segments", "data-testid": "sms-segments" });
    const templatesToggle = button(t("chat.templates"), "templates-toggle", { class: "ghost" });
    this.waTemplates = button(t("chat.waTemplates"), "wa-templates-open", { class: "ghost" });
    const attachButton = button(t("attach.button"), "attach-button", { class: "ghost attach", title: t("attach.title") });
    attachButton.prepend(paperclipIcon());
    const sendButton = button(t("chat.send"), "send-button", { class: "primary" });
    this.controls = [attachButton, templatesToggle, sendButton];
    const chooseTemplate = button(t("chat.chooseTemplate"), "wa-template-choose", { class: "primary" });
    this.templatesOnly = el("div", { class: "composer-bar templates-only" }, chooseTemplate);
    this.templatesOnly.hidden = true;
    this.staged = new StagedFiles(ctx);
    this.picker = new TemplatePicker(ctx, {
      choose: (tpl) => this.use(tpl),
      language: (languages) => events.templateLanguage(languages),
    });
    this.writingArea = el(
      "div",
      { class: "writing" },
      this.staged.element,
      el("div", { class: "reply-wrap" }, this.picker.element, this.reply),
      el(
        "div",
        { class: "composer-bar" },
        attachButton,
        templatesToggle,
        this.waTemplates,
        this.segments,
        sendButton,
      ),
    );
    this.element = el("div", { class: "composer" }, this.windowNote, this.templatesOnly, this.writingArea);

    this.reply.addEventListener("blur", () => window.setTimeout(() => this.picker.close(), 150));
    templatesToggle.addEventListener("click", () => events.toggleTemplates());
    this.waTemplates.addEventListener("click", () => this.openTemplates());
    chooseTemplate.addEventListener("click", () => this.openTemplates());
    attachButton.addEventListener("click", () => {
      void track(this.staged.pick().catch(fail));
    });
    this.reply.addEventListener("keydown", (event) => {
      if (this.picker.open && this.picker.key(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void track(this.send());
      }
    });
    this.reply.addEventListener("input", () => {
      this.updateSegments();
      void track(this.picker.update(this.reply.value).catch(fail));
    });
    sendButton.addEventListener("click", () => void track(this.send()));
  }

  /** Draws what depends on the chat: the channel's rule of the moment, the SMS segments. */
  show(c: Conversation): void {
    const { t, locale } = this.ctx;
    this.shown = c;
    const note = this.windowNote;
    const now = new Date();
    const may = writing(c, now);
    const left = c.reply_window_ends_at ? windowLeft(c.reply_window_ends_at, now) : null;
    if (c.channel === "sms" && c.opted_out_at) {
      note.textContent = t("chat.optedOut", { time: dateTime(c.opted_out_at, locale) });
    } else if (c.channel !== "whatsapp" && c.channel !== "facebook") {
      note.textContent = "";
    } else if (left) {
      note.textContent = t("chat.windowLeft", { time: left });
    } else if (c.channel === "facebook") {
      note.textContent = t("chat.messengerClosed");
    } else {
      // The server closes a chat the agent started at its start (`created_at`), as the customer
      // has not written; a customer's late message can close a window before then too.
      const ends = c.reply_window_ends_at;
      const wrote = !!ends && Date.parse(ends) !== Date.parse(c.created_at);
      note.textContent = wrote ? t("chat.waClosedAt", { time: dateTime(ends, locale) }) : t("chat.waClosed");
    }
    note.hidden = note.textContent === "";
    note.classList.toggle("closed", may !== "open");
    this.templatesOnly.hidden = may !== "templates_only";
    this.writingArea.hidden = may === "templates_only";
    this.waTemplates.hidden = c.channel !== "whatsapp";
    this.reply.disabled = may !== "open";
    for (const control of this.controls) control.disabled = may !== "open";
    if (may !== "open") this.picker.close();
    this.updateSegments();
    this.tickLater(c, now);
  }

  /** Another chat opened: an empty box, no files, no picker. */
  reset(): void {
    this.reply.value = "";
    this.staged.clear();
    this.picker.close();
    this.shown = null;
    this.stopTicking();
  }

  /** Puts a template in the box, variables filled, and the cursor at its end. */
  use(tpl: Template): void {
    const reply = this.reply;
    if (reply.disabled) return;
    reply.value = fillVariables(tpl.body, this.state.active, this.state.me);
    this.picker.close();
    reply.focus();
    reply.setSelectionRange(reply.value.length, reply.value.length);
    this.updateSegments();
  }

  /** Free text (and files) may be written now. */
  get writable(): boolean {
    return !this.writingArea.hidden && !this.reply.disabled;
  }

  focus(): void {
    if (this.writable) this.reply.focus();
  }

  /** The WhatsApp template dialog for the open chat. */
  private openTemplates(): void {
    const c = this.state.active;
    if (c?.channel !== "whatsapp") return;
    templateDialog(this.ctx, c, () => this.events.sent());
  }

  /** The countdown moves on by the minute, and the window closes on time, without a reload. */
  private tickLater(c: Conversation, now: Date): void {
    this.stopTicking();
    if (!c.reply_window_ends_at) return;
    const ms = new Date(c.reply_window_ends_at).getTime() - now.getTime();
    if (ms <= 0) return;
    this.timer = window.setTimeout(
      () => {
        this.timer = null;
        if (this.shown === c) this.show(c);
      },
      Math.min(ms + 50, 60_000),
    );
  }

  private stopTicking(): void {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
  }

  private updateSegments(): void {
    const { t } = this.ctx;
    const n = this.state.active?.channel === "sms" ? smsSegments(this.reply.value) : 0;
    this.segments.textContent = n > 0 ? t("chat.segments", { count: n }) : "";
  }

  private async send(): Promise<void> {
    const id = this.state.activeId;
    if (!id || this.reply.disabled) return;
    const body = this.reply.value;
    if (body.trim() === "" && this.staged.count === 0) return;
    this.reply.value = "";
    const files = this.staged.take();
    this.picker.close();
    this.updateSegments();
    try {
      await this.ctx.backend.send(
        id,
        body,
        files.map((f) => f.path),
      );
      await this.events.sent();
    } catch (thrown) {
      this.reply.value = body;
      this.staged.restore(files);
      this.ctx.fail(thrown);
    }
  }
}
