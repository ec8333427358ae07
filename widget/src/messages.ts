// The visitor's message list: server messages merged by `id`, the visitor's own optimistic
// messages matched by `client_id`, ordered by the server's cursor, with the highest cursor kept
// so a reconnect resumes exactly where the list ends. No DOM here.

import type { AttachmentRef, VisitorMessage } from "../../web/protocol";

/** Who wrote a row, as the widget shows it (anything else the server says shows as `system`). */
export type Author = "visitor" | "agent" | "system";

export type Attachment = AttachmentRef;

/** A message as the visitor API sends it (generated from crates/protocol). */
export type Msg = VisitorMessage;

/** A message as the widget shows it: confirmed by the server, or still the visitor's own draft. */
export interface ChatMessage {
  /** Stable for the life of the row: the client_id of our own messages, else the server id. */
  key: string;
  id?: string;
  clientId?: string;
  author: Author;
  agentName?: string;
  body: string;
  attachments: Attachment[];
  createdAt: string;
  /** 0 until the server has it. */
  cursor: number;
  status: "sending" | "sent" | "failed";
  error?: string;
  /** Bumped on every change, so the view knows which rows to redraw. */
  rev: number;
}

export class MessageList {
  private items: ChatMessage[] = [];
  private byId = new Map<string, ChatMessage>();
  private byClientId = new Map<string, ChatMessage>();
  /** Highest cursor seen; the next catch-up asks for what comes after it. */
  cursor = 0;

  all(): readonly ChatMessage[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  /** Moves the cursor forward (never back). */
  advance(cursor: number | undefined): void {
    if (typeof cursor === "number" && Number.isFinite(cursor) && cursor > this.cursor) {
      this.cursor = cursor;
    }
  }

  /**
   * Merges one server message. Returns true when the list changed. A message seen before (same
   * id) is updated in place; one carrying the client_id of a pending message replaces it.
   */
  upsert(msg: Msg): boolean {
    if (!msg || typeof msg.id !== "string") return false;
    this.advance(msg.cursor);
    const known = this.byId.get(msg.id) ?? (msg.client_id ? this.byClientId.get(msg.client_id) : undefined);
    if (known) {
      const before = known.cursor;
      const changed = assign(known, msg);
      if (!changed) return false;
      this.byId.set(msg.id, known);
      if (known.cursor !== before) this.sort();
      return true;
    }
    const row: ChatMessage = {
      key: msg.client_id || msg.id,
      author: "system",
      body: "",
      attachments: [],
      createdAt: "",
      cursor: 0,
      status: "sent",
      rev: 0,
    };
    assign(row, msg);
    this.byId.set(msg.id, row);
    if (msg.client_id) this.byClientId.set(msg.client_id, row);
    this.insert(row);
    return true;
  }

  /** Merges many; returns true when anything changed. */
  merge(msgs: readonly Msg[] | undefined): boolean {
    let changed = false;
    for (const m of msgs ?? []) changed = this.upsert(m) || changed;
    return changed;
  }

  /** Shows the visitor's own message at once, before the server has answered. */
  addPending(clientId: string, body: string, attachments: Attachment[], now = new Date()): ChatMessage {
    const existing = this.byClientId.get(clientId);
    if (existing) return existing;
    const row: ChatMessage = {
      key: clientId,
      clientId,
      author: "visitor",
      body,
      attachments,
      createdAt: now.toISOString(),
      cursor: 0,
      status: "sending",
      rev: 1,
    };
    this.byClientId.set(clientId, row);
    this.items.push(row);
    return row;
  }

  pending(clientId: string): ChatMessage | undefined {
    const row = this.byClientId.get(clientId);
    return row && row.status !== "sent" ? row : undefined;
  }

  setStatus(clientId: string, status: "sending" | "failed", error?: string): void {
    const row = this.byClientId.get(clientId);
    if (!row || row.status === "sent") return;
    row.status = status;
    if (error === undefined) delete row.error;
    else row.error = error;
    row.rev++;
  }

  /** Drops a pending message the visitor gave up on. */
  remove(clientId: string): void {
    const row = this.byClientId.get(clientId);
    if (!row || row.status === "sent") return;
    this.byClientId.delete(clientId);
    this.items = this.items.filter((r) => r !== row);
  }

  clear(): void {
    this.items = [];
    this.byId.clear();
    this.byClientId.clear();
    this.cursor = 0;
  }

  /** Agent messages after `seen` (the unread badge). */
  unreadAfter(seen: number): number {
    let n = 0;
    for (const r of this.items) if (r.author === "agent" && r.cursor > seen) n++;
    return n;
  }

  private insert(row: ChatMessage): void {
    // Confirmed rows keep cursor order; pending ones (cursor 0) stay at the end.
    let i = this.items.length;
    while (i > 0) {
      const prev = this.items[i - 1]!;
      if (prev.cursor !== 0 && prev.cursor <= row.cursor) break;
      if (prev.cursor === 0 && row.cursor === 0) break;
      i--;
    }
    this.items.splice(i, 0, row);
  }

  private sort(): void {
    const confirmed = this.items.filter((r) => r.cursor !== 0).sort((a, b) => a.cursor - b.cursor);
    const pending = this.items.filter((r) => r.cursor === 0);
    this.items = [...confirmed, ...pending];
  }
}

function assign(row: ChatMessage, msg: Msg): boolean {
  const attachments = Array.isArray(msg.attachments) ? msg.attachments : [];
  const agentName = msg.agent_name ?? undefined;
  const clientId = msg.client_id ?? undefined;
  const same =
    row.id === msg.id &&
    row.status === "sent" &&
    row.author === msg.author &&
    row.body === msg.body &&
    row.agentName === agentName &&
    row.cursor === (msg.cursor || row.cursor) &&
    row.createdAt === msg.created_at &&
    sameAttachments(row.attachments, attachments);
  if (same) return false;
  row.id = msg.id;
  if (clientId) row.clientId = clientId;
  row.author = msg.author === "visitor" || msg.author === "agent" ? msg.author : "system";
  if (agentName) row.agentName = agentName;
  else delete row.agentName;
  row.body = typeof msg.body === "string" ? msg.body : "";
  row.attachments = attachments;
  row.createdAt = msg.created_at;
  if (msg.cursor) row.cursor = msg.cursor;
  row.status = "sent";
  delete row.error;
  row.rev++;
  return true;
}

function sameAttachments(a: Attachment[], b: Attachment[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]?.id);
}
