import { describe, expect, it } from "vitest";
import type { AdminAgent } from "../../src/api";
import { Administration } from "../../src/components/administration";
import { all, one } from "../query";
import { harness, t } from "./harness";

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
  const admin = new Administration(h.context);
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
