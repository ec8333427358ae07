/**
 * The settings dialog: notification preview, sounds, the unowned-chat reminder and the
 * language. Opened from the main screen's top bar; saved through the backend.
 */
import type { Backend, Settings } from "../api";
import { el } from "../dom";
import type { MessageKey, Translate } from "../i18n";

const SOUNDS = ["chime", "bell", "pop"] as const;

/** What the dialog borrows from the main screen. */
export interface SettingsContext {
  backend: Backend;
  t: Translate;
  showDialog(dialog: HTMLElement): void;
  hideDialog(): void;
  showToast(text: string, error?: boolean): void;
  fail(thrown: unknown): void;
  track<T>(p: Promise<T>): Promise<T>;
}

function button(label: string, testid: string, extra: Record<string, string> = {}): HTMLButtonElement {
  return el("button", { type: "button", "data-testid": testid, ...extra }, label);
}

export async function openSettings(ctx: SettingsContext): Promise<void> {
  const { backend, t, showDialog, hideDialog, showToast, fail, track } = ctx;
  const current: Settings = await backend.settings();
  const check = (testid: string, label: string, checked: boolean) => {
    const input = el("input", { type: "checkbox", "data-testid": testid, id: testid, checked });
    return { input, row: el("label", { class: "check", for: testid }, input, label) };
  };
  const preview = check("setting-preview", t("settings.preview"), current.preview);
  const sound = check("setting-sound-enabled", t("settings.soundEnabled"), current.sound_enabled);
  const repeat = check("setting-repeat", t("settings.repeat"), current.repeat_unowned);
  const choice = el("select", { "data-testid": "setting-sound-choice", id: "setting-sound-choice" });
  for (const s of SOUNDS) choice.append(el("option", { value: s }, t(`sound.${s}` as MessageKey)));
  if (current.sound.startsWith("file:")) choice.append(el("option", { value: current.sound }, current.sound.slice(5)));
  choice.value = current.sound;
  const language = el("select", { "data-testid": "setting-language", id: "setting-language" });
  language.append(
    el("option", { value: "auto" }, t("settings.languageAuto")),
    el("option", { value: "en" }, "English"),
    el("option", { value: "pt-BR" }, "Português (Brasil)"),
  );
  language.value = current.locale;
  const save = button(t("settings.save"), "settings-save", { class: "primary" });
  const cancel = button(t("chat.cancel"), "settings-cancel");
  showDialog(
    el(
      "div",
      { class: "dialog settings", role: "dialog", "data-testid": "settings-dialog" },
      el("h3", {}, t("settings.title")),
      preview.row,
      sound.row,
      el("label", { class: "field-label", for: "setting-sound-choice" }, t("settings.sound")),
      choice,
      repeat.row,
      el("label", { class: "field-label", for: "setting-language" }, t("settings.language")),
      language,
      el("div", { class: "dialog-bar" }, cancel, save),
    ),
  );
  cancel.addEventListener("click", hideDialog);
  save.addEventListener("click", () => {
    const next: Settings = {
      ...current,
      preview: preview.input.checked,
      sound_enabled: sound.input.checked,
      sound: choice.value,
      repeat_unowned: repeat.input.checked,
      locale: language.value as Settings["locale"],
    };
    void track(
      backend.saveSettings(next).then(() => {
        hideDialog();
        showToast(t("settings.saved"));
      }, fail),
    );
  });
}
