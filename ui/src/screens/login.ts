/**
 * The login screen: server address, username and password.
 *
 * Submitting asks the backend to sign in. A failure is shown on the form; a success is announced
 * with a bubbling `signed-in` event (its `detail` is the agent) for the app shell. The server
 * field starts with the address the app was given (`AppInfo.defaultServer`).
 */
import { toBackendError, type Backend } from "../backend";
import { el } from "../dom";
import { describeError } from "../errors";
import type { Translate } from "../i18n";
import logoUrl from "../../../assets/icons/128x128@2x.png";

/** Dispatched on the screen's element after the backend accepted the credentials. */
export const SIGNED_IN_EVENT = "signed-in";

export interface LoginScreen {
  /** The root element, already attached to the container. */
  element: HTMLElement;
  /** Resolves when the submission in flight (if any) has finished; tests await it. */
  settled(): Promise<void>;
}

function field(id: string, label: string, input: HTMLInputElement): HTMLElement {
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

/** Renders the login screen into `container`, replacing what was there. */
export function renderLogin(container: HTMLElement, backend: Backend, t: Translate): LoginScreen {
  const server = el("input", {
    type: "url",
    name: "server",
    required: true,
    autocomplete: "url",
    inputmode: "url",
    spellcheck: "false",
    placeholder: t("login.serverPlaceholder"),
    "data-testid": "login-server",
  });
  const user = el("input", {
    type: "text",
    name: "user",
    required: true,
    autocomplete: "username",
    autocapitalize: "none",
    spellcheck: "false",
    "data-testid": "login-user",
  });
  const password = el("input", {
    type: "password",
    name: "password",
    required: true,
    autocomplete: "current-password",
    "data-testid": "login-password",
  });
  const submit = el("button", { type: "submit", "data-testid": "login-submit" }, t("login.submit"));
  // role="alert" makes screen readers announce the outcome when it appears.
  const status = el("p", { class: "status", role: "alert", "data-testid": "login-status" });
  status.hidden = true;

  const form = el(
    "form",
    { class: "login-form", "aria-labelledby": "login-heading" },
    field("login-server", t("login.server"), server),
    field("login-user", t("login.user"), user),
    field("login-password", t("login.password"), password),
    status,
    submit,
  );

  const element = el(
    "main",
    { class: "login", "data-testid": "login-screen" },
    el(
      "section",
      { class: "card" },
      el("img", { class: "logo", src: logoUrl, alt: "", width: "64", height: "64" }),
      el("h1", { id: "login-heading" }, t("login.heading")),
      el("p", { class: "subtitle" }, t("login.subtitle")),
      form,
    ),
  );

  let inFlight: Promise<void> = Promise.resolve();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    submit.textContent = t("login.submitting");
    status.hidden = true;
    inFlight = backend
      .login({ server: server.value.trim(), user: user.value.trim(), password: password.value })
      .then(
        (agent) => {
          element.dispatchEvent(new CustomEvent(SIGNED_IN_EVENT, { bubbles: true, detail: agent }));
        },
        (thrown: unknown) => {
          status.textContent = describeError(toBackendError(thrown), t);
          status.hidden = false;
        },
      )
      .finally(() => {
        submit.disabled = false;
        submit.textContent = t("login.submit");
      });
  });

  container.replaceChildren(element);
  backend.appInfo().then(
    (info) => {
      if (info.defaultServer && server.value === "") server.value = info.defaultServer;
    },
    () => {},
  );
  return { element, settled: () => inFlight };
}
