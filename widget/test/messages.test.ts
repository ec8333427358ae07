import { describe, expect, it } from "vitest";
import { type Msg, MessageList } from "../src/messages";

function msg(cursor: number, extra: Partial<Msg> = {}): Msg {
  return {
    id: `m${cursor}`,
    author: "agent",
    agent_name: "Ana Souza",
    body: `hello ${cursor}`,
    attachments: [],
    created_at: new Date(Date.UTC(2026, 0, 1, 12, 0, cursor)).toISOString(),
    cursor,
    ...extra,
  };
}

describe("message list", () => {
  it("keeps messages in cursor order and tracks the highest cursor", () => {
    const l = new MessageList();
    l.merge([msg(3), msg(1), msg(2)]);
    expect(l.all().map((m) => m.id)).toEqual(["m1", "m2", "m3"]);
    expect(l.cursor).toBe(3);
    l.advance(10);
    expect(l.cursor).toBe(10);
    l.advance(4);
    expect(l.cursor).toBe(10);
  });

  it("stores a message delivered twice (replay after reconnect) once", () => {
    const l = new MessageList();
    expect(l.upsert(msg(1))).toBe(true);
    expect(l.upsert(msg(1))).toBe(false);
    expect(l.merge([msg(1), msg(2)])).toBe(true);
    expect(l.merge([msg(1), msg(2)])).toBe(false);
    expect(l.size).toBe(2);
  });

  it("updates a known message in place", () => {
    const l = new MessageList();
    l.upsert(msg(1));
    const rev = l.all()[0]!.rev;
    l.upsert(msg(1, { body: "edited" }));
    expect(l.size).toBe(1);
    expect(l.all()[0]!.body).toBe("edited");
    expect(l.all()[0]!.rev).toBeGreaterThan(rev);
  });

  it("replaces the visitor's pending message with the server's copy by client_id", () => {
    const l = new MessageList();
    l.upsert(msg(1));
    const p = l.addPending("c-1", "hi", []);
    expect(p.status).toBe("sending");
    expect(l.all().map((m) => m.key)).toEqual(["m1", "c-1"]);
    // The stream's copy arrives first, then the POST's answer: still one row.
    l.upsert(msg(2, { id: "s2", client_id: "c-1", author: "visitor", agent_name: null, body: "hi" }));
    l.upsert(msg(2, { id: "s2", client_id: "c-1", author: "visitor", agent_name: null, body: "hi" }));
    expect(l.size).toBe(2);
    const row = l.all()[1]!;
    expect(row).toMatchObject({ key: "c-1", id: "s2", status: "sent", cursor: 2, author: "visitor" });
    expect(l.cursor).toBe(2);
  });

  it("keeps pending messages after confirmed ones until the server orders them", () => {
    const l = new MessageList();
    l.addPending("c-1", "first", []);
    l.upsert(msg(5));
    expect(l.all().map((m) => m.key)).toEqual(["m5", "c-1"]);
    l.upsert(msg(6, { id: "s6", client_id: "c-1", author: "visitor", body: "first" }));
    l.upsert(msg(7));
    expect(l.all().map((m) => m.key)).toEqual(["m5", "c-1", "m7"]);
  });

  it("orders a late message (smaller cursor) before later ones", () => {
    const l = new MessageList();
    l.merge([msg(1), msg(4)]);
    l.upsert(msg(2));
    expect(l.all().map((m) => m.cursor)).toEqual([1, 2, 4]);
    expect(l.cursor).toBe(4);
  });

  it("marks failures and drops them only when asked", () => {
    const l = new MessageList();
    l.addPending("c-1", "x", []);
    l.setStatus("c-1", "failed", "too fast");
    expect(l.pending("c-1")).toMatchObject({ status: "failed", error: "too fast" });
    l.setStatus("c-1", "sending");
    expect(l.pending("c-1")?.error).toBeUndefined();
    l.remove("c-1");
    expect(l.size).toBe(0);
  });

  it("counts agent messages after what the visitor has seen", () => {
    const l = new MessageList();
    l.merge([msg(1), msg(2, { author: "visitor" }), msg(3), msg(4, { author: "system" }), msg(5)]);
    expect(l.unreadAfter(0)).toBe(3);
    expect(l.unreadAfter(2)).toBe(2);
    expect(l.unreadAfter(5)).toBe(0);
  });
});
