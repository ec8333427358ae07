/**
 * Administration, for system owners: the agents (add, edit, disable and enable, a temporary
 * password) and the audit log. Opened from the top bar, in the screen's dialog overlay. Agents
 * declared in the server's configuration file are shown read-only: the file rules them.
 * The server checks every call; this only draws what it answers.
 */
import type {
  AdminAgent,
  AdminChannel,
  AdminQueue,
  Agent,
  AgentRequest,
  AuditEntry,
  QueueRequest,
  Role,
} from "../api";
import { toBackendError } from "../backend";
import { button, el } from "../dom";
import { describeError } from "../errors";
import type { MessageKey, Translate } from "../i18n";
import type { Context } from "./context";

const ROLES: Role[] = ["agent", "manager", "group_owner", "system_owner"];

const STRATEGIES = ["ring_all", "hunt_by_threes", "round_robin", "longest_idle", "fewest_answered"];

const ACTIONS = [
  "agent.create",
  "agent.update",
  "agent.disable",
  "agent.enable",
  "agent.password",
  "queue.create",
  "queue.update",
  "queue.delete",
];

/** What an audit entry's action reads as; an action this app does not know, as it came. */
function actionText(action: string, t: Translate): string {
  return ACTIONS.includes(action) ? t(`audit.${action}` as MessageKey) : action;
}

export class Administration {
  readonly element: HTMLElement;
  private readonly agentsTab: HTMLButtonElement;
  private readonly queuesTab: HTMLButtonElement;
  private readonly channelsTab: HTMLButtonElement;
  private readonly auditTab: HTMLButtonElement;
  private readonly owner: boolean;
  private readonly body = el("div", { class: "admin-body" });
  /** What the last call said (errors and confirmations), read out by screen readers. */
  private readonly said = el("p", { class: "admin-status", role: "status", "data-testid": "admin-status" });
  private agents: AdminAgent[] = [];
  private auditEntries: AuditEntry[] = [];
  private auditNext: string | null = null;
  private queues: AdminQueue[] = [];
  /** Colleagues by extension, for the queues' members (from the directory everyone has). */
  private colleagues = new Map<string, Agent>();

  /** `me`: system owners get agents, queues and the audit log; managers and group owners the
   * queues they belong to. */
  constructor(
    private readonly ctx: Context,
    me: Agent,
  ) {
    const { t } = ctx;
    this.owner = me.role === "system_owner";
    this.agentsTab = button(t("admin.agents"), "admin-tab-agents", { role: "tab" });
    this.queuesTab = button(t("admin.queues"), "admin-tab-queues", { role: "tab" });
    this.channelsTab = button(t("admin.channels"), "admin-tab-channels", { role: "tab" });
    this.auditTab = button(t("admin.audit"), "admin-tab-audit", { role: "tab" });
    this.agentsTab.hidden = this.channelsTab.hidden = this.auditTab.hidden = !this.owner;
    const close = button(t("admin.close"), "admin-close");
    this.element = el(
      "div",
      { class: "dialog admin", role: "dialog", "aria-labelledby": "admin-heading", "data-testid": "admin-dialog" },
      el("h3", { id: "admin-heading" }, t("admin.heading")),
      el("div", { class: "admin-tabs", role: "tablist" }, this.agentsTab, this.queuesTab, this.channelsTab, this.auditTab),
      this.said,
      this.body,
      el("div", { class: "dialog-bar" }, close),
    );
    // A tab chosen starts without the last tab's message.
    const tab = (button: HTMLButtonElement, show: () => Promise<void>) =>
      button.addEventListener("click", () => {
        this.say("");
        void show();
      });
    tab(this.agentsTab, () => this.showAgents());
    tab(this.queuesTab, () => this.showQueues());
    tab(this.channelsTab, () => this.showChannels());
    tab(this.auditTab, () => this.showAudit());
    close.addEventListener("click", () => ctx.dialogs.hide());
  }

  /** Opens on the agents (system owners) or the queues. */
  open(): Promise<void> {
    this.ctx.dialogs.show(this.element);
    return this.owner ? this.showAgents() : this.showQueues();
  }

  private select(tab: "agents" | "queues" | "channels" | "audit"): void {
    this.agentsTab.setAttribute("aria-selected", String(tab === "agents"));
    this.queuesTab.setAttribute("aria-selected", String(tab === "queues"));
    this.channelsTab.setAttribute("aria-selected", String(tab === "channels"));
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

  // ----- queues -----

  async showQueues(): Promise<void> {
    this.select("queues");
    try {
      const [queues, colleagues] = await this.ctx.track(
        Promise.all([this.ctx.backend.adminQueues(), this.ctx.backend.agents("")]),
      );
      this.queues = queues;
      this.colleagues = new Map(colleagues.map((a) => [a.extension, a]));
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    this.drawQueues(null);
  }

  private memberName(extension: string): string {
    const agent = this.colleagues.get(extension);
    return agent ? `${agent.name} (${extension})` : extension;
  }

  private drawQueues(editing: AdminQueue | null): void {
    const { t } = this.ctx;
    const table = el(
      "table",
      { class: "admin-agents", "data-testid": "admin-queues" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["admin.queueId", "admin.name", "admin.strategy", "admin.members", "admin.waiting", "admin.actions"].map((key) =>
            el("th", { scope: "col" }, t(key as MessageKey)),
          ),
        ),
      ),
      el("tbody", {}, ...this.queues.map((queue) => this.queueRow(queue))),
    );
    const parts: HTMLElement[] = [table];
    if (editing || this.owner) parts.push(this.queueForm(editing));
    this.body.replaceChildren(...parts);
  }

  private queueRow(queue: AdminQueue): HTMLElement {
    const { t } = this.ctx;
    const actions = el("div", { class: "admin-row-actions" });
    if (queue.provisioned) {
      actions.append(el("span", { class: "muted", title: t("admin.provisionedTitle") }, t("admin.provisioned")));
    } else {
      const edit = button(t("admin.edit"), "admin-queue-edit");
      edit.addEventListener("click", () => this.drawQueues(queue));
      actions.append(edit);
      if (this.owner) {
        const remove = button(t("admin.deleteQueue"), "admin-queue-delete");
        remove.addEventListener("click", () => this.askDeleteQueue(queue, actions));
        actions.append(remove);
      }
    }
    return el(
      "tr",
      { "data-testid": "admin-queue", "data-queue": queue.id },
      el("td", {}, queue.id),
      el("td", {}, queue.name),
      el("td", {}, t(`strategy.${queue.strategy}` as MessageKey)),
      el("td", {}, queue.agents.map((e) => this.memberName(e)).join(", ")),
      el("td", {}, String(queue.waiting)),
      el("td", {}, actions),
    );
  }

  /** The form that adds a queue, or edits `editing`; members are reordered with buttons (and
   * so from the keyboard). */
  private queueForm(editing: AdminQueue | null): HTMLElement {
    const { t } = this.ctx;
    const field = (testid: string, type: string, value: string) =>
      el("input", { type, id: testid, "data-testid": testid, value, autocomplete: "off" });
    const id = field("admin-queue-id", "text", editing?.id ?? "");
    id.disabled = editing !== null;
    const name = field("admin-queue-name", "text", editing?.name ?? "");
    const timeout = field("admin-queue-timeout", "number", String(editing?.offer_timeout_s ?? 30));
    const limit = field("admin-queue-limit", "number", String(editing?.max_chats_per_agent ?? 0));
    const strategy = el("select", { id: "admin-queue-strategy", "data-testid": "admin-queue-strategy" });
    for (const s of STRATEGIES) strategy.append(el("option", { value: s }, t(`strategy.${s}` as MessageKey)));
    strategy.value = editing?.strategy ?? "ring_all";
    const members = [...(editing?.agents ?? [])];
    const list = el("ol", { class: "admin-members", "data-testid": "admin-queue-members", "aria-label": t("admin.members") });
    const adding = el("select", { "data-testid": "admin-queue-add-member", "aria-label": t("admin.addMember") });
    const add = button(t("admin.addMember"), "admin-queue-add");
    const drawMembers = (focus?: { extension: string; testid: string }) => {
      list.replaceChildren(
        ...members.map((extension, i) => {
          const up = button(t("admin.moveUp"), "admin-member-up", { "aria-label": `${t("admin.moveUp")}: ${this.memberName(extension)}` });
          const down = button(t("admin.moveDown"), "admin-member-down", { "aria-label": `${t("admin.moveDown")}: ${this.memberName(extension)}` });
          const remove = button(t("admin.removeMember"), "admin-member-remove", { "aria-label": `${t("admin.removeMember")}: ${this.memberName(extension)}` });
          up.disabled = i === 0;
          down.disabled = i === members.length - 1;
          const move = (by: number, testid: string) => {
            members.splice(i, 1);
            members.splice(i + by, 0, extension);
            drawMembers({ extension, testid });
          };
          up.addEventListener("click", () => move(-1, "admin-member-up"));
          down.addEventListener("click", () => move(1, "admin-member-down"));
          remove.addEventListener("click", () => {
            members.splice(i, 1);
            drawMembers();
          });
          return el("li", { "data-testid": "admin-member", "data-extension": extension }, this.memberName(extension), " ", up, down, remove);
        }),
      );
      adding.replaceChildren(
        ...[...this.colleagues.values()]
          .filter((a) => !members.includes(a.extension))
          .map((a) => el("option", { value: a.extension }, `${a.name} (${a.extension})`)),
      );
      add.disabled = adding.options.length === 0;
      // Keep the keyboard where it was: on the moved member's button.
      if (focus) {
        const item = list.querySelector(`[data-extension="${focus.extension}"] [data-testid="${focus.testid}"]`) as HTMLButtonElement | null;
        if (item && !item.disabled) item.focus();
        else (list.querySelector(`[data-extension="${focus.extension}"] button:not([disabled])`) as HTMLButtonElement | null)?.focus();
      }
    };
    add.addEventListener("click", () => {
      if (!adding.value) return;
      members.push(adding.value);
      drawMembers();
    });
    drawMembers();
    const save = button(editing ? t("admin.saveQueue") : t("admin.addQueue"), "admin-queue-save", { class: "primary", type: "submit" });
    const label = (forId: string, key: MessageKey) => el("label", { class: "field-label", for: forId }, t(key));
    const form = el(
      "form",
      { class: "admin-form", "aria-labelledby": "admin-queue-heading", "data-testid": "admin-queue-form" },
      el("h4", { id: "admin-queue-heading" }, editing ? t("admin.editHeading", { name: editing.name }) : t("admin.addQueueHeading")),
      label("admin-queue-id", "admin.queueId"),
      id,
      label("admin-queue-name", "admin.name"),
      name,
      label("admin-queue-strategy", "admin.strategy"),
      strategy,
      label("admin-queue-timeout", "admin.offerTimeout"),
      timeout,
      label("admin-queue-limit", "admin.chatsPerAgent"),
      limit,
      el("span", { class: "field-label" }, t("admin.members")),
      el("div", {}, list, el("div", { class: "admin-row-actions" }, adding, add)),
      el("div", { class: "dialog-bar" }, ...(editing ? [this.cancelQueueEdit()] : []), save),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const request: QueueRequest = {
        id: editing ? null : id.value.trim(),
        name: name.value.trim() || null,
        strategy: strategy.value,
        agents: [...members],
        offer_timeout_s: Number(timeout.value),
        max_chats_per_agent: Number(limit.value),
      };
      save.disabled = true;
      const call = editing ? this.ctx.backend.updateQueue(editing.id, request) : this.ctx.backend.createQueue(request);
      void this.ctx.track(
        call
          .then(
            (queue) => {
              this.say(t("admin.queueSaved", { name: queue.name }));
              return this.showQueues();
            },
            (thrown: unknown) => this.failed(thrown),
          )
          .finally(() => (save.disabled = false)),
      );
    });
    return form;
  }

  private cancelQueueEdit(): HTMLButtonElement {
    const cancel = button(this.ctx.t("chat.cancel"), "admin-queue-cancel");
    cancel.addEventListener("click", () => this.drawQueues(null));
    return cancel;
  }

  private askDeleteQueue(queue: AdminQueue, cell: HTMLElement): void {
    const { t } = this.ctx;
    const to = el("select", { "data-testid": "admin-queue-move-to", "aria-label": t("admin.waitingGoTo") });
    to.append(el("option", { value: "" }, t("admin.noWaiting")));
    for (const other of this.queues.filter((q) => q.id !== queue.id)) {
      to.append(el("option", { value: other.id }, other.name));
    }
    const confirm = button(t("admin.confirmDelete"), "admin-queue-delete-confirm", { class: "primary" });
    confirm.addEventListener("click", () => {
      confirm.disabled = true;
      void this.ctx.track(
        this.ctx.backend.deleteQueue(queue.id, to.value || null).then(
          () => {
            this.say(t("admin.queueDeleted", { name: queue.name }));
            return this.showQueues();
          },
          (thrown: unknown) => {
            confirm.disabled = false;
            this.failed(thrown);
          },
        ),
      );
    });
    cell.replaceChildren(el("span", {}, t("admin.waitingGoTo")), to, confirm);
    to.focus();
  }

  // ----- channels (read-only: the configuration file declares them) -----

  async showChannels(): Promise<void> {
    this.select("channels");
    let channels: AdminChannel[];
    try {
      channels = await this.ctx.track(this.ctx.backend.adminChannels());
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    const { t } = this.ctx;
    this.body.replaceChildren(
      el("p", { class: "muted" }, t("admin.channelsIntro")),
      ...channels.map((channel) => {
        const route = channel.route_queue
          ? t("admin.routeQueue", { queue: channel.route_queue })
          : t("admin.routeExtension", { extension: channel.route_extension ?? "" });
        return el(
          "section",
          { class: "admin-channel", "data-testid": "admin-channel", "data-channel": channel.id, "aria-label": channel.id },
          el("h4", {}, `${channel.id} · ${t(`channel.${channel.kind}` as MessageKey)}`),
          el("p", { class: "muted" }, route, channel.provisioned ? ` · ${t("admin.provisioned")}` : ""),
          ...channel.console.map((item) => {
            const id = `admin-console-${channel.id}-${item.name}`;
            return el(
              "div",
              { class: "admin-console" },
              el("label", { class: "field-label", for: id }, t(`console.${item.name}` as MessageKey)),
              el("input", { type: "text", id, readonly: true, value: item.value, "data-testid": "admin-console-value" }),
            );
          }),
        );
      }),
    );
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
