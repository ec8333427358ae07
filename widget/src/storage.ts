// What the widget keeps in the page's localStorage, per server origin and channel: the visitor
// token (renewed by the server on every session call) and how far the visitor has read.
// Storage can be unavailable (privacy modes, sandboxed frames): then it lives in memory only.

export interface Saved {
  token?: string;
  /** Whose token it is: a different visitor means a different history. */
  visitor?: string;
  /** Highest message cursor the visitor has seen with the panel open. */
  seen?: number;
}

export class VisitorStore {
  private readonly key: string;
  private memory: Saved = {};

  constructor(origin: string, channelId: string, private readonly storage: Storage | null = safeLocalStorage()) {
    this.key = `switchboard-chat:${origin}:${channelId}`;
  }

  load(): Saved {
    try {
      const raw = this.storage?.getItem(this.key);
      if (raw) {
        const v = JSON.parse(raw) as unknown;
        if (v && typeof v === "object") this.memory = v as Saved;
      }
    } catch {
      /* keep memory */
    }
    return { ...this.memory };
  }

  save(patch: { [K in keyof Saved]?: Saved[K] | undefined }): void {
    const next: Record<string, unknown> = { ...this.memory, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    this.memory = next as Saved;
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.memory));
    } catch {
      /* quota or disabled */
    }
  }

  clear(): void {
    this.memory = {};
    try {
      this.storage?.removeItem(this.key);
    } catch {
      /* ignore */
    }
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage !== "undefined" ? localStorage : null;
  } catch {
    return null;
  }
}
