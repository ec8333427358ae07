/**
 * The top bar's search: messages and contacts (the directory) from the local cache, matches
 * highlighted; a message hit opens its chat, a contact's number offers "Send SMS" and "Send
 * WhatsApp". Escape clears it.
 */
import type { Contact } from "../api";
import { button, el } from "../dom";
import type { Context } from "./context";
import type { StartTarget } from "./start-chat";

export interface SearchEvents {
  open(conversationId: string): void;
  /** A contact's "Send SMS" / "Send WhatsApp". */
  startChat(target: StartTarget): void;
}

export class Search {
  readonly element: HTMLDivElement;
  private readonly input: HTMLInputElement;
  private readonly results: HTMLDivElement;
  /** Answers can overlap while typing: only the newest query's draws. */
  private seq = 0;

  constructor(
    private readonly ctx: Context,
    private readonly events: SearchEvents,
  ) {
    const { t } = ctx;
    this.input = el("input", {
      type: "search",
      class: "search",
      placeholder: t("main.search"),
      "aria-label": t("main.search"),
      "data-testid": "search-box",
    });
    this.results = el("div", { class: "search-results", "data-testid": "search-results" });
    this.results.hidden = true;
    this.element = el("div", { class: "search-wrap" }, this.input, this.results);
    this.input.addEventListener("input", () => this.find());
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        this.input.value = "";
        this.results.hidden = true;
      }
    });
  }

  focus(): void {
    this.input.focus();
  }

  /** "Send SMS" and "Send WhatsApp" to the contact's first number. */
  private contactActions(contact: Contact): HTMLElement | null {
    const { t } = this.ctx;
    const phone = contact.phones[0];
    if (!phone) return null;
    return el(
      "div",
      { class: "hit-actions" },
      ...(["sms", "whatsapp"] as const).map((kind) => {
        const label = t(kind === "sms" ? "start.smsLabel" : "start.whatsappLabel", { name: contact.name });
        const start = button(t(kind === "sms" ? "start.sms" : "start.whatsapp"), `search-start-${kind}`, {
          "aria-label": label,
          title: label,
        });
        start.addEventListener("click", () => {
          this.results.hidden = true;
          this.events.startChat({ kind, phone, name: contact.name, contactId: contact.id, identities: contact.identities });
        });
        return start;
      }),
    );
  }

  private find(): void {
    const { backend, t, track, fail } = this.ctx;
    const query = this.input.value.trim();
    const seq = ++this.seq;
    if (query === "") {
      this.results.hidden = true;
      return;
    }
    void track(
      backend.search(query).then((results) => {
        if (seq !== this.seq) return;
        const highlight = (segments: { text: string; matched: boolean }[]) =>
          el("span", {}, ...segments.map((s) => (s.matched ? el("mark", {}, s.text) : s.text)));
        const hits = results.messages.map((hit) => {
          const item = el(
            "li",
            { class: "hit", tabindex: "0", "data-testid": "search-hit", "data-conversation-id": hit.conversation_id },
            el("strong", {}, hit.conversation_name),
            highlight(hit.snippet),
          );
          item.addEventListener("click", () => {
            this.results.hidden = true;
            this.events.open(hit.conversation_id);
          });
          return item;
        });
        const contacts = results.contacts.map((hit) =>
          el(
            "li",
            { class: "hit", "data-testid": "search-contact", "data-contact-id": hit.contact.id },
            highlight(hit.name),
            el("span", { class: "muted" }, [...hit.contact.phones, ...hit.contact.emails].join(" · ")),
            this.contactActions(hit.contact),
          ),
        );
        this.results.replaceChildren(
          ...(hits.length ? [el("h4", {}, t("main.searchMessages")), el("ul", {}, ...hits)] : []),
          ...(contacts.length ? [el("h4", {}, t("main.searchContacts")), el("ul", {}, ...contacts)] : []),
          ...(hits.length + contacts.length === 0 ? [el("p", { class: "muted" }, t("main.searchNothing", { query }))] : []),
        );
        this.results.hidden = false;
      }, fail),
    );
  }
}
