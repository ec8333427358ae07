/**
 * "Send SMS" and "Send WhatsApp" on a contact's number (the Info panel, the directory in the
 * search): the customer's open chat of that kind when this app has one, else a dialog that
 * starts a Switchboard chat (`POST /conversations`) — the channel if there are several, the
 * SMS text, or an approved WhatsApp template (a WhatsApp customer who has not written accepts
 * nothing else) — and opens it. The agent who starts it owns it.
 */
import type { ChannelSummary, Conversation, Identity, StartConversationRequest } from "../api";
import { toBackendError } from "../backend";
import { button, el } from "../dom";
import { describeError } from "../errors";
import { phoneLanguage, samePhone, smsSegments } from "../format";
import type { Context } from "./context";
import { ClientIds, rememberedLanguage, rememberLanguage, TemplateForm } from "./whatsapp-templates";

/** Who to write to, and how. */
export interface StartTarget {
  kind: "sms" | "whatsapp";
  /** The customer's number (E.164). */
  phone: string;
  /** How the agent knows them: the contact's name, else the number. */
  name: string;
  /** Their directory entry, if they have one, with its identities. */
  contactId?: string | null;
  identities?: Identity[];
}

/** The customer's chat of the target's kind that is still going on, if the cache has one. */
export function openChatWith(conversations: Conversation[], target: StartTarget): Conversation | null {
  return (
    conversations.find((c) => {
      if (c.channel !== target.kind || c.archived || c.status === "resolved") return false;
      if (target.contactId && c.contact.id === target.contactId) return true;
      const identity = c.contact.identity;
      return !!identity && identity.kind === target.kind && samePhone(identity.value, target.phone);
    }) ?? null
  );
}

/** The request's "to whom": the directory entry when there is one (the server writes to its
 * identity of that kind, else its first phone, and links the chat to it), else the number. */
export function recipient(target: StartTarget): Pick<StartConversationRequest, "contact_id" | "address"> {
  return target.contactId ? { contact_id: target.contactId } : { address: target.phone };
}

/**
 * Opens the customer's chat of that kind, or asks for the first message and starts one.
 * `opened` shows a chat by id (after it is in the cache).
 */
export async function startChat(
  ctx: Context,
  target: StartTarget,
  opened: (conversationId: string) => Promise<void>,
): Promise<void> {
  const { backend, t } = ctx;
  const existing = openChatWith(await backend.conversations("recent"), target);
  if (existing) {
    await opened(existing.id);
    return;
  }
  const channels = (await backend.channels()).filter((c) => c.kind === target.kind);
  if (channels.length === 0) {
    ctx.toast(t(target.kind === "sms" ? "start.noChannel.sms" : "start.noChannel.whatsapp"), true);
    return;
  }
  new StartDialog(ctx, target, channels, opened).show();
}

class StartDialog {
  private readonly channel: HTMLSelectElement;
  private readonly body: HTMLDivElement;
  private readonly error: HTMLParagraphElement;
  private readonly bar: HTMLDivElement;
  private readonly cancel: HTMLButtonElement;
  private readonly ids = new ClientIds();
  /** What to focus first once the dialog shows. */
  private first: () => void = () => {};

  constructor(
    private readonly ctx: Context,
    private readonly target: StartTarget,
    private readonly channels: ChannelSummary[],
    private readonly opened: (conversationId: string) => Promise<void>,
  ) {
    const { t } = ctx;
    this.channel = el("select", { id: "start-channel", "data-testid": "start-channel" });
    for (const c of channels) this.channel.append(el("option", { value: c.id }, c.id));
    this.body = el("div", { class: "start-body" });
    this.error = el("p", { class: "form-error", role: "alert", "data-testid": "start-error" });
    this.error.hidden = true;
    this.cancel = button(t("chat.cancel"), "start-cancel");
    this.cancel.addEventListener("click", ctx.dialogs.hide);
    this.bar = el("div", { class: "dialog-bar" });
    this.channel.addEventListener("change", () => this.draw());
  }

  show(): void {
    const { t, dialogs } = this.ctx;
    const { kind, name, phone } = this.target;
    const several = this.channels.length > 1;
    dialogs.show(
      el(
        "div",
        {
          class: "dialog start-dialog",
          role: "dialog",
          "aria-labelledby": "start-heading",
          "data-testid": "start-dialog",
          "data-kind": kind,
        },
        el("h3", { id: "start-heading" }, t(kind === "sms" ? "start.smsTitle" : "start.whatsappTitle", { name })),
        name === phone ? "" : el("p", { class: "muted" }, phone),
        several ? el("label", { class: "field-label", for: "start-channel" }, t("start.channel")) : "",
        several ? this.channel : "",
        this.body,
        this.error,
        this.bar,
      ),
    );
    this.draw();
  }

  /** The first message's part for the chosen channel. */
  private draw(): void {
    this.say(null);
    if (this.target.kind === "sms") this.drawSms();
    else this.drawWhatsApp();
    this.first();
  }

  private drawSms(): void {
    const { t, track } = this.ctx;
    const text = el("textarea", { id: "start-message", rows: "4", "data-testid": "start-message" });
    const segments = el("span", { class: "segments", "data-testid": "start-segments" });
    text.addEventListener("input", () => {
      const n = smsSegments(text.value);
      segments.textContent = n > 0 ? t("chat.segments", { count: n }) : "";
    });
    const send = button(t("start.send"), "start-send", { class: "primary" });
    send.addEventListener("click", () => {
      const body = text.value;
      if (body.trim() === "") {
        this.say(t("start.empty"));
        text.focus();
        return;
      }
      void track(this.start(send, { body }));
    });
    this.body.replaceChildren(el("label", { class: "field-label", for: "start-message" }, t("start.message")), text, segments);
    this.bar.replaceChildren(this.cancel, send);
    this.first = () => text.focus();
  }

  private drawWhatsApp(): void {
    const { t, track, locale } = this.ctx;
    const customer = this.target.contactId ?? this.target.phone;
    const form = new TemplateForm(this.ctx, {
      channelId: this.channel.value,
      languages: [rememberedLanguage(customer), phoneLanguage(this.target.phone), locale],
      send: async (template) => {
        await this.start(null, { template });
        rememberLanguage(customer, template.language);
      },
    });
    this.body.replaceChildren(el("p", { class: "muted" }, t("start.whatsappIntro")), form.element);
    this.bar.replaceChildren(this.cancel, form.send);
    this.first = () => form.focus();
    void track(form.load());
  }

  /**
   * Starts the chat (or writes in the customer's open one) and opens it. SMS failures are said
   * here; a template form says its own (it gets the rejection).
   */
  private async start(
    send: HTMLButtonElement | null,
    first: Pick<StartConversationRequest, "body" | "template">,
  ): Promise<void> {
    const { backend, t, dialogs } = this.ctx;
    const content = { channel_id: this.channel.value, ...recipient(this.target), ...first };
    const request: StartConversationRequest = { client_id: this.ids.for(content), ...content };
    if (send) send.disabled = true;
    try {
      const started = await backend.startConversation(request);
      dialogs.hide();
      if (!started.created) this.ctx.toast(t("start.existing", { name: this.target.name }));
      await this.opened(started.conversation.id);
    } catch (thrown) {
      if (!send) throw thrown;
      this.say(describeError(toBackendError(thrown), t));
    } finally {
      if (send) send.disabled = false;
    }
  }

  private say(text: string | null): void {
    this.error.textContent = text ?? "";
    this.error.hidden = text === null;
  }
}
