/**
 * Administration, for system owners: the agents (add, edit, disable and enable, a temporary
 * password) and the audit log. Opened from the top bar, in the screen's dialog overlay. Agents
 * declared in the server's configuration file are shown read-only: the file rules them.
 * The server checks every call; this only draws what it answers.
 */
import type { AdminAgent, AgentRequest, AuditEntry, Role } from "../api";
import { toBackendError } from "../backend";
import { button, el } from "../dom";
import { describeError } from "../errors";
import type { MessageKey, Translate } from "../i18n";
import type { Context } from "./context";

const ROLES: Role[] = ["agent", "manager", "group_owner", "system_owner"];

const ACTIONS = ["agent.create", "agent.update", "agent.disable", "agent.enable", "agent.password"];

/** What an audit entry's action reads as; an action this app does not know, as it came. */
function actionText(action: string, t: Translate): string {
  return ACTIONS.includes(action) ? t(`audit.${action}` as MessageKey) : action;
}

export class Administration {
  readonly element: HTMLElement;
  private readonly agentsTab: HTMLButtonElement;
  private readonly auditTab: HTMLButtonElement;
  private readonly body = el("div", { class: "admin-body" });
  /** What the last call said (errors and confirmations), read out by screen readers. */
  private readonly said = el("p", { class: "admin-status", role: "status", "data-testid": "admin-status" });
  private agents: AdminAgent[] = [];
  private auditEntries: AuditEntry[] = [];
  private auditNext: string | null = null;

  constructor(private readonly ctx: Context) {
    const { t } = ctx;
    this.agentsTab = button(t("admin.agents"), "admin-tab-agents", { role: "tab" });
    this.auditTab = button(t("admin.audit"), "admin-tab-audit", { role: "tab" });
    const close = button(t("admin.close"), "admin-close");
    this.element = el(
      "div",
      { class: "dialog admin", role: "dialog", "aria-labelledby": "admin-heading", "data-testid": "admin-dialog" },
      el("h3", { id: "admin-heading" }, t("admin.heading")),
      el("div", { class: "admin-tabs", role: "tablist" }, this.agentsTab, this.auditTab),
      this.said,
      this.body,
      el("div", { class: "dialog-bar" }, close),
    );
    this.agentsTab.addEventListener("click", () => void this.showAgents());
    this.auditTab.addEventListener("click", () => void this.showAudit());
    close.addEventListener("click", () => ctx.dialogs.hide());
  }

  /** Opens on the agents. */
  open(): Promise<void> {
    this.ctx.dialogs.show(this.element);
    return this.showAgents();
  }

  private select(tab: "agents" | "audit"): void {
    this.agentsTab.setAttribute("aria-selected", String(tab === "agents"));
    this.auditTab.setAttribute("aria-selected", String(tab === "audit"));
  }

  private say(text: string): void {
    this.said.textContent = text;
  }

  private failed(thrown: unknown): void {
    this.say(describeError(toBackendError(thrown), this.ctx.t));
  }

  // ----- agents -----

  async showAgents(): Promise<void> {
    this.select("agents");
    try {
      this.agents = await this.ctx.track(this.ctx.backend.adminAgents());
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    this.drawAgents();
  }

  private drawAgents(editing: AdminAgent | null = null): void {
    const { t } = this.ctx;
    const rows = this.agents.map((agent) => this.agentRow(agent));
    const table = el(
      "table",
      { class: "admin-agents", "data-testid": "admin-agents" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["admin.extension", "admin.name", "admin.role", "admin.queues", "admin.state", "admin.actions"].map((key) =>
            el("th", { scope: "col" }, t(key as MessageKey)),
          ),
        ),
      ),
      el("tbody", {}, ...rows),
    );
    this.body.replaceChildren(table, this.agentForm(editing));
  }

  private agentRow(agent: AdminAgent): HTMLElement {
    const { t } = this.ctx;
    const state = agent.disabled
      ? t("admin.disabled")
      : agent.must_change_password
        ? t("admin.temporaryPassword")
        : t("admin.active");
    const actions = el("div", { class: "admin-row-actions" });
    if (agent.provisioned) {
      actions.append(el("span", { class: "muted", title: t("admin.provisionedTitle") }, t("admin.provisioned")));
    } else {
      const edit = button(t("admin.edit"), "admin-edit");
      const toggle = agent.disabled
        ? button(t("admin.enable"), "admin-enable")
        : button(t("admin.disable"), "admin-disable");
      const password = button(t("admin.setPassword"), "admin-password");
      edit.addEventListener("click", () => this.drawAgents(agent));
      toggle.addEventListener("click", () => (agent.disabled ? void this.enable(agent) : this.askDisable(agent, actions)));
      password.addEventListener("click", () => this.askPassword(agent, actions));
      actions.append(edit, toggle, password);
    }
    return el(
      "tr",
      { "data-testid": "admin-agent", "data-extension": agent.extension, "data-disabled": String(agent.disabled) },
      el("td", {}, agent.extension),
      el("td", {}, agent.name, agent.email ? el("div", { class: "muted" }, agent.email) : ""),
      el("td", {}, t(`role.${agent.role}` as MessageKey)),
      el("td", {}, agent.queues.join(", ")),
      el("td", {}, state),
      el("td", {}, actions),
    );
  }

  /** The form that adds an agent, or edits `editing`. */
  private agentForm(editing: AdminAgent | null): HTMLElement {
    const { t } = this.ctx;
    const input = (testid: string, label: string, type: string, value: string) => {
      const field = el("input", { type, id: testid, "data-testid": testid, value, autocomplete: "off" });
      return { field, label: el("label", { class: "field-label", for: testid }, label) };
    };
    const extension = input("admin-form-extension", t("admin.extension"), "text", editing?.extension ?? "");
    const name = input("admin-form-name", t("admin.name"), "text", editing?.name ?? "");
    const email = input("admin-form-email", t("admin.email"), "email", editing?.email ?? "");
    const password = input("admin-form-password", t("admin.temporaryPasswordField"), "password", "");
    const role = el("select", { id: "admin-form-role", "data-testid": "admin-form-role" });
    for (const r of ROLES) role.append(el("option", { value: r }, t(`role.${r}` as MessageKey)));
    role.value = editing?.role ?? "agent";
    const save = button(editing ? t("admin.saveAgent") : t("admin.addAgent"), "admin-form-save", {
      class: "primary",
      type: "submit",
    });
    const fields = [extension, name, email];
    const form = el(
      "form",
      { class: "admin-form", "aria-labelledby": "admin-form-heading", "data-testid": "admin-agent-form" },
      el("h4", { id: "admin-form-heading" }, editing ? t("admin.editHeading", { name: editing.name }) : t("admin.addHeading")),
      ...fields.flatMap((f) => [f.label, f.field]),
      el("label", { class: "field-label", for: "admin-form-role" }, t("admin.role")),
      role,
      ...(editing ? [] : [password.label, password.field]),
      el("div", { class: "dialog-bar" }, ...(editing ? [this.cancelEdit()] : []), save),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const request: AgentRequest = {
        extension: extension.field.value.trim(),
        name: name.field.value.trim(),
        email: email.field.value.trim(),
        role: role.value as Role,
        password: editing ? null : password.field.value,
      };
      save.disabled = true;
      const call = editing
        ? this.ctx.backend.updateAgent(editing.extension, request)
        : this.ctx.backend.createAgent(request);
      void this.ctx.track(
        call
          .then(
            (agent) => {
              this.say(editing ? t("admin.saved", { name: agent.name }) : t("admin.added", { name: agent.name }));
              return this.showAgents();
            },
            (thrown: unknown) => this.failed(thrown),
          )
          .finally(() => (save.disabled = false)),
      );
    });
    return form;
  }

  private cancelEdit(): HTMLButtonElement {
    const cancel = button(this.ctx.t("chat.cancel"), "admin-form-cancel");
    cancel.addEventListener("click", () => this.drawAgents());
    return cancel;
  }

  /** Asks where the agent's chats go, then disables them. */
  private askDisable(agent: AdminAgent, cell: HTMLElement): void {
    const { t } = this.ctx;
    const to = el("select", { "data-testid": "admin-disable-to", "aria-label": t("admin.chatsGoTo") });
    to.append(el("option", { value: "" }, t("admin.backToQueue")));
    for (const other of this.agents.filter((a) => !a.disabled && a.extension !== agent.extension)) {
      to.append(el("option", { value: other.extension }, `${other.name} (${other.extension})`));
    }
    const confirm = button(t("admin.confirmDisable"), "admin-disable-confirm", { class: "primary" });
    confirm.addEventListener("click", () => {
      confirm.disabled = true;
      void this.ctx.track(
        this.ctx.backend.disableAgent(agent.extension, to.value || null).then(
          () => {
            this.say(t("admin.disabledSaid", { name: agent.name }));
            return this.showAgents();
          },
          (thrown: unknown) => {
            confirm.disabled = false;
            this.failed(thrown);
          },
        ),
      );
    });
    cell.replaceChildren(el("span", {}, t("admin.chatsGoTo")), to, confirm);
    to.focus();
  }

  private enable(agent: AdminAgent): Promise<void> {
    return this.ctx.track(
      this.ctx.backend.enableAgent(agent.extension).then(
        () => {
          this.say(this.ctx.t("admin.enabledSaid", { name: agent.name }));
          return this.showAgents();
        },
        (thrown: unknown) => this.failed(thrown),
      ),
    );
  }

  private askPassword(agent: AdminAgent, cell: HTMLElement): void {
    const { t } = this.ctx;
    const field = el("input", {
      type: "password",
      "data-testid": "admin-password-field",
      "aria-label": t("admin.temporaryPasswordField"),
      autocomplete: "new-password",
    });
    const set = button(t("admin.setPassword"), "admin-password-confirm", { class: "primary" });
    set.addEventListener("click", () => {
      set.disabled = true;
      void this.ctx.track(
        this.ctx.backend.setTemporaryPassword(agent.extension, field.value).then(
          () => {
            this.say(t("admin.passwordSaid", { name: agent.name }));
            return this.showAgents();
          },
          (thrown: unknown) => {
            set.disabled = false;
            this.failed(thrown);
          },
        ),
      );
    });
    cell.replaceChildren(field, set);
    field.focus();
  }

  // ----- audit log -----

  async showAudit(): Promise<void> {
    this.select("audit");
    this.auditEntries = [];
    this.auditNext = null;
    await this.loadAudit();
  }

  private async loadAudit(): Promise<void> {
    const { t } = this.ctx;
    try {
      const page = await this.ctx.track(this.ctx.backend.audit(this.auditNext));
      this.auditEntries.push(...page.entries);
      this.auditNext = page.next;
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    const time = new Intl.DateTimeFormat(this.ctx.locale, { dateStyle: "short", timeStyle: "medium" });
    const list = el(
      "ol",
      { class: "admin-audit", "data-testid": "admin-audit" },
      ...this.auditEntries.map((entry) =>
        el(
          "li",
          { "data-testid": "admin-audit-entry", "data-action": entry.action },
          el("time", { datetime: entry.at }, time.format(new Date(entry.at))),
          " ",
          el("strong", {}, entry.actor ?? t("admin.someone")),
          " ",
          actionText(entry.action, t),
          " ",
          el("code", {}, entry.target),
        ),
      ),
    );
    const parts: HTMLElement[] = [list];
    if (this.auditEntries.length === 0) parts.push(el("p", { class: "muted" }, t("admin.auditEmpty")));
    if (this.auditNext) {
      const more = button(t("admin.auditMore"), "admin-audit-more");
      more.addEventListener("click", () => void this.loadAudit());
      parts.push(more);
    }
    this.body.replaceChildren(...parts);
  }
}
