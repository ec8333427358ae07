/**
 * The one interface between the UI and whatever runs it.
 *
 * Screens receive a `Backend` and never call Tauri's `invoke` themselves. The desktop app gets
 * `tauriBackend` (Rust commands in src-tauri/src/commands.rs); a plain browser, such as the
 * UI's own tests or a preview, gets `webBackend`.
 */
import { invoke, isTauri } from "@tauri-apps/api/core";

/** Which version is running and where it keeps its data. */
export interface AppInfo {
  version: string;
  /** The folder for local data; `null` where the UI keeps none (in a browser). */
  dataDir: string | null;
}

/** What a person types on the login screen. */
export interface LoginRequest {
  server: string;
  user: string;
  password: string;
}

export interface Backend {
  appInfo(): Promise<AppInfo>;
  /** Signs in to a Switchboard server. Rejects with a `BackendError`. */
  login(request: LoginRequest): Promise<void>;
}

/**
 * Codes the UI branches on; they match the `code` field of errors sent by the Rust commands.
 * `not_connected`: this build cannot reach a server yet.
 */
export type ErrorCode = "not_connected" | "data_dir_unavailable" | "unknown";

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

const KNOWN_CODES: readonly ErrorCode[] = ["not_connected", "data_dir_unavailable", "unknown"];

/** Turns whatever a backend call threw (an IPC `{code, message}` object, an Error, a string)
 * into a `BackendError`, so callers handle one shape. */
export function toBackendError(thrown: unknown): BackendError {
  if (thrown instanceof BackendError) return thrown;
  if (typeof thrown === "object" && thrown !== null && "code" in thrown) {
    const { code, message } = thrown as { code: unknown; message?: unknown };
    const known = KNOWN_CODES.find((c) => c === code) ?? "unknown";
    return new BackendError(known, String(message ?? code));
  }
  return new BackendError("unknown", thrown instanceof Error ? thrown.message : String(thrown));
}

const notConnected = (): Promise<never> =>
  Promise.reject(
    new BackendError("not_connected", "Signing in to a Switchboard server is not available yet."),
  );

/** The desktop app: calls the Rust commands over Tauri's IPC. */
export const tauriBackend: Backend = {
  async appInfo() {
    try {
      return await invoke<AppInfo>("app_info");
    } catch (thrown) {
      throw toBackendError(thrown);
    }
  },
  // No Rust `login` command exists yet; say so instead of pretending to sign in.
  login: notConnected,
};

/** A plain browser (tests, previews): no IPC and no local data folder. */
export const webBackend: Backend = {
  appInfo: () => Promise.resolve({ version: __APP_VERSION__, dataDir: null }),
  login: notConnected,
};

/** The backend for where this page runs: the Tauri webview injects `isTauri`. */
export function detectBackend(): Backend {
  return isTauri() ? tauriBackend : webBackend;
}
