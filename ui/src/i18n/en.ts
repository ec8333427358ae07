/** English: the source catalog. Every other catalog must have exactly these keys. */
export const en = {
  "app.name": "Switchboard",
  "app.version": "Version {version}",
  "login.heading": "Sign in",
  "login.subtitle": "Connect to your team's Switchboard server.",
  "login.server": "Server address",
  "login.serverPlaceholder": "https://chat.example.com",
  "login.user": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.submitting": "Signing in…",
  "error.not_connected": "Not connected yet: this version cannot sign in to a server.",
  "error.data_dir_unavailable": "Switchboard has no folder for its data: {message}",
  "error.unknown": "Something went wrong: {message}",
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
