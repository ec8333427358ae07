import { describe, expect, it } from "vitest";
import type { AdminAgent, AdminQueue, Agent } from "../../src/api";
import { Administration } from "../../src/components/administration";
import { FakeBackend, ME } from "../fake-backend";
import { all, one } from "../query";
import { harness, t } from "./harness";

const OWNER: Agent = { ...ME, role: "system_owner" };

function agent(extension: string, name: string, more: Partial<AdminAgent> = {}): AdminAgent {
  return {
    id: `00000000-0000-7000-8000-000000000${extension}`,
    extension,
    name,
    email: null,
    role: "agent",
    queues: ["support"],
    disabled: false,
    provisioned: true,
    must_change_password: false,
    password: { set: true },
    ...more,
  };
}

async function setup() {
  const h = harness();
  h.backend.adminList = [agent("101", "Ana Souza"), agent("102", "Bruno Lima"), agent("201", "Nina Nova", { provisioned: false })];
  const admin = new Administration(h.context, OWNER);
  await admin.open();
  await h.settled();
  const row = (extension: string) => h.root.querySelector<HTMLElement>(`[data-testid="admin-agent"][data-extension="${extension}"]`)!;
  const type = (id: string, value: string) => (one<HTMLInputElement>(h.root, id).value = value);
  const submit = async () => {
    // The way a person does: the form's submit button.
    one(h.root, "admin-form-save").click();
    await h.settled();
  };
  return { h, row, type, submit };
}

describe("administration", () => {
  it("lists the agents; the configuration file's are read-only", async () => {
    const { h, row } = await setup();
    expect(all(h.root, "admin-agent").map((r) => r.dataset.extension)).toEqual(["101", "102", "201"]);
    expect(row("101").textContent).toContain(t("admin.provisioned"));
    expect(row("101").querySelector('[data-testid="admin-edit"]')).toBeNull();
    expect(row("201").querySelector('[data-testid="admin-edit"]')).not.toBeNull();
    // Every form control has a label.
    for (const input of h.root.querySelectorAll<HTMLElement>("form input, form select")) {
      expect(h.root.querySelector(`label[for="${input.id}"]`), input.id).not.toBeNull();
    }
  });

  it("adds an agent, and says why one is refused", async () => {
    const { h, row, type, submit } = await setup();
    type("admin-form-extension", "202");
    type("admin-form-name", "Paulo Reis");
    type("admin-form-email", "paulo@example.com");
    type("admin-form-password", "temporary-1");
    await submit();
    expect(row("202").textContent).toContain(t("admin.temporaryPassword"));
    expect(one(h.root, "admin-status").textContent).toBe(t("admin.added", { name: "Paulo Reis" }));

    type("admin-form-extension", "202");
    type("admin-form-name", "Again");
    type("admin-form-password", "temporary-1");
    await submit();
    expect(one(h.root, "admin-status").textContent).toContain("already has extension 202");
  });

  it("edits an agent made in the app", async () => {
    const { h, row, type, submit } = await setup();
    (row("201").querySelector('[data-testid="admin-edit"]') as HTMLButtonElement).click();
    expect(one<HTMLInputElement>(h.root, "admin-form-name").value).toBe("Nina Nova");
    expect(h.root.querySelector('[data-testid="admin-form-password"]'), "no password when editing").toBeNull();
    type("admin-form-name", "Nina Nova Silva");
    one<HTMLSelectElement>(h.root, "admin-form-role").value = "manager";
    await submit();
    expect(row("201").textContent).toContain("Nina Nova Silva");
    expect(row("201").textContent).toContain(t("role.manager"));
  });

  it("disables with the chats going to a colleague, and enables again", async () => {
    const { h, row } = await setup();
    (row("201").querySelector('[data-testid="admin-disable"]') as HTMLButtonElement).click();
    const to = one<HTMLSelectElement>(h.root, "admin-disable-to");
    expect([...to.options].map((o) => o.value)).toEqual(["", "101", "102"]);
    to.value = "102";
    one(h.root, "admin-disable-confirm").click();
    await h.settled();
    expect(h.backend.calls).toContain("disable-agent 201 102");
    expect(row("201").dataset.disabled).toBe("true");
    (row("201").querySelector('[data-testid="admin-enable"]') as HTMLButtonElement).click();
    await h.settled();
    expect(row("201").dataset.disabled).toBe("false");
  });

  it("sets a temporary password, and shows the audit log page by page", async () => {
    const { h, row } = await setup();
    (row("201").querySelector('[data-testid="admin-password"]') as HTMLButtonElement).click();
    one<HTMLInputElement>(h.root, "admin-password-field").value = "short";
    one(h.root, "admin-password-confirm").click();
    await h.settled();
    expect(one(h.root, "admin-status").textContent).toContain("at least 8");
    one<HTMLInputElement>(h.root, "admin-password-field").value = "temporary-2";
    one(h.root, "admin-password-confirm").click();
    await h.settled();
    expect(one(h.root, "admin-status").textContent).toBe(t("admin.passwordSaid", { name: "Nina Nova" }));

    h.backend.auditPageSize = 1;
    await h.backend.disableAgent("201", null);
    one(h.root, "admin-tab-audit").click();
    await h.settled();
    expect(all(h.root, "admin-audit-entry").map((e) => e.dataset.action)).toEqual(["agent.disable"]);
    expect(one(h.root, "admin-audit-entry").textContent).toContain(`Olga Owner (190) ${t("audit.agent.disable")} agent:201`);
    one(h.root, "admin-audit-more").click();
    await h.settled();
    expect(all(h.root, "admin-audit-entry").map((e) => e.dataset.action)).toEqual(["agent.disable", "agent.password"]);
    expect(h.root.querySelector('[data-testid="admin-audit-more"]')).toBeNull();
  });
});

function queue(id: string, agents: string[], more: Partial<AdminQueue> = {}): AdminQueue {
  return {
    id,
    name: id.toUpperCase(),
    strategy: "ring_all",
    agents,
    offer_timeout_s: 30,
    max_chats_per_agent: 0,
    waiting: 0,
    provisioned: false,
    ...more,
  };
}

describe("administration: queues", () => {
  async function open(me = OWNER) {
    const h = harness(new FakeBackend([]));
    h.backend.adminQueueList = [queue("support", ["101"], { provisioned: true }), queue("vip", ["101", "102"])];
    const admin = new Administration(h.context, me);
    await admin.open();
    if (me.role === "system_owner") {
      one(h.root, "admin-tab-queues").click();
    }
    await h.settled();
    const row = (id: string) => h.root.querySelector<HTMLElement>(`[data-testid="admin-queue"][data-queue="${id}"]`)!;
    const members = () => all(h.root, "admin-member").map((m) => m.dataset.extension);
    return { h, row, members };
  }

  it("shows managers their queues only, without agents or the audit log", async () => {
    const { h, row } = await open({ ...ME, role: "manager" });
    expect(one(h.root, "admin-tab-agents").hidden).toBe(true);
    expect(one(h.root, "admin-tab-audit").hidden).toBe(true);
    expect(row("vip").textContent).toContain("Ana Souza (101), Bruno Lima (102)");
    expect(row("support").textContent).toContain(t("admin.provisioned"));
    expect(row("vip").querySelector('[data-testid="admin-queue-delete"]'), "managers do not delete").toBeNull();
    expect(h.root.querySelector('[data-testid="admin-queue-form"]'), "nor add queues").toBeNull();
  });

  it("reorders, removes and adds members from the keyboard and saves the strategy", async () => {
    const { h, row, members } = await open({ ...ME, role: "manager" });
    (row("vip").querySelector('[data-testid="admin-queue-edit"]') as HTMLButtonElement).click();
    expect(members()).toEqual(["101", "102"]);
    const down = h.root.querySelector<HTMLButtonElement>('[data-extension="101"] [data-testid="admin-member-down"]')!;
    down.focus();
    down.click();
    expect(members()).toEqual(["102", "101"]);
    expect((document.activeElement as HTMLElement).getAttribute("aria-label")).toContain("Ana Souza (101)");
    h.root.querySelector<HTMLButtonElement>('[data-extension="102"] [data-testid="admin-member-remove"]')!.click();
    expect(members()).toEqual(["101"]);
    one<HTMLSelectElement>(h.root, "admin-queue-add-member").value = "102";
    one(h.root, "admin-queue-add").click();
    expect(members()).toEqual(["101", "102"]);
    one<HTMLSelectElement>(h.root, "admin-queue-strategy").value = "hunt_by_threes";
    one(h.root, "admin-queue-save").click();
    await h.settled();
    expect(h.backend.calls).toContain('update-queue vip ["101","102"] hunt_by_threes');
    expect(row("vip").textContent).toContain(t("strategy.hunt_by_threes"));
  });

  it("lets owners add and delete queues, saying where waiting chats go", async () => {
    const { h, row } = await open();
    one<HTMLInputElement>(h.root, "admin-queue-id").value = "sales";
    one<HTMLInputElement>(h.root, "admin-queue-name").value = "Sales";
    one<HTMLSelectElement>(h.root, "admin-queue-add-member").value = "102";
    one(h.root, "admin-queue-add").click();
    one(h.root, "admin-queue-save").click();
    await h.settled();
    expect(row("sales").textContent).toContain("Bruno Lima (102)");
    (row("vip").querySelector('[data-testid="admin-queue-delete"]') as HTMLButtonElement).click();
    one<HTMLSelectElement>(h.root, "admin-queue-move-to").value = "sales";
    one(h.root, "admin-queue-delete-confirm").click();
    await h.settled();
    expect(h.backend.calls).toContain("delete-queue vip sales");
    expect(row("vip")).toBeNull();
  });
});

describe("administration: channels", () => {
  it("shows owners each channel's route and the values to paste into the provider's console", async () => {
    const h = harness(new FakeBackend([]));
    h.backend.adminChannelList = [
      {
        id: "wa",
        kind: "whatsapp",
        route_queue: "support",
        route_extension: null,
        provisioned: true,
        settings: { access_token: { set: true } },
        console: [{ name: "webhook_url", value: "https://chat.example.com/webhooks/whatsapp/wa" }],
      },
    ];
    const admin = new Administration(h.context, OWNER);
    await admin.open();
    one(h.root, "admin-tab-channels").click();
    await h.settled();
    const channel = one(h.root, "admin-channel");
    expect(channel.textContent).toContain(t("admin.routeQueue", { queue: "support" }));
    const value = one<HTMLInputElement>(h.root, "admin-console-value");
    expect(value.value).toBe("https://chat.example.com/webhooks/whatsapp/wa");
    expect(value.readOnly).toBe(true);
    expect(h.root.querySelector(`label[for="${value.id}"]`)?.textContent).toBe(t("console.webhook_url"));
  });

  it("is not offered to managers", async () => {
    const h = harness(new FakeBackend([]));
    const admin = new Administration(h.context, { ...ME, role: "manager" });
    await admin.open();
    await h.settled();
    expect(one(h.root, "admin-tab-channels").hidden).toBe(true);
  });
});
