/**
 * Entry point: picks the locale and the backend, then shows the first screen.
 */
import "./styles.css";
import { detectBackend, toBackendError } from "./backend";
import { describeError } from "./errors";
import { detectLocale, translator } from "./i18n";
import { renderLogin } from "./screens/login";

const locale = detectLocale();
const t = translator(locale);
const backend = detectBackend();

document.documentElement.lang = locale;
document.title = t("app.name");

const app = document.querySelector<HTMLElement>("#app");
const footer = document.querySelector<HTMLElement>("footer.app-footer");
if (!app || !footer) throw new Error("index.html must contain #app and footer.app-footer");

renderLogin(app, backend, t);

backend.appInfo().then(
  (info) => {
    footer.textContent = t("app.version", { version: info.version });
    if (info.dataDir) footer.title = info.dataDir;
  },
  (thrown: unknown) => {
    footer.textContent = describeError(toBackendError(thrown), t);
  },
);
