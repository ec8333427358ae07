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

  const subtitle = el("p", { class: "subtitle" }, t("login.subtitle"));
  const element = el(
    "main",
    { class: "login", "data-testid": "login-screen" },
    el(
      "section",
      { class: "card" },
      el("img", { class: "logo", src: logoUrl, alt: "", width: "64", height: "64" }),
      el("h1", { id: "login-heading" }, t("login.heading")),
      subtitle,
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
          const error = toBackendError(thrown);
          if (error.code === "password_change_required") {
            showChoosePassword();
            return;
          }
          status.textContent = describeError(error, t);
          status.hidden = false;
        },
      )
      .finally(() => {
        submit.disabled = false;
        submit.textContent = t("login.submit");
      });
  });

  /** A temporary password signed in: the agent chooses their own before anything else. */
  function showChoosePassword(): void {
    const fresh = el("input", {
      type: "password",
      required: true,
      autocomplete: "new-password",
      "data-testid": "choose-password-new",
    });
    const again = el("input", {
      type: "password",
      required: true,
      autocomplete: "new-password",
      "data-testid": "choose-password-confirm",
    });
    const save = el("button", { type: "submit", "data-testid": "choose-password-submit" }, t("password.chooseSubmit"));
    const said = el("p", { class: "status", role: "alert", "data-testid": "choose-password-status" });
    said.hidden = true;
    const choose = el(
      "form",
      { class: "login-form", "aria-labelledby": "login-heading" },
      el("p", { class: "subtitle" }, t("password.chooseIntro")),
      field("choose-password-new", t("password.new"), fresh),
      field("choose-password-confirm", t("password.confirm"), again),
      said,
      save,
    );
    form.replaceWith(choose);
    element.querySelector("#login-heading")!.textContent = t("password.chooseHeading");
    subtitle.remove();
    fresh.focus();
    choose.addEventListener("submit", (event) => {
      event.preventDefault();
      said.hidden = true;
      if (fresh.value !== again.value) {
        said.textContent = t("password.differ");
        said.hidden = false;
        return;
      }
      save.disabled = true;
      inFlight = backend
        .choosePassword(fresh.value)
        .then(
          (agent) => {
            element.dispatchEvent(new CustomEvent(SIGNED_IN_EVENT, { bubbles: true, detail: agent }));
          },
          (thrown: unknown) => {
            said.textContent = describeError(toBackendError(thrown), t);
            said.hidden = false;
          },
        )
        .finally(() => {
          save.disabled = false;
        });
    });
  }

  container.replaceChildren(element);
  backend.appInfo().then(
    (info) => {
      if (info.defaultServer && server.value === "") server.value = info.defaultServer;
    },
    () => {},
  );
  return { element, settled: () => inFlight };
}
