/**
 * An in-memory `Backend` for component tests: a small world of conversations, messages and
 * templates that the calls really change, and a way to push shell events.
 */
import type {
  Agent,
  Backend,
  ChannelSummary,
  Contact,
  Conversation,
  StartConversationRequest,
  StartedChat,
  TemplateChoice,
  WhatsAppTemplate,
  FileCheck,
  Message,
  OpenedFile,
  QueueSummary,
  Settings,
  ShellEvent,
  Template,
  TemplateInput,
  UpdateStatus,
  AdminAgent,
  AdminChannel,
  AdminQueue,
  AgentRequest,
  AuditEntry,
  AuditFilter,
  ChannelCheck,
  ChannelRequest,
  QueueRequest,
} from "../src/api";
import { BackendError } from "../src/backend";

export const ME: Agent = {
  id: "00000000-0000-7000-8000-000000000101",
  extension: "101",
  name: "Ana Souza",
  role: "agent",
  presence: "available",
};

export const BRUNO: Agent = {
  id: "00000000-0000-7000-8000-000000000102",
  extension: "102",
  name: "Bruno Lima",
  role: "agent",
  presence: "away",
};

const NOW = new Date().toISOString();

export function message(conversation: string, n: number, body: string, inbound = true): Message {
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    conversation_id: conversation,
    direction: inbound ? "inbound" : "outbound",
    author: inbound
      ? { kind: "contact", display_name: "Maria" }
      : { kind: "agent", id: ME.id, extension: ME.extension, name: ME.name },
    body,
    attachments: [],
    status: inbound ? "sent" : "delivered",
    created_at: NOW,
  };
}

export function conversation(
  id: string,
  channel: Conversation["channel"],
  name: string,
  extra: Partial<Conversation> = {},
): Conversation {
  // WhatsApp and Messenger chats answer within their reply window unless a test closes it.
  const window =
    channel === "whatsapp" || channel === "facebook"
      ? { reply_window_ends_at: new Date(Date.now() + 20 * 3600_000).toISOString() }
      : {};
  return {
    ...window,
    id,
    channel,
    channel_id: channel,
    status: "open",
    queue_id: "support",
    owner: ME,
    contact: { display_name: name, known: true },
    last_message: message(id, 1, `Hello from ${name}`),
    unread: 0,
    archived: false,
    created_at: NOW,
    updated_at: NOW,
    ...extra,
  };
}

export const TEMPLATES: Template[] = [
  { id: "t1", name: "Saudação", body: "Olá {{contact.first_name}}, sou {{agent.name}}!", category: "Geral", language: "pt-BR", updated_at: NOW },
  { id: "t2", name: "Greeting", body: "Hi {{contact.first_name}}, this is {{agent.name}}.", category: "General", language: "en", updated_at: NOW },
  { id: "t3", name: "Prazo de entrega", body: "Seu pedido chega em até 5 dias úteis.", category: "Entregas", language: "pt-BR", updated_at: NOW },
];

/** Approved WhatsApp templates as `GET /channels/{id}/whatsapp-templates` lists them. */
export const WA_TEMPLATES: WhatsAppTemplate[] = [
  {
    name: "order_update",
    language: "pt_BR",
    category: "UTILITY",
    header: "Pedido {{1}}",
    body: "Olá {{1}}, seu pedido sai {{2}}.",
    footer: "Loja Exemplo",
    buttons: ["Falar com atendente"],
    parameters: [
      { key: "header.1", example: "#4521" },
      { key: "body.1", example: "Maria" },
      { key: "body.2", example: "amanhã" },
    ],
  },
  {
    name: "boas_vindas",
    language: "pt_BR",
    category: "MARKETING",
    header: null,
    body: "Oi {{customer_name}}, em que podemos ajudar?",
    footer: null,
    buttons: [],
    parameters: [{ key: "body.customer_name", example: "Ana" }],
  },
  {
    name: "hello_world",
    language: "en_US",
    category: "UTILITY",
    header: null,
    body: "Hello, how can we help?",
    footer: null,
    buttons: [],
    parameters: [],
  },
];

export class FakeBackend implements Backend {
  conversationsById = new Map<string, Conversation>();
  messagesById = new Map<string, Message[]>();
  sent: { conversationId: string; body: string; files: string[] }[] = [];
  templateList: Template[] = [...TEMPLATES];
  /** What `pickFiles` answers next (the native dialog). */
  picked: string[] = [];
  /** `checkFiles` answers: refusals by path; other paths pass. */
  refusals = new Map<string, string>();
  staged: { name: string; size: number }[] = [];
  transfers: { id: string; extension: string }[] = [];
  calls: string[] = [];
  saved: Settings | null = null;
  stored: Settings = {
    preview: true,
    sound_enabled: true,
    sound: "chime",
    channel_sounds: {},
    queue_sounds: {},
    repeat_unowned: true,
    locale: "auto",
  };
  private handlers: ((event: ShellEvent) => void)[] = [];

  constructor(conversations: Conversation[]) {
    for (const c of conversations) {
      this.conversationsById.set(c.id, c);
      this.messagesById.set(c.id, c.last_message ? [c.last_message] : []);
    }
  }

  emit(event: ShellEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  appInfo = () => Promise.resolve({ version: "0.1.0", dataDir: null, defaultServer: null });
  startupMs = () => Promise.resolve(1);
  resume = () => Promise.resolve(ME);
  login = () => Promise.resolve(ME);
  logout = () => Promise.resolve();
  /** The current password `changePassword` accepts. */
  password = "pw";
  choosePassword = () => Promise.resolve(ME);
  changePassword = (current: string, next: string) => {
    this.calls.push("change-password");
    if (current !== this.password) {
      return Promise.reject(new BackendError("invalid_password", "current_password: that is not your current password"));
    }
    this.password = next;
    return Promise.resolve();
  };
  signInKept = () => Promise.resolve({ kept: "keychain" as const });
  connectionState = () => Promise.resolve("online" as const);
  setPresence = (presence: Agent["presence"]) => Promise.resolve({ ...ME, presence });
  conversations = (view: "recent" | "archived", limit?: number | null) =>
    Promise.resolve(
      [...this.conversationsById.values()]
        .filter((c) => c.archived === (view === "archived"))
        .slice(0, limit ?? undefined),
    );
  conversation = (id: string) => Promise.resolve(this.conversationsById.get(id) ?? null);
  messages = (id: string) =>
    Promise.resolve({ messages: this.messagesById.get(id) ?? [], more: false, loading: false });
  search = (query: string) =>
    Promise.resolve({
      messages: [...this.messagesById.values()]
        .flat()
        .filter((m) => m.body.toLowerCase().includes(query.toLowerCase()))
        .map((m) => ({
          message_id: m.id,
          conversation_id: m.conversation_id,
          conversation_name: this.conversationsById.get(m.conversation_id)?.contact.display_name ?? "",
          author: m.author,
          created_at: m.created_at,
          snippet: [{ text: m.body, matched: true }],
        })),
      contacts: this.contactList
        .filter((c) => c.name.toLowerCase().includes(query.toLowerCase()))
        .map((contact) => ({ contact, name: [{ text: contact.name, matched: true }] })),
      templates: [],
    });
  /** The directory, as the search finds it by name. */
  contactList: Contact[] = [];
  templates = (filter: { query?: string | null; category?: string | null; language?: string | null }) =>
    Promise.resolve(
      this.templateList.filter(
        (t) =>
          (!filter.query || `${t.name} ${t.body}`.toLowerCase().includes(filter.query.toLowerCase())) &&
          (!filter.category || t.category === filter.category) &&
          (!filter.language || t.language.startsWith(filter.language)),
      ),
    );
  templateCategories = () => Promise.resolve([...new Set(this.templateList.map((t) => t.category))].sort());
  templateLanguages = () => Promise.resolve(["en", "pt-BR"]);
  agents = (query: string) =>
    Promise.resolve([ME, BRUNO].filter((a) => `${a.name} ${a.extension}`.toLowerCase().includes(query.toLowerCase())));
  send = (conversationId: string, body: string, files: string[] = []) => {
    this.sent.push({ conversationId, body, files });
    const list = this.messagesById.get(conversationId) ?? [];
    const m = {
      ...message(conversationId, 100 + list.length, body, false),
      client_id: `client-${list.length}`,
      attachments: files.map((path, i) => ({
        id: `local-${i}`,
        filename: path.split("/").pop() ?? path,
        mime: "application/pdf",
        size: 1000,
      })),
      status: "pending" as const,
    };
    list.push(m);
    this.messagesById.set(conversationId, list);
    return Promise.resolve(m);
  };
  retrySend = () => Promise.resolve();
  discardSend = () => Promise.resolve();
  /** What `resend` refuses with next (the server's rules), once. */
  resendRefusal: BackendError | null = null;
  resend = (messageId: string) => {
    this.calls.push(`resend ${messageId}`);
    const refusal = this.resendRefusal;
    this.resendRefusal = null;
    if (refusal) return Promise.reject(refusal);
    for (const list of this.messagesById.values()) {
      const i = list.findIndex((m) => m.id === messageId);
      const m = list[i];
      if (!m) continue;
      if (m.status !== "failed" || m.direction !== "outbound") {
        return Promise.reject(new BackendError("not_resendable", "Only a reply whose delivery failed can be sent again."));
      }
      const queued: Message = { ...m, status: "pending", error: null };
      list[i] = queued;
      return Promise.resolve({ ...queued });
    }
    return Promise.reject(new BackendError("not_found", "No such message."));
  };
  markRead = () => Promise.resolve();
  attachmentRules = () => Promise.resolve({ max_bytes: 1024 * 1024, extensions: ["pdf", "png", "jpg", "txt"] });
  checkFiles = (paths: string[]) =>
    Promise.resolve(
      paths.map(
        (path): FileCheck => ({
          path,
          filename: path.split("/").pop() ?? path,
          size: 1000,
          mime: this.refusals.has(path) ? null : "application/pdf",
          image: false,
          refusal: this.refusals.get(path) ?? null,
        }),
      ),
    );
  pickFiles = () => Promise.resolve(this.picked);
  stageFile = (name: string, bytes: Uint8Array) => {
    this.staged.push({ name, size: bytes.length });
    return Promise.resolve(`/staged/${name}`);
  };
  thumbnail = (attachmentId: string) => Promise.resolve(`data:image/jpeg;base64,${btoa(attachmentId)}`);
  /** What `openAttachment` answers, by attachment id (opened, by default). */
  openings = new Map<string, OpenedFile>();
  openAttachment = (attachmentId: string) => {
    this.calls.push(`open ${attachmentId}`);
    return Promise.resolve(this.openings.get(attachmentId) ?? { opened: true, reason: null });
  };
  createTemplate = (input: TemplateInput) => {
    const created: Template = { ...input, id: `t${this.templateList.length + 1}`, updated_at: NOW };
    this.templateList.push(created);
    this.calls.push(`create-template ${input.name}`);
    return Promise.resolve(created);
  };
  updateTemplate = (id: string, input: TemplateInput) => {
    const updated: Template = { ...input, id, updated_at: NOW };
    this.templateList = this.templateList.map((t) => (t.id === id ? updated : t));
    this.calls.push(`update-template ${id} ${input.name}`);
    return Promise.resolve(updated);
  };
  deleteTemplate = (id: string) => {
    this.templateList = this.templateList.filter((t) => t.id !== id);
    this.calls.push(`delete-template ${id}`);
    return Promise.resolve();
  };
  private update(id: string, change: Partial<Conversation>): Promise<Conversation> {
    const c = this.conversationsById.get(id);
    if (!c) return Promise.reject(new BackendError("not_found", "no such conversation"));
    const next = { ...c, ...change };
    this.conversationsById.set(id, next);
    return Promise.resolve(next);
  }
  take = (id: string) => {
    this.calls.push(`take ${id}`);
    return this.update(id, { owner: ME, status: "open" });
  };
  transfer = (id: string, extension: string) => {
    this.transfers.push({ id, extension });
    this.conversationsById.delete(id);
    return Promise.resolve();
  };
  resolve = (id: string) => {
    this.calls.push(`resolve ${id}`);
    return this.update(id, { status: "resolved", archived: true });
  };
  archive = (id: string) => this.update(id, { archived: true });
  unarchive = (id: string) => this.update(id, { archived: false });
  deleteConversation = (id: string) => {
    this.calls.push(`delete ${id}`);
    this.conversationsById.delete(id);
    return Promise.resolve();
  };
  endSession = (id: string) => {
    this.calls.push(`end-session ${id}`);
    return Promise.resolve();
  };
  block = (id: string, durationS: number | null, reason: string) => {
    this.calls.push(`block ${id} ${durationS} ${reason}`);
    return Promise.resolve();
  };
  startInternalChat = (extensions: string[], title: string | null) => {
    const id = `00000000-0000-7000-8000-0000000000${String(this.conversationsById.size).padStart(2, "0")}`;
    const c = conversation(id, "internal", "", { title, last_message: null });
    this.calls.push(`internal ${extensions.join(",")} ${title}`);
    this.conversationsById.set(id, c);
    this.messagesById.set(id, []);
    return Promise.resolve(c);
  };
  /** `channels()` answers: the channels a chat can be started on (an error: offline). */
  channelList: ChannelSummary[] | BackendError = [
    { id: "wa-main", kind: "whatsapp" },
    { id: "sms-main", kind: "sms" },
  ];
  channels = () => {
    const list = this.channelList;
    return list instanceof BackendError ? Promise.reject(list) : Promise.resolve(list.map((c) => ({ ...c })));
  };
  /** Every WhatsApp channel's approved templates (an error: the list could not be had). */
  waTemplates: WhatsAppTemplate[] | BackendError = structuredClone(WA_TEMPLATES);
  whatsappTemplates = (channelId: string) => {
    this.calls.push(`wa-templates ${channelId}`);
    const list = this.waTemplates;
    return list instanceof BackendError ? Promise.reject(list) : Promise.resolve(structuredClone(list));
  };
  /** The server's answer to the next template send or chat start, when it refuses. */
  refusal: BackendError | null = null;
  templatesSent: { conversationId: string; clientId: string; template: TemplateChoice }[] = [];
  /** Checks the values as the server does: every variable filled, none unknown. */
  private filled(template: TemplateChoice): string {
    const known = Array.isArray(this.waTemplates) ? this.waTemplates : [];
    const tpl = known.find((t) => t.name === template.name && t.language === template.language);
    if (!tpl) throw new BackendError("invalid_template", `template: ${template.name} is not an approved template in ${template.language}`);
    const missing = tpl.parameters.filter((p) => !template.parameters[p.key]?.trim()).map((p) => `${p.key}: is missing; fill every variable`);
    if (missing.length) throw new BackendError("invalid_template", `template: ${missing.join("; ")}`);
    const fill = (text: string, part: string) =>
      text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_, name: string) => template.parameters[`${part}.${name}`] ?? "");
    return [tpl.header ? fill(tpl.header, "header") : null, fill(tpl.body, "body"), tpl.footer]
      .filter((p) => p !== null)
      .join("\n\n");
  }
  sendWhatsAppTemplate = (conversationId: string, clientId: string, template: TemplateChoice) =>
    this.adminCall(() => {
      this.templatesSent.push({ conversationId, clientId, template: structuredClone(template) });
      if (this.refusal) throw this.refusal;
      const body = this.filled(template);
      const list = this.messagesById.get(conversationId) ?? [];
      const m: Message = { ...message(conversationId, 200 + list.length, body, false), client_id: clientId, status: "sent" };
      list.push(m);
      this.messagesById.set(conversationId, list);
      return m;
    });
  started: StartConversationRequest[] = [];
  startConversation = (request: StartConversationRequest) =>
    this.adminCall((): StartedChat => {
      this.started.push(structuredClone(request));
      if (this.refusal) throw this.refusal;
      const kind = this.channelList instanceof BackendError ? "sms" : (this.channelList.find((c) => c.id === request.channel_id)?.kind ?? "sms");
      const body = request.template ? this.filled(request.template) : (request.body ?? "");
      const id = `00000000-0000-7000-8000-0000000001${String(this.conversationsById.size).padStart(2, "0")}`;
      const address = request.address ?? "+5511999990000";
      const m: Message = { ...message(id, 300, body, false), client_id: request.client_id, status: "pending" };
      const c = conversation(id, kind, address, {
        channel_id: request.channel_id,
        contact: { id: request.contact_id ?? null, display_name: address, known: !!request.contact_id, identity: { kind, value: address } },
        last_message: m,
        reply_window_ends_at: null,
      });
      this.conversationsById.set(id, c);
      this.messagesById.set(id, [m]);
      return { conversation: c, message: m, created: true };
    });
  contactHistory = (contactId: string) =>
    Promise.resolve({
      contact: {
        id: contactId,
        name: "João Pereira",
        emails: ["joao@example.com"],
        phones: ["+5511987654321"],
        identities: [],
        created_at: NOW,
        updated_at: NOW,
      },
      conversations: [
        {
          conversation_id: "h1",
          channel: "whatsapp" as const,
          channel_id: "wa",
          status: "resolved" as const,
          handled_by: BRUNO,
          outcome: "resolved",
          messages: 4,
          last_message: "Obrigado!",
          started_at: NOW,
        },
      ],
    });
  addContactFromConversation = (conversationId: string, name: string, emails: string[]) => {
    this.calls.push(`add-contact ${conversationId} ${name} ${emails.join(",")}`);
    const c = this.conversationsById.get(conversationId);
    if (c) this.conversationsById.set(conversationId, { ...c, contact: { ...c.contact, known: true, display_name: name } });
    return Promise.resolve({ id: "c1", name, emails, phones: [], identities: [], created_at: NOW, updated_at: NOW });
  };
  links: string[] = [];
  openLink = (url: string) => {
    this.links.push(url);
    return Promise.resolve();
  };
  /** My queues; an error stands for being offline. */
  queues: QueueSummary[] | Error = [
    { id: "sales", name: "Sales" },
    { id: "support", name: "Support" },
  ];
  myQueues = () => (this.queues instanceof Error ? Promise.reject(this.queues) : Promise.resolve(this.queues));
  settings = () => Promise.resolve(this.stored);
  saveSettings = (settings: Settings) => {
    this.saved = settings;
    this.stored = settings;
    return Promise.resolve();
  };
  /** Sounds played (the settings' preview), in order. */
  played: string[] = [];
  playSound = (sound: string) => {
    this.played.push(sound);
    return Promise.resolve();
  };
  /** What `pickSoundFile` answers next: a `file:` value, null (cancelled) or an error. */
  pickedSound: string | null | BackendError = null;
  pickSoundFile = () => {
    this.calls.push("pick-sound-file");
    const answer = this.pickedSound;
    return answer instanceof BackendError ? Promise.reject(answer) : Promise.resolve(answer);
  };
  setActiveConversation = () => Promise.resolve();
  /** The administration's agents and its audit log, newest first; `auditPageSize` entries
   * a page. */
  adminList: AdminAgent[] = [];
  auditLog: AuditEntry[] = [];
  auditPageSize = 50;
  private audited(action: string, extension: string): void {
    this.auditLog.unshift({
      id: `00000000-0000-7000-9000-${String(this.auditLog.length + 1).padStart(12, "0")}`,
      at: new Date().toISOString(),
      actor: "Olga Owner (190)",
      action,
      target: `agent:${extension}`,
      before: null,
      after: null,
    });
  }
  private adminAgent(extension: string): AdminAgent {
    const agent = this.adminList.find((a) => a.extension === extension);
    if (!agent) throw new BackendError("agent_not_found", `No agent has extension ${extension}.`);
    if (agent.provisioned) throw new BackendError("provisioned", `Agent ${extension} is managed by the configuration file.`);
    return agent;
  }
  private adminCall<T>(f: () => T): Promise<T> {
    try {
      return Promise.resolve(f());
    } catch (thrown) {
      return Promise.reject(thrown);
    }
  }
  adminAgents = () => Promise.resolve(this.adminList.map((a) => ({ ...a })));
  createAgent = (request: AgentRequest) =>
    this.adminCall(() => {
      this.calls.push(`create-agent ${request.extension}`);
      if (this.adminList.some((a) => a.extension === request.extension)) {
        throw new BackendError("agent_taken", `Another agent already has extension ${request.extension}; choose another.`);
      }
      const agent: AdminAgent = {
        id: `00000000-0000-7000-8000-000000000${request.extension}`,
        extension: request.extension ?? "",
        name: request.name ?? "",
        email: request.email || null,
        role: request.role ?? "agent",
        queues: [],
        disabled: false,
        provisioned: false,
        must_change_password: true,
        password: { set: true },
      };
      this.adminList.push(agent);
      this.audited("agent.create", agent.extension);
      return { ...agent };
    });
  updateAgent = (extension: string, request: AgentRequest) =>
    this.adminCall(() => {
      const agent = this.adminAgent(extension);
      Object.assign(agent, {
        extension: request.extension ?? agent.extension,
        name: request.name ?? agent.name,
        email: request.email === null ? agent.email : request.email || null,
        role: request.role ?? agent.role,
      });
      this.audited("agent.update", agent.extension);
      return { ...agent };
    });
  disableAgent = (extension: string, transferTo: string | null) =>
    this.adminCall(() => {
      this.calls.push(`disable-agent ${extension} ${transferTo ?? "queue"}`);
      const agent = this.adminAgent(extension);
      agent.disabled = true;
      this.audited("agent.disable", extension);
      return { ...agent };
    });
  enableAgent = (extension: string) =>
    this.adminCall(() => {
      const agent = this.adminAgent(extension);
      agent.disabled = false;
      this.audited("agent.enable", extension);
      return { ...agent };
    });
  setTemporaryPassword = (extension: string, password: string) =>
    this.adminCall(() => {
      const agent = this.adminAgent(extension);
      if (password.length < 8) throw new BackendError("invalid_agent", "password: at least 8 characters");
      agent.must_change_password = true;
      this.audited("agent.password", extension);
      return { ...agent };
    });
  adminChannelList: AdminChannel[] = [];
  adminChannels = () => Promise.resolve(this.adminChannelList.map((c) => structuredClone(c)));
  /** The channel requests sent, in order (`create` or `update <id>`, and the request). */
  channelRequests: Array<{ call: string; request: ChannelRequest }> = [];
  /** What `checkChannel` answers, by channel id; otherwise that the provider knows it. */
  channelChecks: Record<string, ChannelCheck | BackendError> = {};
  /** The settings each kind must have, as the server checks them (the rest it defaults). */
  private static readonly REQUIRED: Record<string, string[]> = {
    whatsapp: ["phone_number_id", "access_token", "app_secret", "verify_token"],
    facebook: ["page_id", "page_access_token", "app_secret", "verify_token"],
    sms: ["account_sid", "auth_token", "from_number"],
    livechat: [],
  };
  private static readonly SECRETS = ["access_token", "page_access_token", "app_secret", "verify_token", "auth_token"];
  /** The settings as the server answers them: secrets only as set, with the last four of long ones. */
  private static answered(settings: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(settings)) {
      if (FakeBackend.SECRETS.includes(name) && typeof value === "string") {
        out[name] = value.length >= 16 ? { set: true, last4: value.slice(-4) } : { set: value !== "" };
      } else {
        out[name] = value;
      }
    }
    return out;
  }
  /** The secrets as stored (never answered), by channel id. */
  private storedSecrets = new Map<string, Record<string, unknown>>();
  private checkedChannel(kind: string, request: ChannelRequest, settings: Record<string, unknown>): void {
    const problems: string[] = [];
    if (!/^[A-Za-z0-9_-]+$/.test(request.id ?? "x")) problems.push(`id: ${JSON.stringify(request.id)} may use only letters, digits, - and _`);
    if (!request.route_queue === !request.route_extension) problems.push("route: needs exactly one of queue or extension");
    for (const name of FakeBackend.REQUIRED[kind] ?? []) {
      const value = settings[name];
      if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) problems.push(`${kind}.${name}: is missing`);
    }
    if (problems.length > 0) throw new BackendError("invalid_channel", problems.join("; "));
  }
  createChannel = (request: ChannelRequest) =>
    this.adminCall(() => {
      this.channelRequests.push({ call: "create", request: structuredClone(request) });
      const kind = request.kind ?? "";
      this.checkedChannel(kind, request, request.settings);
      const id = request.id ?? "";
      if (this.adminChannelList.some((c) => c.id === id)) {
        throw new BackendError("channel_taken", `Another channel already has the id ${id}; choose another.`);
      }
      const channel: AdminChannel = {
        id,
        kind: kind as AdminChannel["kind"],
        route_queue: request.route_queue,
        route_extension: request.route_extension,
        provisioned: false,
        enabled: true,
        settings: FakeBackend.answered(request.settings),
        console: [{ name: "webhook_url", value: `https://chat.example.com/webhooks/${kind}/${id}` }],
      };
      this.storedSecrets.set(id, { ...request.settings });
      this.adminChannelList.push(channel);
      return structuredClone(channel);
    });
  private managedChannel(id: string): AdminChannel {
    const channel = this.adminChannelList.find((c) => c.id === id);
    if (!channel) throw new BackendError("not_found", `No channel ${id}.`);
    if (channel.provisioned) throw new BackendError("provisioned", `Channel ${id} is managed by the configuration file.`);
    return channel;
  }
  updateChannel = (id: string, request: ChannelRequest) =>
    this.adminCall(() => {
      this.channelRequests.push({ call: `update ${id}`, request: structuredClone(request) });
      const channel = this.managedChannel(id);
      // A secret left out (or empty) keeps the stored one.
      const settings = { ...request.settings };
      for (const name of FakeBackend.SECRETS) {
        // (a channel the test started with has its secrets only as answered)
        const stored = this.storedSecrets.get(id)?.[name] ?? channel.settings[name];
        if ((settings[name] === undefined || settings[name] === "") && stored !== undefined) settings[name] = stored;
      }
      this.checkedChannel(channel.kind, { ...request, id }, settings);
      this.storedSecrets.set(id, settings);
      Object.assign(channel, {
        route_queue: request.route_queue,
        route_extension: request.route_extension,
        settings: FakeBackend.answered(settings),
      });
      return structuredClone(channel);
    });
  setChannelEnabled = (id: string, enabled: boolean) =>
    this.adminCall(() => {
      this.calls.push(`${enabled ? "enable" : "disable"}-channel ${id}`);
      const channel = this.managedChannel(id);
      channel.enabled = enabled;
      return structuredClone(channel);
    });
  checkChannel = (id: string) => {
    this.calls.push(`check-channel ${id}`);
    const answer = this.channelChecks[id] ?? { ok: true, summary: `The provider knows channel ${id}.` };
    return answer instanceof BackendError ? Promise.reject(answer) : Promise.resolve(answer);
  };
  adminQueueList: AdminQueue[] = [];
  adminQueues = () => Promise.resolve(this.adminQueueList.map((q) => ({ ...q, agents: [...q.agents] })));
  createQueue = (request: QueueRequest) =>
    this.adminCall(() => {
      const queue: AdminQueue = {
        id: request.id ?? "",
        name: request.name ?? request.id ?? "",
        strategy: request.strategy ?? "ring_all",
        agents: request.agents ?? [],
        offer_timeout_s: request.offer_timeout_s ?? 30,
        max_chats_per_agent: request.max_chats_per_agent ?? 0,
        waiting: 0,
        provisioned: false,
      };
      this.adminQueueList.push(queue);
      this.audited("queue.create", queue.id);
      return { ...queue };
    });
  updateQueue = (id: string, request: QueueRequest) =>
    this.adminCall(() => {
      this.calls.push(`update-queue ${id} ${JSON.stringify(request.agents)} ${request.strategy}`);
      const queue = this.adminQueueList.find((q) => q.id === id);
      if (!queue) throw new BackendError("queue_not_found", `No queue "${id}" that you may change.`);
      if (queue.provisioned) throw new BackendError("provisioned", `Queue ${id} is managed by the configuration file.`);
      Object.assign(queue, {
        name: request.name ?? queue.name,
        strategy: request.strategy ?? queue.strategy,
        agents: request.agents ?? queue.agents,
      });
      return { ...queue };
    });
  deleteQueue = (id: string, moveTo: string | null) =>
    this.adminCall(() => {
      this.calls.push(`delete-queue ${id} ${moveTo ?? "-"}`);
      this.adminQueueList = this.adminQueueList.filter((q) => q.id !== id);
    });
  /** The filters asked for, in order. */
  auditFilters: AuditFilter[] = [];
  audit = (filter: AuditFilter, after: string | null) => {
    this.auditFilters.push(filter);
    const log = this.auditLog.filter(
      (e) =>
        (!filter.action || e.action.startsWith(filter.action)) &&
        (!filter.target || e.target === filter.target) &&
        (!filter.actor || (e.actor ?? "").endsWith(`(${filter.actor})`)),
    );
    const start = after ? log.findIndex((e) => e.id === after) + 1 : 0;
    const entries = log.slice(start, start + this.auditPageSize);
    const next = start + this.auditPageSize < log.length ? (entries.at(-1)?.id ?? null) : null;
    return Promise.resolve({ entries, next });
  };
  /** The app's own updating: what `updateStatus`/`checkForUpdate` answer, and how
   * `installUpdate` ends (an error, or nothing). */
  appUpdate: UpdateStatus = { state: "idle" };
  installError: BackendError | null = null;
  updateStatus = () => Promise.resolve(this.appUpdate);
  checkForUpdate = () => {
    this.calls.push("check-for-update");
    return Promise.resolve(this.appUpdate);
  };
  installUpdate = () => {
    this.calls.push("install-update");
    return this.installError ? Promise.reject(this.installError) : Promise.resolve();
  };
  onEvent = (handler: (event: ShellEvent) => void) => {
    this.handlers.push(handler);
    return Promise.resolve(() => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    });
  };
}
