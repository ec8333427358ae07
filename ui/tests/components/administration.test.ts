import { describe, expect, it } from "vitest";
import type { AdminAgent, AdminChannel, AdminQueue, Agent } from "../../src/api";
import { Administration } from "../../src/components/administration";
import { BackendError } from "../../src/backend";
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

  it("filters the audit log by kind, target and author, and unfolds what an entry changed", async () => {
    const { h } = await setup();
    await h.backend.disableAgent("201", null);
    h.backend.auditLog.unshift({
      id: "00000000-0000-7000-9000-00000000aaaa",
      at: new Date().toISOString(),
      actor: "Marina Costa (100)",
      action: "channel.update",
      target: "channel:wa-app",
      before: { route_queue: "support", enabled: true, settings: { access_token: { set: true }, api_base: "https://a" } },
      after: { route_queue: "sales", enabled: true, settings: { access_token: { set: true }, api_base: "https://b" } },
    });
    one(h.root, "admin-tab-audit").click();
    await h.settled();
    const actions = () => all(h.root, "admin-audit-entry").map((e) => e.dataset.action);
    expect(actions()).toEqual(["channel.update", "agent.disable"]);
    // What changed, field by field; secrets only as set, unchanged fields left out.
    const details = one(h.root, "admin-audit-changes");
    expect(details.querySelector("summary")?.textContent).toBe(t("admin.auditChanges", { count: 2 }));
    expect([...details.querySelectorAll("dt")].map((d) => d.textContent)).toEqual(["route_queue", "settings.api_base"]);
    expect(details.querySelector("dd")?.textContent).toBe("support → sales");

    const filter = one<HTMLFormElement>(h.root, "admin-audit-filter");
    for (const id of ["admin-audit-action", "admin-audit-target", "admin-audit-actor"]) {
      expect(h.root.querySelector(`label[for="${id}"]`), id).not.toBeNull();
    }
    one<HTMLSelectElement>(h.root, "admin-audit-action").value = "agent";
    filter.requestSubmit();
    await h.settled();
    expect(actions()).toEqual(["agent.disable"]);
    expect(h.backend.auditFilters.at(-1)).toEqual({ action: "agent", target: null, actor: null });

    one<HTMLSelectElement>(h.root, "admin-audit-action").value = "";
    one<HTMLInputElement>(h.root, "admin-audit-target").value = " channel:wa-app ";
    filter.requestSubmit();
    await h.settled();
    expect(actions()).toEqual(["channel.update"]);

    one<HTMLInputElement>(h.root, "admin-audit-target").value = "";
    one<HTMLInputElement>(h.root, "admin-audit-actor").value = "100";
    filter.requestSubmit();
    await h.settled();
    expect(actions()).toEqual(["channel.update"]);
    expect(h.backend.auditFilters.at(-1)).toEqual({ action: null, target: null, actor: "100" });
    // The form keeps what was typed across pages and reloads.
    expect(one<HTMLInputElement>(h.root, "admin-audit-actor").value).toBe("100");
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
        enabled: true,
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
    expect(channel.querySelector('[data-setting="access_token"]')?.textContent).toBe(t("admin.secretSet"));
    // The configuration file's channel: checked, never edited or disabled here.
    expect(h.root.querySelector('[data-testid="channel-edit-wa"]')).toBeNull();
    expect(h.root.querySelector('[data-testid="channel-disable-wa"]')).toBeNull();
    expect(one(h.root, "channel-check-wa")).not.toBeNull();
  });

  it("is not offered to managers", async () => {
    const h = harness(new FakeBackend([]));
    const admin = new Administration(h.context, { ...ME, role: "manager" });
    await admin.open();
    await h.settled();
    expect(one(h.root, "admin-tab-channels").hidden).toBe(true);
  });
});

function channel(id: string, more: Partial<AdminChannel> = {}): AdminChannel {
  return {
    id,
    kind: "whatsapp",
    route_queue: "support",
    route_extension: null,
    provisioned: false,
    enabled: true,
    settings: {
      phone_number_id: "106540352242922",
      access_token: { set: true, last4: "abcd" },
      app_secret: { set: true },
      verify_token: { set: true },
      api_base: "https://graph.facebook.com/v23.0",
    },
    console: [{ name: "webhook_url", value: `https://chat.example.com/webhooks/whatsapp/${id}` }],
    ...more,
  };
}

describe("administration: channel form", () => {
  async function open(channels: AdminChannel[] = []) {
    const h = harness(new FakeBackend([]));
    h.backend.adminChannelList = channels;
    h.backend.adminQueueList = [queue("support", ["101"]), queue("vip", ["102"])];
    h.backend.adminList = [
      agent("101", "Ana Souza"),
      agent("102", "Bruno Lima"),
      agent("103", "Carla Dias", { disabled: true }),
    ];
    const admin = new Administration(h.context, OWNER);
    await admin.open();
    one(h.root, "admin-tab-channels").click();
    await h.settled();
    const type = (id: string, value: string) => {
      const field = one<HTMLInputElement | HTMLTextAreaElement>(h.root, id);
      field.value = value;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    };
    const choose = (id: string, value: string) => {
      const select = one<HTMLSelectElement>(h.root, id);
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    };
    const add = async () => {
      one(h.root, "channel-add").click();
      await h.settled();
    };
    const save = async () => {
      one(h.root, "channel-save").click();
      await h.settled();
    };
    const section = (id: string) => h.root.querySelector<HTMLElement>(`[data-testid="admin-channel"][data-channel="${id}"]`);
    return { h, type, choose, add, save, section };
  }

  it("labels every control, and offers each kind its own settings", async () => {
    const { h, choose, add } = await open();
    await add();
    const settings = () => all(h.root, "channel-form-settings")[0]!.querySelectorAll<HTMLElement>("[data-testid^=channel-form-setting-]");
    const names = () => [...settings()].map((e) => e.dataset.testid!.replace("channel-form-setting-", ""));
    expect(names()).toEqual(["phone_number_id", "waba_id", "access_token", "app_secret", "verify_token", "api_base", "media_hosts"]);
    expect(one<HTMLInputElement>(h.root, "channel-form-setting-access_token").type).toBe("password");
    choose("channel-form-kind", "facebook");
    expect(names()).toEqual(["page_id", "page_access_token", "app_secret", "verify_token", "human_agent_tag", "api_base", "media_hosts"]);
    const tag = one<HTMLInputElement>(h.root, "channel-form-setting-human_agent_tag");
    expect(tag.type).toBe("checkbox");
    expect(tag.checked, "only when Meta allowed it").toBe(false);
    const hint = (control: HTMLElement) => document.getElementById(control.getAttribute("aria-describedby") ?? "")?.textContent;
    expect(hint(tag)).toBe(t("setting.human_agent_tag.hint"));
    choose("channel-form-kind", "sms");
    expect(names()).toEqual(["account_sid", "auth_token", "from_number", "stop_keywords", "start_keywords", "api_base", "media_hosts"]);
    // Lists, optional: the hints name the words the server uses when they are left empty.
    const stop = one(h.root, "channel-form-setting-stop_keywords");
    expect(stop.tagName).toBe("TEXTAREA");
    expect(hint(stop)).toContain("STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, PARAR, SAIR, CANCELAR.");
    expect(hint(one(h.root, "channel-form-setting-start_keywords"))).toContain("START, UNSTOP, YES, VOLTAR.");
    choose("channel-form-kind", "livechat");
    expect(names()).toEqual(["allowed_origins", "greeting", "offline_text", "ask_name", "ask_email"]);
    expect(one(h.root, "channel-form-setting-allowed_origins").tagName).toBe("TEXTAREA");
    expect(one<HTMLInputElement>(h.root, "channel-form-setting-ask_name").checked).toBe(true);
    expect(one<HTMLInputElement>(h.root, "channel-form-setting-ask_email").checked).toBe(false);
    for (const control of one(h.root, "channel-form").querySelectorAll<HTMLElement>("input, select, textarea")) {
      expect(h.root.querySelector(`label[for="${control.id}"]`), control.id).not.toBeNull();
      expect(control.dataset.testid, control.id).toBeTruthy();
    }
    // Agents who are disabled are no route.
    choose("channel-form-route", "agent");
    expect([...one<HTMLSelectElement>(h.root, "channel-form-agent").options].map((o) => o.value)).toEqual(["101", "102"]);
    expect(one(h.root, "channel-form-queue").hidden).toBe(true);
  });

  it("adds a WhatsApp channel routed to a queue", async () => {
    const { h, type, choose, add, save, section } = await open();
    await add();
    expect(document.activeElement).toBe(one(h.root, "channel-form-kind"));
    type("channel-form-id", " wa-new ");
    choose("channel-form-queue", "vip");
    type("channel-form-setting-phone_number_id", "106540352242922");
    type("channel-form-setting-access_token", "fake-whatsapp-access-token");
    type("channel-form-setting-app_secret", "app-secret");
    type("channel-form-setting-verify_token", "verify-me");
    await save();
    expect(h.backend.channelRequests).toEqual([
      {
        call: "create",
        request: {
          id: "wa-new",
          kind: "whatsapp",
          route_queue: "vip",
          route_extension: null,
          settings: {
            phone_number_id: "106540352242922",
            waba_id: "",
            access_token: "fake-whatsapp-access-token",
            app_secret: "app-secret",
            verify_token: "verify-me",
          },
        },
      },
    ]);
    expect(section("wa-new")?.textContent).toContain(t("admin.routeQueue", { queue: "vip" }));
    expect(section("wa-new")?.querySelector('[data-setting="access_token"]')?.textContent).toBe(
      t("admin.secretEndsIn", { last4: "oken" }),
    );
    expect(one(h.root, "admin-status").textContent).toBe(t("admin.channelAdded", { id: "wa-new" }));
    expect(document.activeElement?.id).toBe("admin-channel-wa-new");
  });

  it("builds each kind's settings: lists a line each, flags, optional values only when given", async () => {
    const { h, type, choose, add, save } = await open();
    await add();
    choose("channel-form-kind", "livechat");
    type("channel-form-id", "site");
    choose("channel-form-route", "agent");
    choose("channel-form-agent", "102");
    type("channel-form-setting-allowed_origins", "https://www.example.com\n\n  https://shop.example.com  \n");
    type("channel-form-setting-greeting", "Hello!");
    one<HTMLInputElement>(h.root, "channel-form-setting-ask_email").checked = true;
    one<HTMLInputElement>(h.root, "channel-form-setting-ask_name").checked = false;
    await save();
    expect(h.backend.channelRequests.at(-1)?.request).toEqual({
      id: "site",
      kind: "livechat",
      route_queue: null,
      route_extension: "102",
      settings: {
        allowed_origins: ["https://www.example.com", "https://shop.example.com"],
        greeting: "Hello!",
        offline_text: "",
        ask_name: false,
        ask_email: true,
      },
    });

    await add();
    choose("channel-form-kind", "sms");
    type("channel-form-id", "sms-main");
    type("channel-form-setting-account_sid", "AC123");
    type("channel-form-setting-auth_token", "twilio-token");
    type("channel-form-setting-from_number", "+15550001111");
    type("channel-form-setting-api_base", "http://127.0.0.1:9000");
    type("channel-form-setting-media_hosts", "127.0.0.1\nmedia.example.com");
    await save();
    expect(h.backend.channelRequests.at(-1)?.request.settings).toEqual({
      account_sid: "AC123",
      auth_token: "twilio-token",
      from_number: "+15550001111",
      api_base: "http://127.0.0.1:9000",
      media_hosts: ["127.0.0.1", "media.example.com"],
    });

    await add();
    choose("channel-form-kind", "facebook");
    type("channel-form-id", "fb");
    type("channel-form-setting-page_id", "1234");
    type("channel-form-setting-page_access_token", "page-token");
    type("channel-form-setting-app_secret", "fb-secret");
    type("channel-form-setting-verify_token", "fb-verify");
    await save();
    expect(h.backend.channelRequests.at(-1)?.request).toMatchObject({
      kind: "facebook",
      route_queue: "support",
      settings: {
        page_id: "1234",
        page_access_token: "page-token",
        app_secret: "fb-secret",
        verify_token: "fb-verify",
        human_agent_tag: false,
      },
    });
    expect(all(h.root, "admin-channel").map((c) => c.dataset.channel)).toEqual(["site", "sms-main", "fb"]);
  });

  it("shows the server's sentence in the form and marks the fields it names", async () => {
    const { h, type, add, save } = await open();
    await add();
    type("channel-form-id", "wa-new");
    type("channel-form-setting-phone_number_id", "106540352242922");
    type("channel-form-setting-app_secret", "app-secret");
    await save();
    const error = one(h.root, "channel-form-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toBe("whatsapp.access_token: is missing; whatsapp.verify_token: is missing");
    const token = one<HTMLInputElement>(h.root, "channel-form-setting-access_token");
    expect(token.getAttribute("aria-invalid")).toBe("true");
    expect(one(h.root, "channel-form-setting-verify_token").getAttribute("aria-invalid")).toBe("true");
    expect(one(h.root, "channel-form-setting-app_secret").hasAttribute("aria-invalid")).toBe(false);
    expect(document.activeElement).toBe(token);
    // What was typed stays; fixed, the channel is added and the error gone.
    expect(one<HTMLInputElement>(h.root, "channel-form-id").value).toBe("wa-new");
    type("channel-form-setting-access_token", "fake-whatsapp-access-token");
    expect(token.hasAttribute("aria-invalid"), "changed, it is no longer marked").toBe(false);
    type("channel-form-setting-verify_token", "verify-me");
    await save();
    expect(h.root.querySelector('[data-testid="channel-form"]')).toBeNull();
    expect(all(h.root, "admin-channel").map((c) => c.dataset.channel)).toEqual(["wa-new"]);

    // A taken id: the server's sentence, as it came.
    await add();
    type("channel-form-id", "wa-new");
    type("channel-form-setting-phone_number_id", "1");
    type("channel-form-setting-access_token", "a");
    type("channel-form-setting-app_secret", "b");
    type("channel-form-setting-verify_token", "c");
    await save();
    expect(one(h.root, "channel-form-error").textContent).toBe("Another channel already has the id wa-new; choose another.");
  });

  it("edits a channel made in the app: id and kind fixed, a secret left empty is not sent", async () => {
    const { h, type, choose, save, section } = await open([channel("wa-app"), channel("wa-file", { provisioned: true })]);
    expect(h.root.querySelector('[data-testid="channel-edit-wa-file"]'), "the file's channel is read-only").toBeNull();
    expect(section("wa-file")?.textContent).toContain(t("admin.provisioned"));
    one(h.root, "channel-edit-wa-app").click();
    await h.settled();
    expect(one<HTMLInputElement>(h.root, "channel-form-id").disabled).toBe(true);
    expect(one<HTMLSelectElement>(h.root, "channel-form-kind").disabled).toBe(true);
    expect(one<HTMLInputElement>(h.root, "channel-form-setting-phone_number_id").value).toBe("106540352242922");
    const token = one<HTMLInputElement>(h.root, "channel-form-setting-access_token");
    expect(token.value).toBe("");
    expect(token.placeholder).toBe(t("admin.secretKeepLast4", { last4: "abcd" }));
    expect(one<HTMLInputElement>(h.root, "channel-form-setting-app_secret").placeholder).toBe(t("admin.secretKeep"));
    expect(one<HTMLSelectElement>(h.root, "channel-form-queue").value).toBe("support");
    choose("channel-form-route", "agent");
    choose("channel-form-agent", "101");
    type("channel-form-setting-verify_token", "new-verify");
    await save();
    expect(h.backend.channelRequests).toEqual([
      {
        call: "update wa-app",
        request: {
          id: null,
          kind: null,
          route_queue: null,
          route_extension: "101",
          settings: {
            phone_number_id: "106540352242922",
            waba_id: "",
            verify_token: "new-verify",
            api_base: "https://graph.facebook.com/v23.0",
          },
        },
      },
    ]);
    expect(section("wa-app")?.textContent).toContain(t("admin.routeExtension", { extension: "101" }));
    expect(one(h.root, "admin-status").textContent).toBe(t("admin.channelSaved", { id: "wa-app" }));
  });

  it("edits a Messenger page and an SMS number keeping the tag and the keywords the server answered", async () => {
    const page = channel("fb-app", {
      kind: "facebook",
      settings: {
        page_id: "1234",
        page_access_token: { set: true, last4: "wxyz" },
        app_secret: { set: true },
        verify_token: { set: true },
        human_agent_tag: true,
        api_base: "https://graph.facebook.com/v23.0",
        media_hosts: [],
      },
    });
    const sms = channel("sms-app", {
      kind: "sms",
      settings: {
        account_sid: "AC123",
        auth_token: { set: true },
        from_number: "+15550001111",
        stop_keywords: ["STOP", "BASTA"],
        start_keywords: ["START", "VOLTA"],
        api_base: "https://api.twilio.com",
        media_hosts: [],
      },
    });
    const { h, type, save, section } = await open([page, sms]);
    // The list says what is set, before any edit.
    expect(section("fb-app")?.querySelector('[data-setting="human_agent_tag"]')?.textContent).toBe(t("admin.yes"));
    expect(section("sms-app")?.querySelector('[data-setting="stop_keywords"]')?.textContent).toBe("STOP, BASTA");

    // Saved as it was, the page keeps its tag (a PUT without it would turn it off).
    one(h.root, "channel-edit-fb-app").click();
    await h.settled();
    expect(one<HTMLInputElement>(h.root, "channel-form-setting-human_agent_tag").checked).toBe(true);
    await save();
    expect(h.backend.channelRequests.at(-1)?.request.settings).toMatchObject({ page_id: "1234", human_agent_tag: true });
    one(h.root, "channel-edit-fb-app").click();
    await h.settled();
    one<HTMLInputElement>(h.root, "channel-form-setting-human_agent_tag").click();
    await save();
    expect(h.backend.channelRequests.at(-1)?.request.settings).toMatchObject({ human_agent_tag: false });
    expect(section("fb-app")?.querySelector('[data-setting="human_agent_tag"]')?.textContent).toBe(t("admin.no"));

    // The number's words, a line each; an edit sends them, and emptied they are left out
    // (the server's defaults).
    one(h.root, "channel-edit-sms-app").click();
    await h.settled();
    expect(one<HTMLTextAreaElement>(h.root, "channel-form-setting-stop_keywords").value).toBe("STOP\nBASTA");
    expect(one<HTMLTextAreaElement>(h.root, "channel-form-setting-start_keywords").value).toBe("START\nVOLTA");
    await save();
    expect(h.backend.channelRequests.at(-1)?.request.settings).toMatchObject({
      stop_keywords: ["STOP", "BASTA"],
      start_keywords: ["START", "VOLTA"],
    });
    one(h.root, "channel-edit-sms-app").click();
    await h.settled();
    type("channel-form-setting-stop_keywords", "STOP\n  CHEGA \n\n");
    type("channel-form-setting-start_keywords", "");
    await save();
    const settings = h.backend.channelRequests.at(-1)?.request.settings;
    expect(settings?.stop_keywords).toEqual(["STOP", "CHEGA"]);
    expect(settings && "start_keywords" in settings, "left out: the server's own words").toBe(false);
  });

  it("cancels an edit back to the list", async () => {
    const { h } = await open([channel("wa-app")]);
    one(h.root, "channel-edit-wa-app").click();
    await h.settled();
    one(h.root, "channel-form-cancel").click();
    expect(h.root.querySelector('[data-testid="channel-form"]')).toBeNull();
    expect(document.activeElement).toBe(one(h.root, "channel-edit-wa-app"));
    expect(h.backend.channelRequests).toEqual([]);
  });

  it("disables and enables a channel, the keyboard staying on the button that undoes it", async () => {
    const { h, section } = await open([channel("wa-app")]);
    one(h.root, "channel-disable-wa-app").click();
    await h.settled();
    expect(h.backend.calls).toContain("disable-channel wa-app");
    expect(section("wa-app")?.dataset.enabled).toBe("false");
    expect(section("wa-app")?.textContent).toContain(t("admin.channelDisabled"));
    expect(h.root.querySelector('[data-testid="channel-disable-wa-app"]')).toBeNull();
    expect(document.activeElement).toBe(one(h.root, "channel-enable-wa-app"));
    expect(one(h.root, "admin-status").textContent).toBe(t("admin.channelDisabledSaid", { id: "wa-app" }));
    one(h.root, "channel-enable-wa-app").click();
    await h.settled();
    expect(h.backend.calls).toContain("enable-channel wa-app");
    expect(section("wa-app")?.dataset.enabled).toBe("true");
    expect(document.activeElement).toBe(one(h.root, "channel-disable-wa-app"));
  });

  it("checks the connection and shows what the provider said, a problem marked in words", async () => {
    const { h } = await open([channel("wa-app"), channel("wa-file", { provisioned: true })]);
    h.backend.channelChecks = {
      "wa-app": { ok: true, summary: "Meta knows this number: WhatsApp +1 555-078-3881 (Switchboard Demo)." },
      "wa-file": { ok: false, summary: "Meta refused the access token: it expired. Make a new one." },
    };
    const result = (id: string) => one(h.root, `channel-check-result-${id}`);
    expect(result("wa-app").getAttribute("role")).toBe("status");
    one(h.root, "channel-check-wa-app").click();
    expect(result("wa-app").textContent).toBe(t("admin.checking"));
    await h.settled();
    expect(result("wa-app").dataset.ok).toBe("true");
    expect(result("wa-app").textContent).toContain(`${t("admin.checkOk")} Meta knows this number`);
    expect(result("wa-app").textContent).toContain("(Switchboard Demo)");
    one(h.root, "channel-check-wa-file").click();
    await h.settled();
    expect(result("wa-file").dataset.ok).toBe("false");
    expect(result("wa-file").textContent).toContain(`${t("admin.checkProblem")} Meta refused the access token`);
    expect(h.backend.calls.filter((c) => c.startsWith("check-channel"))).toEqual(["check-channel wa-app", "check-channel wa-file"]);
    // Still shown after the list is drawn again.
    one(h.root, "channel-disable-wa-app").click();
    await h.settled();
    expect(result("wa-app").textContent).toContain("(Switchboard Demo)");

    // A call that fails is a problem too, in the app's words.
    h.backend.channelChecks["wa-app"] = new BackendError("forbidden", "Only system owners administer channels.");
    one(h.root, "channel-check-wa-app").click();
    await h.settled();
    expect(result("wa-app").dataset.ok).toBe("false");
    expect(result("wa-app").textContent).toContain("Only system owners administer channels.");
  });
});

describe("administration: queue members by drag and drop", () => {
  async function editVip() {
    const h = harness(new FakeBackend([]));
    h.backend.adminQueueList = [queue("vip", ["101", "102", "190"])];
    const admin = new Administration(h.context, OWNER);
    await admin.open();
    one(h.root, "admin-tab-queues").click();
    await h.settled();
    h.root.querySelector<HTMLButtonElement>('[data-queue="vip"] [data-testid="admin-queue-edit"]')!.click();
    const members = () => all(h.root, "admin-member").map((m) => m.dataset.extension);
    const row = (extension: string) => h.root.querySelector<HTMLElement>(`[data-testid="admin-member"][data-extension="${extension}"]`)!;
    /** A drag event at `y` over a row 20 px high at the top of the page. */
    const drag = (target: HTMLElement, type: string, y = 15) => {
      target.getBoundingClientRect = () => ({ top: 0, height: 20, bottom: 20, left: 0, right: 100, width: 100, x: 0, y: 0, toJSON: () => ({}) });
      const event = new MouseEvent(type, { bubbles: true, cancelable: true, clientY: y });
      target.dispatchEvent(event);
      return event;
    };
    return { h, members, row, drag };
  }

  it("moves a member dropped on the lower half of a row below it, as the Down button would", async () => {
    const { h, members, row, drag } = await editVip();
    expect(members()).toEqual(["101", "102", "190"]);
    expect(row("101").getAttribute("draggable")).toBe("true");
    drag(row("101"), "dragstart");
    expect(row("101").classList.contains("dragging")).toBe(true);
    const over = drag(row("102"), "dragover", 15);
    expect(over.defaultPrevented, "the row accepts the drop").toBe(true);
    expect(row("102").classList.contains("drop-after"), "a line shows where it lands").toBe(true);
    drag(row("102"), "drop", 15);
    expect(members()).toEqual(["102", "101", "190"]);
    expect(h.root.querySelectorAll(".drop-before, .drop-after")).toHaveLength(0);
    one(h.root, "admin-queue-save").click();
    await h.settled();
    expect(h.backend.calls).toContain('update-queue vip ["102","101","190"] ring_all');
  });

  it("moves a member dropped on the upper half of a row above it, and shows the line moving", async () => {
    const { members, row, drag } = await editVip();
    drag(row("190"), "dragstart");
    drag(row("102"), "dragover", 15);
    expect(row("102").classList.contains("drop-after")).toBe(true);
    drag(row("101"), "dragover", 5);
    expect(row("101").classList.contains("drop-before")).toBe(true);
    expect(row("102").classList.contains("drop-after"), "only one line at a time").toBe(false);
    drag(row("101"), "drop", 5);
    expect(members()).toEqual(["190", "101", "102"]);
  });

  it("changes nothing when dropped where it was, or when the drag ends elsewhere", async () => {
    const { h, members, row, drag } = await editVip();
    drag(row("102"), "dragstart");
    drag(row("102"), "dragover", 5);
    drag(row("102"), "drop", 5);
    expect(members()).toEqual(["101", "102", "190"]);
    drag(row("101"), "dragstart");
    drag(row("190"), "dragover", 15);
    drag(row("101"), "dragend");
    expect(h.root.querySelectorAll(".drop-before, .drop-after, .dragging")).toHaveLength(0);
    // A drag that did not start on a member (a file, say) is not taken.
    const stray = drag(row("190"), "dragover", 15);
    expect(stray.defaultPrevented).toBe(false);
    drag(row("190"), "drop", 15);
    expect(members()).toEqual(["101", "102", "190"]);
  });
});
