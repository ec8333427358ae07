/**
 * The reply box and its bar: the reply-window note, staged files, the `/` template picker, the
 * SMS segment count, Attach, Templates and Send. Enter sends, Shift+Enter keeps a newline; a
 * reply that cannot be queued comes back into the box with its files.
 */
import type { Agent, Conversation, Template } from "../api";
import { button, el } from "../dom";
import { smsSegments, windowLeft } from "../format";
import { paperclipIcon } from "../icons";
import type { Context, MainState } from "./context";
import { StagedFiles } from "./staged-files";
import { TemplatePicker } from "./template-picker";

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

export class Composer {
  readonly element: HTMLDivElement;
  readonly staged: StagedFiles;
  private readonly picker: TemplatePicker;
  private readonly windowNote: HTMLParagraphElement;
  private readonly reply: HTMLTextAreaElement;
  private readonly segments: HTMLSpanElement;

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
      "data-testid": "reply-box",
    });
    this.segments = el("span", { class: "segments", "data-testid": "sms-segments" });
    const templatesToggle = button(t("chat.templates"), "templates-toggle", { class: "ghost" });
    const attachButton = button(t("attach.button"), "attach-button", { class: "ghost attach", title: t("attach.title") });
    attachButton.prepend(paperclipIcon());
    const sendButton = button(t("chat.send"), "send-button", { class: "primary" });
    this.staged = new StagedFiles(ctx);
    this.picker = new TemplatePicker(ctx, {
      choose: (tpl) => this.use(tpl),
      language: (languages) => events.templateLanguage(languages),
    });
    this.element = el(
      "div",
      { class: "composer" },
      this.windowNote,
      this.staged.element,
      el("div", { class: "reply-wrap" }, this.picker.element, this.reply),
      el("div", { class: "composer-bar" }, attachButton, templatesToggle, this.segments, sendButton),
    );

    this.reply.addEventListener("blur", () => window.setTimeout(() => this.picker.close(), 150));
    templatesToggle.addEventListener("click", () => events.toggleTemplates());
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

  /** Draws what depends on the chat: the reply window and the SMS segments. */
  show(c: Conversation): void {
    const { t } = this.ctx;
    const note = this.windowNote;
    const left = c.reply_window_ends_at ? windowLeft(c.reply_window_ends_at) : null;
    if (c.reply_window_ends_at === undefined || c.reply_window_ends_at === null) {
      note.hidden = !(c.channel === "whatsapp" || c.channel === "facebook");
      note.textContent = note.hidden ? "" : t("chat.windowClosed");
    } else {
      note.hidden = false;
      note.textContent = left ? t("chat.windowLeft", { time: left }) : t("chat.windowClosed");
    }
    note.classList.toggle("closed", !left);
    this.updateSegments();
  }

  /** Another chat opened: an empty box, no files, no picker. */
  reset(): void {
    this.reply.value = "";
    this.staged.clear();
    this.picker.close();
  }

  /** Puts a template in the box, variables filled, and the cursor at its end. */
  use(tpl: Template): void {
    const reply = this.reply;
    reply.value = fillVariables(tpl.body, this.state.active, this.state.me);
    this.picker.close();
    reply.focus();
    reply.setSelectionRange(reply.value.length, reply.value.length);
    this.updateSegments();
  }

  focus(): void {
    this.reply.focus();
  }

  private updateSegments(): void {
    const { t } = this.ctx;
    const n = this.state.active?.channel === "sms" ? smsSegments(this.reply.value) : 0;
    this.segments.textContent = n > 0 ? t("chat.segments", { count: n }) : "";
  }

  private async send(): Promise<void> {
    const id = this.state.activeId;
    if (!id) return;
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
