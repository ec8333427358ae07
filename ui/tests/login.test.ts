import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Agent } from "../src/api";
import { BackendError, webBackend, type Backend, type LoginRequest } from "../src/backend";
import { translator } from "../src/i18n";
import { renderLogin, SIGNED_IN_EVENT } from "../src/screens/login";

const t = translator("en");
const AGENT: Agent = {
  id: "0190a0a0-0000-7000-8000-000000000101",
  extension: "101",
  name: "Ana Souza",
  role: "agent",
  presence: "available",
};

function byTestId<T extends HTMLElement>(root: ParentNode, id: string): T {
  const found = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no element with data-testid="${id}"`);
  return found;
}

function fillAndSubmit(root: HTMLElement): void {
  byTestId<HTMLInputElement>(root, "login-server").value = " https://chat.example.com ";
  byTestId<HTMLInputElement>(root, "login-user").value = "ana";
  byTestId<HTMLInputElement>(root, "login-password").value = "s3cret";
  byTestId<HTMLButtonElement>(root, "login-submit").click();
}

describe("login screen", () => {
  let container: HTMLElement;

  beforeEach(() => {
    document.body.replaceChildren();
    container = document.createElement("div");
    document.body.append(container);
  });

  it("renders the fields and button that end-to-end tests look for", () => {
    renderLogin(container, webBackend, t);

    for (const id of ["login-server", "login-user", "login-password", "login-submit"]) {
      expect(container.querySelector(`[data-testid="${id}"]`), id).not.toBeNull();
    }
    expect(byTestId<HTMLInputElement>(container, "login-password").type).toBe("password");
    expect(byTestId(container, "login-submit").textContent).toBe("Sign in");
    // Every input has a visible label, for screen readers and for clicking.
    for (const input of container.querySelectorAll("input")) {
      expect(container.querySelector(`label[for="${input.id}"]`), input.name).not.toBeNull();
    }
  });

  it("shows the backend's 'not connected' answer instead of pretending to sign in", async () => {
    const screen = renderLogin(container, webBackend, t);
    const signedIn = vi.fn();
    container.addEventListener(SIGNED_IN_EVENT, signedIn);

    fillAndSubmit(container);
    await screen.settled();

    const status = byTestId(container, "login-status");
    expect(status.hidden).toBe(false);
    expect(status.textContent).toBe(t("error.not_connected"));
    expect(signedIn).not.toHaveBeenCalled();
    expect(byTestId<HTMLButtonElement>(container, "login-submit").disabled).toBe(false);
  });

  it("passes trimmed credentials to the backend and announces success", async () => {
    const calls: LoginRequest[] = [];
    const backend: Backend = {
      ...webBackend,
      login: (request) => {
        calls.push(request);
        return Promise.resolve(AGENT);
      },
    };
    const screen = renderLogin(container, backend, t);
    const signedIn = vi.fn();
    container.addEventListener(SIGNED_IN_EVENT, signedIn);

    fillAndSubmit(container);
    await screen.settled();

    expect(calls).toEqual([{ server: "https://chat.example.com", user: "ana", password: "s3cret" }]);
    expect(signedIn).toHaveBeenCalledOnce();
    expect(byTestId(container, "login-status").hidden).toBe(true);
  });

  it("shows unexpected errors with their message", async () => {
    const backend: Backend = {
      ...webBackend,
      login: () => Promise.reject(new BackendError("unknown", "server said 500")),
    };
    const screen = renderLogin(container, backend, t);

    fillAndSubmit(container);
    await screen.settled();

    expect(byTestId(container, "login-status").textContent).toBe(
      "Something went wrong: server said 500",
    );
  });
  it("asks for the agent's own password after a temporary one, then signs in", async () => {
    const chosen: string[] = [];
    const backend: Backend = {
      ...webBackend,
      login: () =>
        Promise.reject(new BackendError("password_change_required", "You signed in with a temporary password.")),
      choosePassword: (password) => {
        chosen.push(password);
        return password.length < 8
          ? Promise.reject(new BackendError("invalid_password", "new_password: at least 8 characters"))
          : Promise.resolve(AGENT);
      },
    };
    const screen = renderLogin(container, backend, t);
    const signedIn = vi.fn();
    container.addEventListener(SIGNED_IN_EVENT, signedIn);
    fillAndSubmit(container);
    await screen.settled();

    expect(container.querySelector("h1")?.textContent).toBe(t("password.chooseHeading"));
    expect(container.querySelector('[data-testid="login-password"]'), "the sign-in form is gone").toBeNull();
    const fresh = byTestId<HTMLInputElement>(container, "choose-password-new");
    const again = byTestId<HTMLInputElement>(container, "choose-password-confirm");
    for (const input of [fresh, again]) {
      expect(container.querySelector(`label[for="${input.id}"]`)).not.toBeNull();
    }
    const submit = () => {
      byTestId<HTMLFormElement>(container, "choose-password-submit").closest("form")!.requestSubmit();
      return screen.settled();
    };
    const said = () => byTestId(container, "choose-password-status");

    fresh.value = "one password";
    again.value = "another one";
    await submit();
    expect(said().textContent).toBe(t("password.differ"));
    expect(chosen).toEqual([]);

    fresh.value = again.value = "short";
    await submit();
    expect(said().textContent).toContain("at least 8");

    fresh.value = again.value = "a good password";
    await submit();
    expect(chosen).toEqual(["short", "a good password"]);
    expect(signedIn).toHaveBeenCalledOnce();
    expect((signedIn.mock.calls[0]![0] as CustomEvent<Agent>).detail).toEqual(AGENT);
  });
});
