/**
 * The UI ↔ desktop-shell contract: the data the UI receives and every call it can make.
 *
 * The agent API's types (CONTRACT §4: snake_case fields, RFC 3339 times) are generated from
 * crates/protocol into web/protocol/ and re-exported here; the client engine's own types
 * (crates/client) are written below by hand. The Rust side is src-tauri/src/commands.rs:
 * each method below is one `#[tauri::command]` whose name is the method name in snake_case
 * (`templateCategories` → `template_categories`), taking the listed arguments by their
 * camelCase names (Tauri maps them to snake_case Rust parameters). Failures reject with
 * `{code, message}` (see `BackendError` in backend.ts).
 *
 * Live updates arrive as Tauri events (names in `EVENTS`), delivered to `Backend.onEvent`.
 */

// The shell hands these to the UI exactly as the server's JSON has them.
import type {
  AdminAgent,
  AdminChannel,
  AdminQueue,
  Agent,
  AgentRequest,
  AttachmentRef,
  AuditEntry,
  AuditFilter,
  AuditPage,
  QueueRequest,
  Author,
  ChannelCheck,
  ChannelKind,
  ChannelRequest,
  ChannelSummary,
  Contact,
  ContactHistory,
  Conversation,
  ConversationContact,
  ConversationStatus,
  Direction,
  HistoryEntry,
  Identity,
  Message,
  MessageStatus,
  Presence,
  QueueSummary,
  Role,
  SmsInfo,
  StartConversationRequest,
  StartedConversation,
  Template,
  TemplateChoice,
  TemplateParameter,
  TemplateRequest,
  WhatsAppTemplate,
} from "../../web/protocol";

export type {
  AdminAgent,
  AdminChannel,
  AdminQueue,
  Agent,
  AgentRequest,
  AttachmentRef,
  AuditEntry,
  AuditFilter,
  AuditPage,
  QueueRequest,
  Author,
  ChannelCheck,
  ChannelKind,
  ChannelRequest,
  ChannelSummary,
  Contact,
  ContactHistory,
  Conversation,
  ConversationContact,
  ConversationStatus,
  Direction,
  HistoryEntry,
  Identity,
  Message,
  MessageStatus,
  Presence,
  QueueSummary,
  Role,
  SmsInfo,
  StartConversationRequest,
  Template,
  TemplateChoice,
  TemplateParameter,
  WhatsAppTemplate,
};

// The shell's own types: crates/client and src-tauri, written by hand.

export type View = "recent" | "archived";
export type ConnectionState = "online" | "connecting" | "offline";

/** crates/client `MessagesPage`: a page from the local cache. */
export interface MessagesPage {
  /** Oldest first. */
  messages: Message[];
  /** Older messages exist: call again with `before` = the first message's id. */
  more: boolean;
  /** The history is still loading in the background; a `messages_changed` change follows. */
  loading: boolean;
}

export interface TemplateFilter {
  query?: string | null;
  category?: string | null;
  /** `pt` also matches `pt-BR`. */
  language?: string | null;
}

/** What `createTemplate`/`updateTemplate` send (the API's `TemplateRequest`). */
export type TemplateInput = TemplateRequest;

/** A piece of highlighted text: `matched` pieces are what the query found. */
export interface Segment {
  text: string;
  matched: boolean;
}

export interface SearchResults {
  messages: {
    message_id: string;
    conversation_id: string;
    conversation_name: string;
    author: Author;
    created_at: string;
    snippet: Segment[];
  }[];
  contacts: { contact: Contact; name: Segment[] }[];
  templates: { template: Template; name: Segment[]; body: Segment[] }[];
}

/** crates/client `StartedChat`: the chat a start request opened and its first message. */
export type StartedChat = StartedConversation & {
  /** A new chat; false when the message went into the customer's open chat on that channel
   * (or the request was a repeat). */
  created: boolean;
};

/** What may be attached (the server's limit, as it last said, and the accepted types). */
export interface AttachmentRules {
  max_bytes: number;
  /** Lower-case, without the dot. */
  extensions: string[];
}

/** A file checked before attaching: `refusal` says why it cannot be sent (names the file). */
export interface FileCheck {
  path: string;
  filename: string;
  size: number;
  mime?: string | null;
  image: boolean;
  refusal?: string | null;
}

/** What a double click on a received file did (`src-tauri/src/opening.rs`). */
export interface OpenedFile {
  /** True when the file opened in its app; false when its folder was shown instead. */
  opened: boolean;
  /** Why the folder was shown instead of the file, for the agent. */
  reason?: string | null;
}

/** A reply's attachment upload, reported while the outbox sends it. */
export interface UploadProgress {
  client_id: string;
  sent: number;
  total: number;
}

/** Preferences of this agent on this machine; every key persists across restarts. */
export interface Settings {
  /** Show the message text in OS notifications. */
  preview: boolean;
  /** Play a sound for new chats and messages. */
  sound_enabled: boolean;
  /** A bundled sound id (see `sounds()`), or `file:` + an absolute path chosen by the agent. */
  sound: string;
  /** Optional sound per channel (same format as `sound`); missing: `sound`. */
  channel_sounds: Partial<Record<ChannelKind, string>>;
  /** Optional sound per queue id (same format as `sound`), before the channel's; missing: the
   * channel's, then `sound`. */
  queue_sounds: Record<string, string>;
  /** Repeat the reminder every 30 s while a chat waits unowned in my queue. */
  repeat_unowned: boolean;
  /** `auto` follows the OS. */
  locale: "auto" | "en" | "pt-BR";
}

export interface Sound {
  id: string;
  /** Message-catalog key of its name, e.g. `sound.chime`. */
  label: string;
}

/** What the engine says must be redrawn (crates/client `Change`, tagged by `kind`). */
export type Change =
  | { kind: "conversation_upserted"; id: string }
  | { kind: "conversation_removed"; id: string; reason: string }
  | { kind: "conversations_reloaded" }
  | { kind: "messages_changed"; conversation_id: string }
  | { kind: "templates_changed" }
  | { kind: "contacts_changed" }
  | { kind: "agents_changed" }
  | { kind: "history_progress"; done: number; total: number }
  | ({ kind: "upload_progress" } & UploadProgress)
  | { kind: "connection"; state: ConnectionState }
  | { kind: "session_expired" }
  | { kind: "resync" };

/** Events the shell sends to the UI. */
export type ShellEvent =
  | { event: "change"; payload: Change }
  /** Bring this conversation into view (a notification or the tray was clicked). */
  | { event: "open_conversation"; payload: { id: string } }
  /** The tray menu changed the presence. */
  | { event: "presence"; payload: { presence: Presence } }
  /** The app's own updating moved on (src-tauri/src/updates.rs). */
  | { event: "update"; payload: UpdateStatus };

/** Tauri event names, one per `ShellEvent`. */
export const EVENTS = {
  change: "switchboard://change",
  open_conversation: "switchboard://open-conversation",
  presence: "switchboard://presence",
  update: "switchboard://update",
} as const;

/**
 * Where the app's updating from its server stands (`UpdateStatus` in src-tauri/src/updates.rs).
 * `off`: this app does not update itself — built without an update key, not installed from an
 * installer, or a release build talking to an `http://` server.
 */
export type UpdateStatus =
  | { state: "off"; reason: "no_key" | "not_installed" | "insecure_server" }
  | { state: "idle" }
  | { state: "checking" }
  | { state: "up_to_date" }
  | { state: "downloading"; version: string }
  | { state: "ready"; version: string; notes: string | null }
  | { state: "installing"; version: string }
  | { state: "refused"; version: string; message: string }
  | { state: "failed"; message: string };

/** Which version is running and where it keeps its data. */
export interface AppInfo {
  version: string;
  /** The folder for local data; `null` where the UI keeps none (in a browser). */
  dataDir: string | null;
  /** Pre-fills the login screen's server field (env `SWITCHBOARD_SERVER_URL`, e.g. the demo). */
  defaultServer: string | null;
  /** Benchmark baseline (env `SWITCHBOARD_BENCH_EMPTY_WINDOW`): show nothing, report the
   * first paint. */
  emptyWindow?: boolean;
}

/** Where the sign-in is kept: the OS keychain, or (when the keychain cannot be used) this run
 * of the app only — the next start asks for the password again. */
export type SignInKept = { kept: "keychain" } | { kept: "this_run_only"; detail: string };

/** What a person types on the login screen. */
export interface LoginRequest {
  server: string;
  user: string;
  password: string;
}

/**
 * Every call the UI makes. Screens get a `Backend` and never call Tauri themselves.
 */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  /** Milliseconds since the app process started (for the cold-start benchmark). */
  startupMs(): Promise<number>;

  // ----- session -----
  /** The agent signed in last time on this machine (token from the OS keychain), or null. */
  resume(): Promise<Agent | null>;
  /** Errors: `invalid_credentials`, `unreachable`, `not_switchboard`, `invalid_server_url`. */
  login(request: LoginRequest): Promise<Agent>;
  logout(): Promise<void>;
  /** After `login` failed with `password_change_required` (a temporary password): the agent's
   * own password; then signed in. Errors: `invalid_password` (too short; try again). */
  choosePassword(password: string): Promise<Agent>;
  /** The signed-in agent's new password; their other sessions end. Errors: `invalid_password`
   * (the current one is wrong, or the new one too short), `provisioned` (set in the server's
   * configuration file). */
  changePassword(current: string, next: string): Promise<void>;
  /** Where this session's sign-in is kept; null when nobody is signed in. */
  signInKept(): Promise<SignInKept | null>;
  connectionState(): Promise<ConnectionState>;
  setPresence(presence: Presence): Promise<Agent>;

  // ----- reading (from the local cache: works offline) -----
  /** Newest activity first; `limit`: only the first rows (the list pages as it scrolls). */
  conversations(view: View, limit?: number | null): Promise<Conversation[]>;
  conversation(id: string): Promise<Conversation | null>;
  /** `before`: a message id; newest page when null. */
  messages(id: string, before: string | null, limit: number): Promise<MessagesPage>;
  search(query: string): Promise<SearchResults>;
  templates(filter: TemplateFilter): Promise<Template[]>;
  templateCategories(): Promise<string[]>;
  templateLanguages(): Promise<string[]>;
  /** Colleagues by name or extension, with presence (for Transfer and internal chats). */
  agents(query: string): Promise<Agent[]>;

  // ----- sending -----
  /** Queues a reply and returns it `pending`; `files` are local paths. */
  send(conversationId: string, body: string, files: string[]): Promise<Message>;
  retrySend(clientId: string): Promise<void>;
  discardSend(clientId: string): Promise<void>;
  /** Sends once more a reply the server marked `failed`; it shows `pending` at once, then the
   * server's status. Errors carry the server's sentence: `not_resendable`, `reply_window_closed`
   * (WhatsApp takes an approved template only), `opted_out`, `channel_disabled`. */
  resend(messageId: string): Promise<Message>;
  markRead(id: string, upTo: string): Promise<void>;

  // ----- attachments -----
  attachmentRules(): Promise<AttachmentRules>;
  /** Checks local files (type from content, size) before they are attached. */
  checkFiles(paths: string[]): Promise<FileCheck[]>;
  /** The native file dialog; the chosen paths (empty when cancelled). */
  pickFiles(): Promise<string[]>;
  /** A dropped file's bytes, kept until sent; returns its local path for `send`. */
  stageFile(name: string, bytes: Uint8Array): Promise<string>;
  /** An image attachment's thumbnail as a `data:` URL. */
  thumbnail(attachmentId: string): Promise<string>;
  /**
   * Downloads the attachment (once) and opens it with the OS default app when its type is an
   * accepted one; otherwise shows it in its folder and says why (`reason`).
   */
  openAttachment(attachmentId: string): Promise<OpenedFile>;

  // ----- templates: managers, group owners, system owners (others get `forbidden`) -----
  createTemplate(template: TemplateInput): Promise<Template>;
  updateTemplate(id: string, template: TemplateInput): Promise<Template>;
  deleteTemplate(id: string): Promise<void>;

  // ----- conversation actions (online) -----
  take(id: string): Promise<Conversation>;
  /** Errors: `not_found` (no such colleague), `unreachable`. */
  transfer(id: string, extension: string): Promise<void>;
  resolve(id: string): Promise<Conversation>;
  archive(id: string): Promise<Conversation>;
  unarchive(id: string): Promise<Conversation>;
  deleteConversation(id: string): Promise<void>;
  /** Live chat only: tell the visitor the chat ended. */
  endSession(id: string): Promise<void>;
  /** Live chat only: block the visitor's address; `durationS` null: until unblocked. */
  block(id: string, durationS: number | null, reason: string): Promise<void>;
  startInternalChat(extensions: string[], title: string | null): Promise<Conversation>;

  // ----- reaching customers (online) -----
  /** The channels a chat can be started on: enabled SMS and WhatsApp ones. */
  channels(): Promise<ChannelSummary[]>;
  /** A WhatsApp channel's approved templates, every language, by name then language. Errors:
   * `not_found` (no such WhatsApp channel). */
  whatsappTemplates(channelId: string): Promise<WhatsAppTemplate[]>;
  /** Sends an approved template in a WhatsApp chat (also once the 24-hour window closed); the
   * stored message, its body the rendered text. `clientId` (a UUID) makes a retry of the same
   * values safe. Errors: `invalid_template` (the message names each missing or unknown
   * variable), `not_found`. Meta's refusals come later, as the message's `failed` status. */
  sendWhatsAppTemplate(conversationId: string, clientId: string, template: TemplateChoice): Promise<Message>;
  /** Starts a chat with a customer (SMS: `body`; WhatsApp: `template`) that this agent owns, or
   * writes in their open chat on that channel. Errors: `bad_input`/`invalid_*` (the field
   * named), `not_found`, `opted_out` (an SMS number that texted STOP), other channel rules. */
  startConversation(request: StartConversationRequest): Promise<StartedChat>;

  // ----- my queues (online) -----
  /** The queues I am a member of, by name (to give each its own sound). */
  myQueues(): Promise<QueueSummary[]>;

  // ----- contacts (online) -----
  contactHistory(contactId: string): Promise<ContactHistory>;
  /** Add contact from an unknown sender (pre-filled from the conversation). */
  addContactFromConversation(conversationId: string, name: string, emails: string[]): Promise<Contact>;
  /** `tel:`, `mailto:` and `sms:` links through the OS handler (other schemes refused). */
  openLink(url: string): Promise<void>;

  // ----- settings and notifications -----
  settings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  /** Plays a sound (a `Settings.sound` value) now, whether or not sounds are on: the
   * settings' preview. Errors: `bad_input` (no such sound, or a file that cannot be played). */
  playSound(sound: string): Promise<void>;
  /** The native file dialog, filtered to audio: the chosen file as a `Settings.sound` value
   * (`file:` + absolute path), or null when cancelled. Errors: `bad_input` (not playable). */
  pickSoundFile(): Promise<string | null>;
  /** The window is showing this conversation (no notification needed for it). */
  setActiveConversation(id: string | null): Promise<void>;

  // ----- administration (system owners; the server checks every call) -----
  adminAgents(): Promise<AdminAgent[]>;
  /** Errors: `invalid_agent` (the message names the field), `agent_taken`. */
  createAgent(request: AgentRequest): Promise<AdminAgent>;
  /** Errors: as `createAgent`, and `provisioned` (the configuration file's agent). */
  updateAgent(extension: string, request: AgentRequest): Promise<AdminAgent>;
  /** Signs the agent out everywhere; their chats go to `transferTo` or back to their queue. */
  disableAgent(extension: string, transferTo: string | null): Promise<AdminAgent>;
  enableAgent(extension: string): Promise<AdminAgent>;
  /** A temporary password: the agent's sessions end, the next sign-in asks for their own. */
  setTemporaryPassword(extension: string, password: string): Promise<AdminAgent>;
  /** Newest first, only the entries `filter` keeps; `after`: the previous page's `next`.
   * Errors: `agent_not_found` (no agent has the `actor` extension). */
  audit(filter: AuditFilter, after: string | null): Promise<AuditPage>;
  /** System owners: each channel's route, settings (secrets only as set) and console values. */
  adminChannels(): Promise<AdminChannel[]>;
  /** System owners. Errors: `invalid_channel` (the message names each field: `field: what is
   * wrong; …`), `channel_taken`. */
  createChannel(request: ChannelRequest): Promise<AdminChannel>;
  /** A secret left out (or "") keeps the stored value. Errors: `invalid_channel`,
   * `provisioned` (the configuration file's channel), `not_found`. */
  updateChannel(id: string, request: ChannelRequest): Promise<AdminChannel>;
  /** A disabled channel sends nothing and answers its webhooks 503. */
  setChannelEnabled(id: string, enabled: boolean): Promise<AdminChannel>;
  /** Asks the provider whether the channel's credentials work; `summary` says what it said. */
  checkChannel(id: string): Promise<ChannelCheck>;
  /** System owners: every queue; managers and group owners: theirs. */
  adminQueues(): Promise<AdminQueue[]>;
  /** System owners. Errors: `invalid_queue` (the message names the field), `queue_taken`. */
  createQueue(request: QueueRequest): Promise<AdminQueue>;
  /** Errors: `invalid_queue`, `provisioned`, `queue_not_found`. */
  updateQueue(id: string, request: QueueRequest): Promise<AdminQueue>;
  /** System owners. Errors: `queue_in_use` (channels route to it, or chats wait and no
   * `moveTo`), `provisioned`. */
  deleteQueue(id: string, moveTo: string | null): Promise<void>;

  // ----- the app's own updates -----
  updateStatus(): Promise<UpdateStatus>;
  /** Asks the server now; a newer version is downloaded and verified before this answers. */
  checkForUpdate(): Promise<UpdateStatus>;
  /** Installs the verified download and restarts into it. Errors: `update_failed`. */
  installUpdate(): Promise<void>;

  /** Subscribes to shell events; returns the unsubscribe function. */
  onEvent(handler: (event: ShellEvent) => void): Promise<() => void>;
}
