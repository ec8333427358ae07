/**
 * Administration, for system owners: the agents (add, edit, disable and enable, a temporary
 * password), the queues (members in priority order, moved by buttons, the keyboard or drag and
 * drop), the channels (add, edit, disable and enable, check the provider's credentials) and the
 * audit log; managers and group owners get the queues they belong to. Opened from the top bar,
 * in the screen's dialog overlay. What the server's configuration file declares is shown
 * read-only: the file rules it. The server checks every call; this only draws what it answers.
 */
import { dateFormat } from "../../../web/shared/format";
import type {
  AdminAgent,
  AdminChannel,
  AdminQueue,
  Agent,
  AgentRequest,
  AuditEntry,
  AuditFilter,
  ChannelCheck,
  ChannelRequest,
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
  "channel.create",
  "channel.update",
  "channel.disable",
  "channel.enable",
];

/** The kinds of channel an administrator can add (not `internal`). */
const CHANNEL_KINDS = ["whatsapp", "facebook", "sms", "livechat"] as const;
type AddableKind = (typeof CHANNEL_KINDS)[number];

/** How a setting is typed: `text` and `url` as text, `secret` as a password (never answered
 * back), `lines` as one item a line (a list), `flag` as a checkbox. */
type SettingType = "text" | "secret" | "url" | "lines" | "flag";

interface SettingSpec {
  name: string;
  type: SettingType;
  /** Left empty, it is not sent: the server uses its default. */
  optional?: boolean;
  /** A checkbox's value for a new channel. */
  checked?: boolean;
  /** What the server uses when it is left empty (the provider's own address, the default
   * keywords), named in its hint (`{default}`). */
  default?: string;
  /** Has a hint under it (`setting.<name>.hint`). */
  hint?: true;
}

const GRAPH = "https://graph.facebook.com/v23.0";
/** The words an SMS channel without `stop_keywords` / `start_keywords` uses (the server's
 * `switchboard_domain::delivery::DEFAULT_STOP_KEYWORDS` and `DEFAULT_START_KEYWORDS`). */
const STOP_KEYWORDS = "STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, PARAR, SAIR, CANCELAR";
const START_KEYWORDS = "START, UNSTOP, YES, VOLTAR";

/** Each kind's settings, keyed as in the configuration file's `[channels.<kind>]` table. */
const CHANNEL_SETTINGS: Record<AddableKind, SettingSpec[]> = {
  whatsapp: [
    { name: "phone_number_id", type: "text" },
    { name: "waba_id", type: "text", optional: true, hint: true },
    { name: "access_token", type: "secret" },
    { name: "app_secret", type: "secret" },
    { name: "verify_token", type: "secret", hint: true },
    { name: "api_base", type: "url", optional: true, default: GRAPH, hint: true },
    { name: "media_hosts", type: "lines", optional: true, hint: true },
  ],
  facebook: [
    { name: "page_id", type: "text" },
    { name: "page_access_token", type: "secret" },
    { name: "app_secret", type: "secret" },
    { name: "verify_token", type: "secret", hint: true },
    // Sent always: a PUT without it would turn it off.
    { name: "human_agent_tag", type: "flag", checked: false, hint: true },
    { name: "api_base", type: "url", optional: true, default: GRAPH, hint: true },
    { name: "media_hosts", type: "lines", optional: true, hint: true },
  ],
  sms: [
    { name: "account_sid", type: "text" },
    { name: "auth_token", type: "secret" },
    { name: "from_number", type: "text" },
    { name: "stop_keywords", type: "lines", optional: true, default: STOP_KEYWORDS, hint: true },
    { name: "start_keywords", type: "lines", optional: true, default: START_KEYWORDS, hint: true },
    { name: "api_base", type: "url", optional: true, default: "https://api.twilio.com", hint: true },
    { name: "media_hosts", type: "lines", optional: true, hint: true },
  ],
  livechat: [
    { name: "allowed_origins", type: "lines", hint: true },
    { name: "greeting", type: "text", optional: true, hint: true },
    { name: "offline_text", type: "text", optional: true, hint: true },
    { name: "ask_name", type: "flag", checked: true },
    { name: "ask_email", type: "flag", checked: false },
  ],
};

/** A secret as the server answers it: set, with its last four characters when long. */
function secretState(value: unknown): { set: boolean; last4: string | null } {
  if (typeof value === "object" && value !== null && "set" in value) {
    const { set, last4 } = value as { set?: unknown; last4?: unknown };
    return { set: set === true, last4: typeof last4 === "string" ? last4 : null };
  }
  return { set: false, last4: null };
}

/** The form's fields a server problem names: `whatsapp.access_token`, `livechat.allowed_origins[1]`,
 * `route.queue`, `id`. */
function problemFields(message: string): string[] {
  return message
    .split("; ")
    .map((part) => part.split(":")[0]?.trim() ?? "")
    .map((key) => key.replace(/\[\d+\]$/, ""))
    .map((key) => (key.startsWith("route") ? "route" : key.includes(".") ? key.slice(key.indexOf(".") + 1) : key))
    .filter((key) => key !== "");
}

/** What an audit entry's action reads as; an action this app does not know, as it came. */
/** A value of an audit entry as a person reads it: secrets only as set. */
function shown(value: unknown, t: Translate): string {
  if (value === undefined || value === null || value === "") return "—";
  if (typeof value === "object" && !Array.isArray(value) && "set" in value) return t("admin.secretSet");
  if (Array.isArray(value)) return value.map((v) => shown(v, t)).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** What an entry changed, field by field (`before → after`), folded away; `null` when the
 * entry carries no values. Nested settings are listed as `settings.<name>`. */
function changes(entry: AuditEntry, t: Translate): HTMLElement | null {
  const flat = (value: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record(value))) {
      if (key === "settings" && Object.keys(record(inner)).length > 0) {
        for (const [name, setting] of Object.entries(record(inner))) out[`settings.${name}`] = setting;
      } else out[key] = inner;
    }
    return out;
  };
  const before = flat(entry.before);
  const after = flat(entry.after);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
  if (keys.length === 0) return null;
  return el(
    "details",
    { class: "admin-audit-changes", "data-testid": "admin-audit-changes" },
    el("summary", {}, t("admin.auditChanges", { count: keys.length })),
    el(
      "dl",
      {},
      ...keys.flatMap((key) => [el("dt", {}, key), el("dd", {}, `${shown(before[key], t)} → ${shown(after[key], t)}`)]),
    ),
  );
}

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
  /** What the audit log shows: kept while the dialog is open. */
  private auditFilter: AuditFilter = { action: null, target: null, actor: null };
  /** The audit log's filter form, built once so it keeps its values and focus. */
  private auditForm: HTMLFormElement | null = null;
  private queues: AdminQueue[] = [];
  /** Colleagues by extension, for the queues' members (from the directory everyone has). */
  private colleagues = new Map<string, Agent>();
  private channels: AdminChannel[] = [];
  /** The last check of each channel, shown again when the list is drawn again. */
  private readonly checks = new Map<string, ChannelCheck>();

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
    /** Drag and drop: the member dragged (its index), and where it lands. */
    const dropMember = (from: number, to: number) => {
      const [moved] = members.splice(from, 1);
      if (moved === undefined) return;
      members.splice(to, 0, moved);
      drawMembers();
      this.say(t("admin.memberMoved", { name: this.memberName(moved), position: String(to + 1) }));
    };
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
          const item = el(
            "li",
            { "data-testid": "admin-member", "data-extension": extension, draggable: "true", title: t("admin.dragMember") },
            el("span", { class: "drag-handle", "aria-hidden": "true" }, "⠿"),
            this.memberName(extension),
            " ",
            up,
            down,
            remove,
          );
          this.dragMember(item, i, dropMember);
          return item;
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

  /** The member being dragged (its index in the list), while a drag lasts. */
  private dragging: number | null = null;

  /** HTML5 drag and drop on a member's row: a line above or below the row under the pointer
   * shows where the member lands; the drop moves it there, as the Up and Down buttons do. */
  private dragMember(item: HTMLElement, index: number, move: (from: number, to: number) => void): void {
    const clear = () => {
      for (const row of item.parentElement?.children ?? []) row.classList.remove("drop-before", "drop-after");
    };
    /** Whether the pointer is on the lower half of the row. */
    const below = (event: DragEvent) => {
      const box = item.getBoundingClientRect();
      return event.clientY >= box.top + box.height / 2;
    };
    item.addEventListener("dragstart", (event) => {
      this.dragging = index;
      item.classList.add("dragging");
      if (event.dataTransfer) {
        event.dataTransfer.effectAllowed = "move";
        // Some engines start a drag only with data in it.
        event.dataTransfer.setData("text/plain", item.dataset.extension ?? "");
      }
    });
    item.addEventListener("dragover", (event) => {
      if (this.dragging === null) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
      const after = below(event);
      if (item.classList.contains(after ? "drop-after" : "drop-before")) return;
      clear();
      item.classList.add(after ? "drop-after" : "drop-before");
    });
    item.addEventListener("dragleave", (event) => {
      if (!item.contains(event.relatedTarget as Node | null)) item.classList.remove("drop-before", "drop-after");
    });
    item.addEventListener("drop", (event) => {
      const from = this.dragging;
      if (from === null) return;
      event.preventDefault();
      this.dragging = null;
      clear();
      for (const row of item.parentElement?.children ?? []) row.classList.remove("dragging");
      // The slot between rows it was dropped on, counted once the member has left its own.
      let to = index + (below(event) ? 1 : 0);
      if (from < to) to -= 1;
      if (to !== from) move(from, to);
    });
    item.addEventListener("dragend", () => {
      this.dragging = null;
      item.classList.remove("dragging");
      clear();
    });
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

  // ----- channels -----

  async showChannels(): Promise<void> {
    this.select("channels");
    try {
      this.channels = await this.ctx.track(this.ctx.backend.adminChannels());
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    this.drawChannels();
  }

  /** The channels; `focus`: the id of the channel whose heading takes the keyboard (after a
   * save), or a control's test id (after disable/enable, its counterpart). */
  private drawChannels(focus?: string): void {
    const { t } = this.ctx;
    const add = button(t("admin.addChannel"), "channel-add", { class: "primary" });
    add.addEventListener("click", () => void this.openChannelForm(null));
    this.body.replaceChildren(
      el("p", { class: "muted" }, t("admin.channelsIntro")),
      el("div", { class: "admin-toolbar" }, add),
      ...this.channels.map((channel) => this.channelSection(channel)),
    );
    if (focus) {
      const target =
        this.body.querySelector<HTMLElement>(`[data-testid="${focus}"]`) ??
        document.getElementById(`admin-channel-${focus}`);
      target?.focus();
    }
  }

  private channelSection(channel: AdminChannel): HTMLElement {
    const { t } = this.ctx;
    const route = channel.route_queue
      ? t("admin.routeQueue", { queue: channel.route_queue })
      : t("admin.routeExtension", { extension: channel.route_extension ?? "" });
    const headingId = `admin-channel-${channel.id}`;
    const actions = el("div", { class: "admin-row-actions" });
    if (channel.provisioned) {
      actions.append(el("span", { class: "muted", title: t("admin.provisionedTitle") }, t("admin.provisioned")));
    } else {
      const edit = button(t("admin.edit"), `channel-edit-${channel.id}`, {
        "aria-label": `${t("admin.edit")}: ${channel.id}`,
      });
      edit.addEventListener("click", () => void this.openChannelForm(channel));
      const toggle = channel.enabled
        ? button(t("admin.disable"), `channel-disable-${channel.id}`, { "aria-label": `${t("admin.disable")}: ${channel.id}` })
        : button(t("admin.enable"), `channel-enable-${channel.id}`, { "aria-label": `${t("admin.enable")}: ${channel.id}` });
      toggle.addEventListener("click", () => void this.setChannelEnabled(channel, !channel.enabled, toggle));
      actions.append(edit, toggle);
    }
    const check = button(t("admin.checkChannel"), `channel-check-${channel.id}`, {
      "aria-label": `${t("admin.checkChannel")}: ${channel.id}`,
    });
    const result = el("p", {
      class: "admin-check",
      role: "status",
      "data-testid": `channel-check-result-${channel.id}`,
    });
    const known = this.checks.get(channel.id);
    if (known) this.showCheck(result, known);
    check.addEventListener("click", () => void this.checkChannel(channel, check, result));
    actions.append(check);
    return el(
      "section",
      {
        class: "admin-channel",
        "data-testid": "admin-channel",
        "data-channel": channel.id,
        "data-enabled": String(channel.enabled),
        "aria-labelledby": headingId,
      },
      el(
        "h4",
        { id: headingId, tabindex: "-1" },
        `${channel.id} · ${t(`channel.${channel.kind}` as MessageKey)}`,
        channel.enabled ? null : el("span", { class: "admin-badge", "data-testid": "channel-disabled" }, t("admin.channelDisabled")),
      ),
      el("p", { class: "muted" }, route),
      this.channelSettings(channel),
      ...channel.console.map((item) => {
        const id = `admin-console-${channel.id}-${item.name}`;
        return el(
          "div",
          { class: "admin-console" },
          el("label", { class: "field-label", for: id }, t(`console.${item.name}` as MessageKey)),
          el("input", { type: "text", id, readonly: true, value: item.value, "data-testid": "admin-console-value" }),
        );
      }),
      actions,
      result,
    );
  }

  /** The channel's settings as answered: secrets only as set (and their last four). */
  private channelSettings(channel: AdminChannel): HTMLElement {
    const { t } = this.ctx;
    const specs = CHANNEL_SETTINGS[channel.kind as AddableKind] ?? [];
    const list = el("dl", { class: "admin-settings", "data-testid": "channel-settings" });
    // In the form's order; anything this app does not know yet after, as it came.
    const names = [
      ...specs.map((s) => s.name).filter((name) => name in channel.settings),
      ...Object.keys(channel.settings).filter((name) => !specs.some((s) => s.name === name)),
    ];
    for (const name of names) {
      const value = channel.settings[name];
      const spec = specs.find((s) => s.name === name);
      let shown: string;
      if (spec?.type === "secret") {
        const secret = secretState(value);
        shown = !secret.set
          ? t("admin.secretNotSet")
          : secret.last4
            ? t("admin.secretEndsIn", { last4: secret.last4 })
            : t("admin.secretSet");
      } else if (Array.isArray(value)) {
        shown = value.map(String).join(", ") || "—";
      } else if (typeof value === "boolean") {
        shown = value ? t("admin.yes") : t("admin.no");
      } else if (value === null || value === undefined || value === "") {
        shown = "—";
      } else {
        shown = String(value);
      }
      const label = spec ? t(`setting.${name}` as MessageKey) : name;
      list.append(el("dt", {}, label), el("dd", { "data-setting": name }, shown));
    }
    return list;
  }

  private showCheck(result: HTMLElement, check: ChannelCheck): void {
    const { t } = this.ctx;
    result.dataset.ok = String(check.ok);
    result.className = `admin-check ${check.ok ? "check-ok" : "check-problem"}`;
    result.replaceChildren(
      el("span", { class: "check-mark", "aria-hidden": "true" }, check.ok ? "✓" : "⚠"),
      el("strong", {}, check.ok ? t("admin.checkOk") : t("admin.checkProblem")),
      " ",
      check.summary,
    );
  }

  private checkChannel(channel: AdminChannel, check: HTMLButtonElement, result: HTMLElement): Promise<void> {
    const { t } = this.ctx;
    check.disabled = true;
    delete result.dataset.ok;
    result.className = "admin-check";
    result.textContent = t("admin.checking");
    return this.ctx.track(
      this.ctx.backend
        .checkChannel(channel.id)
        .catch((thrown: unknown): ChannelCheck => ({ ok: false, summary: describeError(toBackendError(thrown), t) }))
        .then((answer) => {
          this.checks.set(channel.id, answer);
          this.showCheck(result, answer);
        })
        .finally(() => {
          check.disabled = false;
        }),
    );
  }

  private setChannelEnabled(channel: AdminChannel, enabled: boolean, toggle: HTMLButtonElement): Promise<void> {
    const { t } = this.ctx;
    toggle.disabled = true;
    return this.ctx.track(
      this.ctx.backend.setChannelEnabled(channel.id, enabled).then(
        (changed) => {
          this.channels = this.channels.map((c) => (c.id === changed.id ? changed : c));
          this.say(enabled ? t("admin.channelEnabledSaid", { id: channel.id }) : t("admin.channelDisabledSaid", { id: channel.id }));
          // The keyboard stays on the button that undoes it.
          this.drawChannels(`channel-${enabled ? "disable" : "enable"}-${channel.id}`);
        },
        (thrown: unknown) => {
          toggle.disabled = false;
          this.failed(thrown);
        },
      ),
    );
  }

  /** The form that adds a channel, or edits `editing` (id and kind fixed; secrets left empty
   * keep their stored value). Routes may name any queue or enabled agent. */
  private async openChannelForm(editing: AdminChannel | null): Promise<void> {
    let queues: AdminQueue[];
    let agents: AdminAgent[];
    try {
      [queues, agents] = await this.ctx.track(Promise.all([this.ctx.backend.adminQueues(), this.ctx.backend.adminAgents()]));
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    this.say("");
    const form = this.channelForm(editing, queues, agents.filter((a) => !a.disabled));
    this.body.replaceChildren(form);
    (form.querySelector<HTMLElement>("input:not([disabled]), select:not([disabled])") ?? form).focus();
  }

  private channelForm(editing: AdminChannel | null, queues: AdminQueue[], agents: AdminAgent[]): HTMLFormElement {
    const { t } = this.ctx;
    const label = (forId: string, text: string) => el("label", { class: "field-label", for: forId }, text);
    const kind = el("select", { id: "channel-form-kind", "data-testid": "channel-form-kind" });
    for (const k of CHANNEL_KINDS) kind.append(el("option", { value: k }, t(`channel.${k}` as MessageKey)));
    kind.value = editing?.kind ?? "whatsapp";
    kind.disabled = editing !== null;
    const id = el("input", {
      type: "text",
      id: "channel-form-id",
      "data-testid": "channel-form-id",
      value: editing?.id ?? "",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "channel-form-id-hint",
    });
    id.disabled = editing !== null;

    // The route: a queue or an agent, each from its own list.
    const routeTo = el("select", { id: "channel-form-route", "data-testid": "channel-form-route" });
    routeTo.append(el("option", { value: "queue" }, t("admin.routeToQueue")), el("option", { value: "agent" }, t("admin.routeToAgent")));
    routeTo.value = editing?.route_extension ? "agent" : "queue";
    const queue = el("select", { id: "channel-form-queue", "data-testid": "channel-form-queue" });
    for (const q of queues) queue.append(el("option", { value: q.id }, q.name === q.id ? q.id : `${q.name} (${q.id})`));
    const agent = el("select", { id: "channel-form-agent", "data-testid": "channel-form-agent" });
    for (const a of agents) agent.append(el("option", { value: a.extension }, `${a.name} (${a.extension})`));
    // A route to a queue or agent not offered (gone, disabled) still shows as it is.
    const keep = (select: HTMLSelectElement, value: string | null) => {
      if (!value) return;
      if (![...select.options].some((o) => o.value === value)) select.append(el("option", { value }, value));
      select.value = value;
    };
    keep(queue, editing?.route_queue ?? null);
    keep(agent, editing?.route_extension ?? null);
    const queueLabel = label("channel-form-queue", t("admin.routeQueueField"));
    const agentLabel = label("channel-form-agent", t("admin.routeAgentField"));
    const showRoute = () => {
      const toQueue = routeTo.value === "queue";
      queue.hidden = queueLabel.hidden = !toQueue;
      agent.hidden = agentLabel.hidden = toQueue;
    };
    routeTo.addEventListener("change", showRoute);
    showRoute();

    // The kind's settings, drawn again when the kind changes.
    const settings = el("div", { class: "admin-form-settings", "data-testid": "channel-form-settings" });
    let readers: Array<(into: Record<string, unknown>) => void> = [];
    const drawSettings = () => {
      const specs = CHANNEL_SETTINGS[kind.value as AddableKind] ?? [];
      const drawn = specs.map((spec) => this.settingField(spec, editing));
      readers = drawn.map((d) => d.read);
      settings.replaceChildren(...drawn.flatMap((d) => d.parts));
    };
    kind.addEventListener("change", drawSettings);
    drawSettings();

    const error = el("p", { id: "channel-form-error", class: "form-error", role: "alert", "data-testid": "channel-form-error" });
    const save = button(editing ? t("admin.saveChannel") : t("admin.addChannel"), "channel-save", { class: "primary", type: "submit" });
    const cancel = button(t("chat.cancel"), "channel-form-cancel");
    cancel.addEventListener("click", () => this.drawChannels(editing ? `channel-edit-${editing.id}` : "channel-add"));
    const form = el(
      "form",
      { class: "admin-form", "aria-labelledby": "channel-form-heading", "data-testid": "channel-form", novalidate: true },
      el("h4", { id: "channel-form-heading" }, editing ? t("admin.editChannelHeading", { id: editing.id }) : t("admin.addChannelHeading")),
      label("channel-form-kind", t("admin.channelKind")),
      kind,
      label("channel-form-id", t("admin.channelId")),
      el("div", {}, id, el("div", { id: "channel-form-id-hint", class: "field-hint" }, t("admin.channelIdHint"))),
      label("channel-form-route", t("admin.routeTo")),
      routeTo,
      queueLabel,
      queue,
      agentLabel,
      agent,
      settings,
      error,
      el("div", { class: "dialog-bar" }, cancel, save),
    );
    // A field the server named is no longer marked once it is changed.
    form.addEventListener("input", (event) => (event.target as HTMLElement).removeAttribute("aria-invalid"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values: Record<string, unknown> = {};
      for (const read of readers) read(values);
      const toQueue = routeTo.value === "queue";
      const request: ChannelRequest = {
        id: editing ? null : id.value.trim(),
        kind: editing ? null : kind.value,
        route_queue: toQueue ? queue.value || null : null,
        route_extension: toQueue ? null : agent.value || null,
        settings: values,
      };
      for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
      error.textContent = "";
      save.disabled = true;
      const call = editing ? this.ctx.backend.updateChannel(editing.id, request) : this.ctx.backend.createChannel(request);
      void this.ctx.track(
        call
          .then(
            (channel) => {
              const known = this.channels.some((c) => c.id === channel.id);
              this.channels = known ? this.channels.map((c) => (c.id === channel.id ? channel : c)) : [...this.channels, channel];
              this.checks.delete(channel.id);
              this.say(editing ? t("admin.channelSaved", { id: channel.id }) : t("admin.channelAdded", { id: channel.id }));
              this.drawChannels(channel.id);
            },
            (thrown: unknown) => {
              const failure = toBackendError(thrown);
              error.textContent = describeError(failure, t);
              // Mark the fields the server named, so they can be found and are read as wrong.
              const named = failure.code === "invalid_channel" ? problemFields(failure.message) : [];
              const controls: Record<string, HTMLElement> = { id, kind, route: toQueue ? queue : agent };
              let first: HTMLElement | null = null;
              for (const name of named) {
                const control = controls[name] ?? form.querySelector<HTMLElement>(`[data-testid="channel-form-setting-${name}"]`);
                if (!control) continue;
                control.setAttribute("aria-invalid", "true");
                first ??= control;
              }
              first?.focus();
            },
          )
          .finally(() => (save.disabled = false)),
      );
    });
    return form;
  }

  /** One setting's label and control, and how its value goes into the request. */
  private settingField(
    spec: SettingSpec,
    editing: AdminChannel | null,
  ): { parts: HTMLElement[]; read: (into: Record<string, unknown>) => void } {
    const { t } = this.ctx;
    const testid = `channel-form-setting-${spec.name}`;
    const stored = editing?.settings[spec.name];
    const text = t(`setting.${spec.name}` as MessageKey);
    const hintId = `${testid}-hint`;
    const hint = spec.hint
      ? el("div", { id: hintId, class: "field-hint" }, t(`setting.${spec.name}.hint` as MessageKey, { default: spec.default ?? "" }))
      : null;
    const common = { id: testid, "data-testid": testid, "aria-describedby": hint ? hintId : null };
    const labelFor = el("label", { class: "field-label", for: testid }, text);
    switch (spec.type) {
      case "flag": {
        const box = el("input", { type: "checkbox", ...common });
        box.checked = typeof stored === "boolean" ? stored : (spec.checked ?? false);
        return {
          parts: [el("span", { "aria-hidden": "true" }), el("div", { class: "field-check" }, box, labelFor, hint)],
          read: (into) => {
            into[spec.name] = box.checked;
          },
        };
      }
      case "lines": {
        const area = el("textarea", { rows: "3", spellcheck: "false", ...common });
        area.value = Array.isArray(stored) ? stored.map(String).join("\n") : "";
        return {
          parts: [labelFor, el("div", {}, area, hint)],
          read: (into) => {
            const items = area.value
              .split("\n")
              .map((line) => line.trim())
              .filter((line) => line !== "");
            if (items.length > 0 || !spec.optional) into[spec.name] = items;
          },
        };
      }
      case "secret": {
        const secret = secretState(stored);
        const placeholder = !editing || !secret.set ? null : secret.last4 ? t("admin.secretKeepLast4", { last4: secret.last4 }) : t("admin.secretKeep");
        const input = el("input", { type: "password", autocomplete: "new-password", spellcheck: "false", placeholder, ...common });
        return {
          parts: [labelFor, el("div", {}, input, hint)],
          read: (into) => {
            // Empty: not sent, so an edit keeps the stored secret (and a new channel is told
            // it is missing).
            const value = input.value.trim();
            if (value !== "") into[spec.name] = value;
          },
        };
      }
      default: {
        const input = el("input", {
          type: spec.type === "url" ? "url" : "text",
          autocomplete: "off",
          spellcheck: "false",
          placeholder: spec.type === "url" ? (spec.default ?? null) : null,
          ...common,
        });
        input.value = typeof stored === "string" || typeof stored === "number" ? String(stored) : "";
        return {
          parts: [labelFor, el("div", {}, input, hint)],
          read: (into) => {
            const value = input.value.trim();
            if (value !== "" || !spec.optional || spec.type === "text") into[spec.name] = value;
          },
        };
      }
    }
  }

  // ----- audit log -----

  async showAudit(): Promise<void> {
    this.select("audit");
    this.auditEntries = [];
    this.auditNext = null;
    await this.loadAudit();
  }

  /** Filters by kind of change, by what it was about and by who made it. */
  private auditFilterForm(): HTMLFormElement {
    if (this.auditForm) return this.auditForm;
    const { t } = this.ctx;
    const kinds: [string, MessageKey][] = [
      ["", "admin.auditAll"],
      ["agent", "admin.auditAgents"],
      ["queue", "admin.auditQueues"],
      ["channel", "admin.auditChannels"],
    ];
    const action = el(
      "select",
      { id: "admin-audit-action", "data-testid": "admin-audit-action" },
      ...kinds.map(([value, label]) => el("option", { value }, t(label))),
    );
    const target = el("input", {
      id: "admin-audit-target",
      "data-testid": "admin-audit-target",
      type: "text",
      placeholder: "agent:102",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "admin-audit-target-hint",
    });
    const actor = el("input", {
      id: "admin-audit-actor",
      "data-testid": "admin-audit-actor",
      type: "text",
      inputmode: "numeric",
      autocomplete: "off",
    });
    const apply = el("button", { type: "submit", "data-testid": "admin-audit-apply" }, t("admin.auditApply"));
    const field = (input: HTMLElement, id: string, label: MessageKey, hint?: HTMLElement) =>
      el("div", { class: "admin-audit-field" }, el("label", { for: id }, t(label)), input, hint);
    const form = el(
      "form",
      { class: "admin-audit-filter", role: "search", "aria-label": t("admin.auditFilter"), "data-testid": "admin-audit-filter" },
      field(action, "admin-audit-action", "admin.auditKind"),
      field(
        target,
        "admin-audit-target",
        "admin.auditTarget",
        el("small", { id: "admin-audit-target-hint", class: "muted" }, t("admin.auditTargetHint")),
      ),
      field(actor, "admin-audit-actor", "admin.auditActor"),
      apply,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const given = (value: string) => value.trim() || null;
      this.auditFilter = { action: given(action.value), target: given(target.value), actor: given(actor.value) };
      this.auditEntries = [];
      this.auditNext = null;
      void this.loadAudit();
    });
    this.auditForm = form;
    return form;
  }

  private async loadAudit(): Promise<void> {
    const { t } = this.ctx;
    try {
      const page = await this.ctx.track(this.ctx.backend.audit(this.auditFilter, this.auditNext));
      this.auditEntries.push(...page.entries);
      this.auditNext = page.next;
    } catch (thrown) {
      this.failed(thrown);
      return;
    }
    const time = dateFormat(this.ctx.locale, { dateStyle: "short", timeStyle: "medium" });
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
          changes(entry, t),
        ),
      ),
    );
    const parts: HTMLElement[] = [this.auditFilterForm(), list];
    if (this.auditEntries.length === 0) parts.push(el("p", { class: "muted" }, t("admin.auditEmpty")));
    if (this.auditNext) {
      const more = button(t("admin.auditMore"), "admin-audit-more");
      more.addEventListener("click", () => void this.loadAudit());
      parts.push(more);
    }
    this.body.replaceChildren(...parts);
  }
}
