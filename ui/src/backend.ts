/**
 * The backends behind the one `Backend` interface (ui/src/api.ts).
 *
 * Screens receive a `Backend` and never call Tauri's `invoke` themselves. The desktop app gets
 * `tauriBackend` (Rust commands in src-tauri/src/commands.rs); a plain browser, such as a
 * preview, gets `webBackend`, which cannot reach a server and says so.
 */
import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ErrorCode as WireErrorCode } from "../../web/protocol";
import { EVENTS, type Backend, type ShellEvent } from "./api";

export type { AppInfo, Backend, LoginRequest } from "./api";

/**
 * The `code` of a failure: one of the Rust side's codes (`switchboard_protocol::ErrorCode`,
 * generated into web/protocol), or `not_connected` from the browser backend. A code this UI
 * does not know yet is kept as it came, with the message for a person.
 */
export type ErrorCode = WireErrorCode | "not_connected" | (string & {});

/** A failure as every backend reports it: a stable code plus a message for a person. */
export class BackendError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BackendError";
  }
}

/** Turns whatever a backend call threw (an IPC `{code, message}` object, an Error, a string)
 * into a `BackendError`, so callers handle one shape. */
export function toBackendError(thrown: unknown): BackendError {
  if (thrown instanceof BackendError) return thrown;
  if (typeof thrown === "object" && thrown !== null && "code" in thrown) {
    const { code, message } = thrown as { code: unknown; message?: unknown };
    const known = typeof code === "string" && /^[a-z0-9_]+$/.test(code) ? code : "unknown";
    return new BackendError(known, String(message ?? code));
  }
  return new BackendError("unknown", thrown instanceof Error ? thrown.message : String(thrown));
}

/** One Rust command; rejections become `BackendError`s. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw toBackendError(thrown);
  }
}

/** The desktop app: calls the Rust commands over Tauri's IPC. */
export const tauriBackend: Backend = {
  appInfo: () => call("app_info"),
  startupMs: () => call("startup_ms"),
  resume: () => call("resume"),
  login: (request) => call("login", { ...request }),
  logout: () => call("logout"),
  choosePassword: (password) => call("choose_password", { password }),
  changePassword: (current, next) => call("change_password", { current, new: next }),
  signInKept: () => call("sign_in_kept"),
  connectionState: () => call("connection_state"),
  setPresence: (presence) => call("set_presence", { presence }),
  conversations: (view, limit) => call("conversations", { view, limit: limit ?? null }),
  conversation: (id) => call("conversation", { id }),
  messages: (id, before, limit) => call("messages", { id, before, limit }),
  search: (query) => call("search", { query }),
  templates: (filter) => call("templates", { filter }),
  templateCategories: () => call("template_categories"),
  templateLanguages: () => call("template_languages"),
  agents: (query) => call("agents", { query }),
  send: (conversationId, body, files) => call("send", { conversationId, body, files }),
  retrySend: (clientId) => call("retry_send", { clientId }),
  discardSend: (clientId) => call("discard_send", { clientId }),
  resend: (messageId) => call("resend", { messageId }),
  markRead: (id, upTo) => call("mark_read", { id, upTo }),
  attachmentRules: () => call("attachment_rules"),
  checkFiles: (paths) => call("check_files", { paths }),
  pickFiles: () => call("pick_files"),
  stageFile: async (name, bytes) => {
    try {
      return await invoke<string>("stage_file", bytes, {
        headers: { "x-switchboard-filename": encodeURIComponent(name) },
      });
    } catch (thrown) {
      throw toBackendError(thrown);
    }
  },
  thumbnail: (attachmentId) => call("thumbnail", { id: attachmentId }),
  openAttachment: (attachmentId) => call("open_attachment", { id: attachmentId }),
  createTemplate: (template) => call("create_template", { template }),
  updateTemplate: (id, template) => call("update_template", { id, template }),
  deleteTemplate: (id) => call("delete_template", { id }),
  take: (id) => call("take", { id }),
  transfer: (id, extension) => call("transfer", { id, extension }),
  resolve: (id) => call("resolve", { id }),
  archive: (id) => call("archive", { id }),
  unarchive: (id) => call("unarchive", { id }),
  deleteConversation: (id) => call("delete_conversation", { id }),
  endSession: (id) => call("end_session", { id }),
  block: (id, durationS, reason) => call("block", { id, durationS, reason }),
  startInternalChat: (extensions, title) => call("start_internal_chat", { extensions, title }),
  channels: () => call("channels"),
  whatsappTemplates: (channelId) => call("whatsapp_templates", { channelId }),
  sendWhatsAppTemplate: (conversationId, clientId, template) =>
    call("send_whatsapp_template", { conversationId, clientId, template }),
  startConversation: (request) => call("start_conversation", { request }),
  myQueues: () => call("my_queues"),
  contactHistory: (contactId) => call("contact_history", { contactId }),
  addContactFromConversation: (conversationId, name, emails) =>
    call("add_contact_from_conversation", { conversationId, name, emails }),
  openLink: (url) => call("open_link", { url }),
  settings: () => call("settings"),
  saveSettings: (settings) => call("save_settings", { settings }),
  playSound: (sound) => call("play_sound", { sound }),
  pickSoundFile: () => call("pick_sound_file"),
  setActiveConversation: (id) => call("set_active_conversation", { id }),
  adminAgents: () => call("admin_agents"),
  createAgent: (request) => call("create_agent", { request }),
  updateAgent: (extension, request) => call("update_agent", { extension, request }),
  disableAgent: (extension, transferTo) => call("disable_agent", { extension, transferTo }),
  enableAgent: (extension) => call("enable_agent", { extension }),
  setTemporaryPassword: (extension, password) => call("set_temporary_password", { extension, password }),
  audit: (filter, after) => call("audit", { filter, after }),
  adminQueues: () => call("admin_queues"),
  adminChannels: () => call("admin_channels"),
  createChannel: (request) => call("create_channel", { request }),
  updateChannel: (id, request) => call("update_channel", { id, request }),
  setChannelEnabled: (id, enabled) => call("set_channel_enabled", { id, enabled }),
  checkChannel: (id) => call("check_channel", { id }),
  createQueue: (request) => call("create_queue", { request }),
  updateQueue: (id, request) => call("update_queue", { id, request }),
  deleteQueue: (id, moveTo) => call("delete_queue", { id, moveTo }),
  updateStatus: () => call("update_status"),
  checkForUpdate: () => call("check_for_update"),
  installUpdate: () => call("install_update"),
  async onEvent(handler) {
    const stops = await Promise.all(
      (Object.keys(EVENTS) as ShellEvent["event"][]).map((event) =>
        listen(EVENTS[event], (e) => handler({ event, payload: e.payload } as ShellEvent)),
      ),
    );
    return () => {
      for (const stop of stops) stop();
    };
  },
};

const notConnected = (): Promise<never> =>
  Promise.reject(
    new BackendError("not_connected", "A browser page cannot sign in; open the desktop app."),
  );

/** A plain browser: no IPC, no local data folder, no server. */
export const webBackend: Backend = {
  appInfo: () => Promise.resolve({ version: __APP_VERSION__, dataDir: null, defaultServer: null }),
  startupMs: () => Promise.resolve(performance.now()),
  resume: () => Promise.resolve(null),
  login: notConnected,
  logout: () => Promise.resolve(),
  choosePassword: notConnected,
  changePassword: notConnected,
  signInKept: () => Promise.resolve(null),
  connectionState: () => Promise.resolve("offline"),
  setPresence: notConnected,
  conversations: () => Promise.resolve([]),
  conversation: () => Promise.resolve(null),
  messages: () => Promise.resolve({ messages: [], more: false, loading: false }),
  search: () => Promise.resolve({ messages: [], contacts: [], templates: [] }),
  templates: () => Promise.resolve([]),
  templateCategories: () => Promise.resolve([]),
  templateLanguages: () => Promise.resolve([]),
  agents: () => Promise.resolve([]),
  send: notConnected,
  retrySend: notConnected,
  discardSend: notConnected,
  resend: notConnected,
  markRead: notConnected,
  attachmentRules: () => Promise.resolve({ max_bytes: 0, extensions: [] }),
  checkFiles: notConnected,
  pickFiles: notConnected,
  stageFile: notConnected,
  thumbnail: notConnected,
  openAttachment: notConnected,
  createTemplate: notConnected,
  updateTemplate: notConnected,
  deleteTemplate: notConnected,
  take: notConnected,
  transfer: notConnected,
  resolve: notConnected,
  archive: notConnected,
  unarchive: notConnected,
  deleteConversation: notConnected,
  endSession: notConnected,
  block: notConnected,
  startInternalChat: notConnected,
  channels: notConnected,
  whatsappTemplates: notConnected,
  sendWhatsAppTemplate: notConnected,
  startConversation: notConnected,
  myQueues: notConnected,
  contactHistory: notConnected,
  addContactFromConversation: notConnected,
  openLink: notConnected,
  settings: notConnected,
  saveSettings: notConnected,
  playSound: notConnected,
  pickSoundFile: notConnected,
  setActiveConversation: () => Promise.resolve(),
  adminAgents: notConnected,
  createAgent: notConnected,
  updateAgent: notConnected,
  disableAgent: notConnected,
  enableAgent: notConnected,
  setTemporaryPassword: notConnected,
  audit: notConnected,
  adminQueues: notConnected,
  adminChannels: notConnected,
  createChannel: notConnected,
  updateChannel: notConnected,
  setChannelEnabled: notConnected,
  checkChannel: notConnected,
  createQueue: notConnected,
  updateQueue: notConnected,
  deleteQueue: notConnected,
  updateStatus: () => Promise.resolve({ state: "off", reason: "not_installed" }),
  checkForUpdate: () => Promise.resolve({ state: "off", reason: "not_installed" }),
  installUpdate: notConnected,
  onEvent: () => Promise.resolve(() => {}),
};

/** The backend for where this page runs: the Tauri webview injects `isTauri`. */
export function detectBackend(): Backend {
  return isTauri() ? tauriBackend : webBackend;
}
