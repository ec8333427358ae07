/**
 * The main screen's modal dialogs: delete confirmation, transfer, block, add contact and new
 * internal chat. Each builds its form in the context's overlay and hands what the agent chose to
 * its caller; the screen does the action.
 */
import type { Agent, Conversation } from "../api";
import { button, el } from "../dom";
import type { MessageKey } from "../i18n";
import type { Context } from "./context";

/** Asks before deleting an archived chat for good. */
export function confirmDelete(ctx: Context, confirmed: () => void): void {
  const { t, dialogs } = ctx;
  const confirm = button(t("chat.confirmDelete"), "confirm-delete", { class: "danger" });
  const cancel = button(t("chat.cancel"), "cancel-delete");
  dialogs.show(
    el("div", { class: "dialog", role: "dialog", "data-testid": "delete-dialog" }, el("p", {}, t("chat.deleteConfirm")), el("div", { class: "dialog-bar" }, cancel, confirm)),
  );
  cancel.addEventListener("click", dialogs.hide);
  confirm.addEventListener("click", () => {
    dialogs.hide();
    confirmed();
  });
}

/** Picks a colleague (not `me`) by name or extension to hand the chat to. */
export function transferDialog(ctx: Context, me: Agent, chosen: (extension: string) => void): void {
  const { backend, t, track, fail, dialogs } = ctx;
  const query = el("input", { type: "search", placeholder: t("transfer.search"), "data-testid": "transfer-search" });
  const targets = el("ul", { class: "transfer-list" });
  const cancel = button(t("chat.cancel"), "cancel-transfer");
  const refresh = async () => {
    const agents = (await backend.agents(query.value.trim())).filter((a) => a.id !== me.id);
    const items = agents.map((a) => {
      const item = el(
        "li",
        { class: "transfer-target", tabindex: "0", "data-testid": "transfer-target", "data-extension": a.extension },
        el("span", { class: `presence-dot ${a.presence}`, title: t(`presence.${a.presence}` as MessageKey) }),
        el("span", {}, `${a.name} · ${a.extension}`),
      );
      item.addEventListener("click", () => {
        dialogs.hide();
        chosen(a.extension);
      });
      return item;
    });
    targets.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, t("transfer.none"))]));
  };
  query.addEventListener("input", () => void track(refresh().catch(fail)));
  cancel.addEventListener("click", dialogs.hide);
  dialogs.show(
    el("div", { class: "dialog", role: "dialog", "data-testid": "transfer-dialog" }, el("h3", {}, t("transfer.title")), query, targets, el("div", { class: "dialog-bar" }, cancel)),
  );
  query.focus();
  void track(refresh().catch(fail));
}

/** Blocks a live-chat visitor: how long (seconds, null for ever) and why. */
export function blockDialog(ctx: Context, confirmed: (seconds: number | null, reason: string) => void): void {
  const { t, dialogs } = ctx;
  const duration = el("select", { id: "block-duration", "data-testid": "block-duration" });
  for (const [value, key] of [
    ["3600", "block.hour"],
    ["86400", "block.day"],
    ["604800", "block.week"],
    ["", "block.forever"],
  ] as const) {
    duration.append(el("option", { value }, t(key)));
  }
  duration.value = "86400";
  const reason = el("input", { type: "text", id: "block-reason", "data-testid": "block-reason" });
  const confirm = button(t("block.confirm"), "block-confirm", { class: "danger" });
  const cancel = button(t("chat.cancel"), "block-cancel");
  dialogs.show(
    el(
      "div",
      { class: "dialog", role: "dialog", "data-testid": "block-dialog" },
      el("h3", {}, t("block.title")),
      el("label", { class: "field-label", for: "block-duration" }, t("block.duration")),
      duration,
      el("label", { class: "field-label", for: "block-reason" }, t("block.reason")),
      reason,
      el("div", { class: "dialog-bar" }, cancel, confirm),
    ),
  );
  cancel.addEventListener("click", dialogs.hide);
  confirm.addEventListener("click", () => {
    dialogs.hide();
    confirmed(duration.value ? Number(duration.value) : null, reason.value);
  });
}

/** Adds the chat's customer to the directory (name, optional e-mail); `added` runs once saved. */
export function addContactDialog(ctx: Context, c: Conversation, added: () => void): void {
  const { backend, t, track, fail, dialogs } = ctx;
  const name = el("input", { type: "text", id: "contact-name", "data-testid": "contact-name" });
  name.value = c.contact.display_name;
  const email = el("input", { type: "email", id: "contact-email", "data-testid": "contact-email" });
  const save = button(t("contact.save"), "contact-save", { class: "primary" });
  const cancel = button(t("chat.cancel"), "contact-cancel");
  dialogs.show(
    el(
      "div",
      { class: "dialog", role: "dialog", "data-testid": "add-contact-dialog" },
      el("h3", {}, t("contact.title")),
      el("label", { class: "field-label", for: "contact-name" }, t("contact.name")),
      name,
      el("label", { class: "field-label", for: "contact-email" }, t("contact.email")),
      email,
      el("div", { class: "dialog-bar" }, cancel, save),
    ),
  );
  name.focus();
  cancel.addEventListener("click", dialogs.hide);
  save.addEventListener("click", () => {
    const emails = email.value.trim() ? [email.value.trim()] : [];
    void track(
      backend.addContactFromConversation(c.id, name.value, emails).then((contact) => {
        dialogs.hide();
        ctx.toast(t("contact.added", { name: contact.name }));
        added();
      }, fail),
    );
  });
}

/** Starts an internal chat with colleagues (not `me`) and an optional title. */
export function internalChatDialog(ctx: Context, me: Agent, started: (c: Conversation) => Promise<void>): void {
  const { backend, t, track, fail, dialogs } = ctx;
  const title = el("input", { type: "text", id: "internal-title", "data-testid": "internal-title" });
  const query = el("input", { type: "search", placeholder: t("transfer.search"), "data-testid": "internal-search" });
  const picks = el("ul", { class: "transfer-list" });
  const chosen = new Set<string>();
  const start = button(t("internal.start"), "internal-start", { class: "primary" });
  const cancel = button(t("chat.cancel"), "internal-cancel");
  const refresh = async () => {
    const agents = (await backend.agents(query.value.trim())).filter((a) => a.id !== me.id);
    picks.replaceChildren(
      ...agents.map((a) => {
        const box = el("input", { type: "checkbox", checked: chosen.has(a.extension) });
        box.addEventListener("change", () => {
          if (box.checked) chosen.add(a.extension);
          else chosen.delete(a.extension);
        });
        return el(
          "li",
          { "data-testid": "internal-target", "data-extension": a.extension },
          el(
            "label",
            { class: "transfer-target" },
            box,
            el("span", { class: `presence-dot ${a.presence}` }),
            `${a.name} · ${a.extension}`,
          ),
        );
      }),
    );
  };
  query.addEventListener("input", () => void track(refresh().catch(fail)));
  cancel.addEventListener("click", dialogs.hide);
  start.addEventListener("click", () => {
    if (chosen.size === 0) {
      ctx.toast(t("internal.nobody"), true);
      return;
    }
    void track(
      backend.startInternalChat([...chosen], title.value.trim() || null).then(async (c) => {
        dialogs.hide();
        await started(c);
      }, fail),
    );
  });
  dialogs.show(
    el(
      "div",
      { class: "dialog", role: "dialog", "data-testid": "internal-dialog" },
      el("h3", {}, t("internal.new")),
      el("label", { class: "field-label", for: "internal-title" }, t("internal.title")),
      title,
      el("span", { class: "field-label" }, t("internal.pick")),
      query,
      picks,
      el("div", { class: "dialog-bar" }, cancel, start),
    ),
  );
  void track(refresh().catch(fail));
}
