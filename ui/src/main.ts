/**
 * Entry point: picks the locale and the backend, resumes the last session (token in the OS
 * keychain) or shows the login screen, then the main screen.
 */
import "./styles.css";
import type { Agent } from "./api";
import { detectBackend, toBackendError } from "./backend";
import { describeError } from "./errors";
import { detectLocale, pickLocale, translator, type Locale } from "./i18n";
import { UpdateBanner } from "./components/update-banner";
import { signInNotice } from "./notice";
import { renderLogin, SIGNED_IN_EVENT } from "./screens/login";
import { renderMain, SIGNED_OUT_EVENT, type MainScreen } from "./screens/main";

let locale: Locale = detectLocale();
let t = translator(locale);
const backend = detectBackend();

const app = document.querySelector<HTMLElement>("#app");
const footer = document.querySelector<HTMLElement>("footer.app-footer");
if (!app || !footer) throw new Error("index.html must contain #app and footer.app-footer");

function applyLocale(next: Locale): void {
  locale = next;
  t = translator(locale);
  document.documentElement.lang = locale;
  document.title = t("app.name");
}
applyLocale(locale);

let main: MainScreen | null = null;
let notice: HTMLElement | null = null;
/** "Update ready — restart", while signed in; and how to stop following updates. */
let update: { banner: UpdateBanner; stop: Promise<() => void> } | null = null;

function showLogin(): void {
  main?.dispose();
  main = null;
  notice?.remove();
  notice = null;
  if (update) {
    update.banner.element.remove();
    void update.stop.then((stop) => stop());
    update = null;
  }
  footer!.hidden = false;
  document.body.classList.remove("signed-in");
  renderLogin(app!, backend, t);
}

async function showMain(agent: Agent): Promise<void> {
  // The agent's language setting wins over the OS once they are signed in.
  const settings = await backend.settings().catch(() => null);
  if (settings && settings.locale !== "auto") applyLocale(pickLocale([settings.locale]));
  footer!.hidden = true;
  document.body.classList.add("signed-in");
  main = renderMain(app!, { backend, t, locale, agent });
  // Without a usable keychain the sign-in lasts this run only: say so, quietly.
  notice = signInNotice(await backend.signInKept().catch(() => null), t);
  if (notice) document.body.append(notice);
  const banner = new UpdateBanner(backend, t);
  document.body.append(banner.element);
  const stop = backend.onEvent((event) => {
    if (event.event === "update") banner.show(event.payload);
  });
  update = { banner, stop };
  void stop.then(() => backend.updateStatus()).then((status) => banner.show(status), () => {});
}

app.addEventListener(SIGNED_IN_EVENT, (event) => {
  void showMain((event as CustomEvent<Agent>).detail);
});
app.addEventListener(SIGNED_OUT_EVENT, showLogin);

async function start(): Promise<void> {
  const info = await backend.appInfo().catch(() => null);
  if (info?.emptyWindow) {
    // Benchmark baseline: the same app showing nothing; report its first paint.
    footer!.hidden = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        void backend.startupMs().then((ms) => (document.body.dataset.listReadyMs = String(Math.round(ms))));
      }, 0),
    );
    return;
  }
  const agent = await backend.resume().catch(() => null);
  if (agent) await showMain(agent);
  else showLogin();
}
void start();

backend.appInfo().then(
  (info) => {
    footer.textContent = t("app.version", { version: info.version });
    if (info.dataDir) footer.title = info.dataDir;
  },
  (thrown: unknown) => {
    footer.textContent = describeError(toBackendError(thrown), t);
  },
);
