/**
 * The settings dialog: notification preview, sounds (a bundled one or the agent's own file,
 * with a preview, and optionally one per channel and one per queue), the unowned-chat
 * reminder and the language. Opened from the main screen's top bar; saved through the backend.
 */
import type { Backend, ChannelKind, QueueSummary, Settings, UpdateStatus } from "../api";
import { toBackendError } from "../backend";
import { describeUpdate } from "../components/update-banner";
import { describeError } from "../errors";
import { button, el } from "../dom";
import type { MessageKey, Translate } from "../i18n";

const SOUNDS = ["chime", "bell", "pop"] as const;
/** Channels that can have a sound of their own (customer channels). */
const SOUND_CHANNELS = ["livechat", "whatsapp", "facebook", "sms"] as const satisfies readonly ChannelKind[];

/** What the agent sees of a sound file: its name, not the whole path. */
function fileLabel(value: string): string {
  const path = value.slice("file:".length);
  return path.split(/[\\/]/).pop() || path;
}

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

export async function openSettings(ctx: SettingsContext): Promise<void> {
  const { backend, t, showDialog, hideDialog, showToast, fail, track } = ctx;
  const current: Settings = await backend.settings();
  // My queues come from the server: offline, the dialog says so and keeps the queue sounds.
  const queues: QueueSummary[] | null = await backend.myQueues().catch(() => null);
  const check = (testid: string, label: string, checked: boolean) => {
    const input = el("input", { type: "checkbox", "data-testid": testid, id: testid, checked });
    return { input, row: el("label", { class: "check", for: testid }, input, label) };
  };
  const preview = check("setting-preview", t("settings.preview"), current.preview);
  const sound = check("setting-sound-enabled", t("settings.soundEnabled"), current.sound_enabled);
  const repeat = check("setting-repeat", t("settings.repeat"), current.repeat_unowned);
  const choice = el("select", { "data-testid": "setting-sound-choice", id: "setting-sound-choice" });
  const channelChoices = SOUND_CHANNELS.map((channel) => {
    const testid = `setting-channel-sound-${channel}`;
    const select = el("select", { "data-testid": testid, id: testid });
    select.append(el("option", { value: "" }, t("settings.sameSound")));
    return { channel, select, label: el("label", { class: "field-label", for: testid }, t(`channel.${channel}` as MessageKey)) };
  });
  const queueChoices = (queues ?? []).map((queue) => {
    const testid = `setting-queue-sound-${queue.id}`;
    const select = el("select", { "data-testid": testid, id: testid });
    select.append(el("option", { value: "" }, t("settings.channelSound")));
    return { queue: queue.id, select, label: el("label", { class: "field-label", for: testid }, queue.name) };
  });
  const selects = [choice, ...channelChoices.map((c) => c.select), ...queueChoices.map((c) => c.select)];
  for (const select of selects) {
    for (const s of SOUNDS) select.append(el("option", { value: s }, t(`sound.${s}` as MessageKey)));
  }
  /** Offers a sound file in every sound list (once). */
  const offerFile = (value: string) => {
    for (const select of selects) {
      if ([...select.options].some((o) => o.value === value)) continue;
      select.append(el("option", { value, title: value.slice("file:".length) }, fileLabel(value)));
    }
  };
  for (const value of [current.sound, ...Object.values(current.channel_sounds), ...Object.values(current.queue_sounds)]) {
    if (value?.startsWith("file:")) offerFile(value);
  }
  choice.value = current.sound;
  for (const { channel, select } of channelChoices) select.value = current.channel_sounds[channel] ?? "";
  for (const { queue, select } of queueChoices) select.value = current.queue_sounds[queue] ?? "";
  const playSound = button(t("settings.playSound"), "setting-sound-preview", { title: t("settings.playSoundTitle") });
  const soundFile = button(t("settings.soundFile"), "setting-sound-file", { title: t("settings.soundFileTitle") });
  const channelSounds = el(
    "details",
    {
      class: "channel-sounds",
      "data-testid": "setting-channel-sounds",
      open: Object.values(current.channel_sounds).some(Boolean),
    },
    el("summary", {}, t("settings.channelSounds")),
    ...channelChoices.map(({ label, select }) => el("div", { class: "channel-sound" }, label, select)),
  );
  const queueSounds =
    queues?.length === 0
      ? null
      : el(
          "details",
          {
            class: "channel-sounds",
            "data-testid": "setting-queue-sounds",
            open: Object.values(current.queue_sounds).some(Boolean),
          },
          el("summary", {}, t("settings.queueSounds")),
          ...(queues === null
            ? [el("p", { class: "muted", "data-testid": "setting-queue-sounds-offline" }, t("settings.queueSoundsOffline"))]
            : queueChoices.map(({ label, select }) => el("div", { class: "channel-sound" }, label, select))),
        );
  const language = el("select", { "data-testid": "setting-language", id: "setting-language" });
  language.append(
    el("option", { value: "auto" }, t("settings.languageAuto")),
    el("option", { value: "en" }, "English"),
    el("option", { value: "pt-BR" }, "Português (Brasil)"),
  );
  language.value = current.locale;
  // Password: the agent's own (other sessions end).
  const passwordInput = (testid: string, autocomplete: string) =>
    el("input", { type: "password", id: testid, "data-testid": testid, autocomplete });
  const current_password = passwordInput("password-current", "current-password");
  const new_password = passwordInput("password-new", "new-password");
  const confirm_password = passwordInput("password-confirm", "new-password");
  const changePassword = button(t("password.change"), "password-change");
  const passwordStatus = el("p", { class: "muted", "data-testid": "password-status", "aria-live": "polite" });
  const passwordSection = el(
    "section",
    { class: "about", "aria-labelledby": "settings-password" },
    el("h4", { id: "settings-password" }, t("password.heading")),
    el("label", { class: "field-label", for: "password-current" }, t("password.current")),
    current_password,
    el("label", { class: "field-label", for: "password-new" }, t("password.new")),
    new_password,
    el("label", { class: "field-label", for: "password-confirm" }, t("password.confirm")),
    confirm_password,
    passwordStatus,
    changePassword,
  );
  changePassword.addEventListener("click", () => {
    if (new_password.value !== confirm_password.value) {
      passwordStatus.textContent = t("password.differ");
      return;
    }
    changePassword.disabled = true;
    void track(
      backend
        .changePassword(current_password.value, new_password.value)
        .then(
          () => {
            for (const input of [current_password, new_password, confirm_password]) input.value = "";
            passwordStatus.textContent = t("password.changed");
          },
          (thrown: unknown) => (passwordStatus.textContent = describeError(toBackendError(thrown), t)),
        )
        .finally(() => (changePassword.disabled = false)),
    );
  });
  // About: the version, and the app's updates from the server (checked on demand here).
  const info = await backend.appInfo().catch(() => null);
  const updateText = el("p", { class: "muted", "data-testid": "update-status", "aria-live": "polite" });
  const showUpdate = (status: UpdateStatus) => (updateText.textContent = describeUpdate(status, t));
  showUpdate(await backend.updateStatus().catch((): UpdateStatus => ({ state: "idle" })));
  const checkUpdate = button(t("update.check"), "update-check");
  const about = el(
    "section",
    { class: "about", "aria-labelledby": "settings-about" },
    el("h4", { id: "settings-about" }, t("update.heading")),
    el("p", { "data-testid": "app-version" }, t("app.version", { version: info?.version ?? "?" })),
    updateText,
    checkUpdate,
  );
  checkUpdate.addEventListener("click", () => {
    checkUpdate.disabled = true;
    showUpdate({ state: "checking" });
    void track(
      backend
        .checkForUpdate()
        .then(showUpdate, fail)
        .finally(() => (checkUpdate.disabled = false)),
    );
  });
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
      el("div", { class: "sound-choice" }, choice, playSound, soundFile),
      channelSounds,
      ...(queueSounds ? [queueSounds] : []),
      repeat.row,
      el("label", { class: "field-label", for: "setting-language" }, t("settings.language")),
      language,
      passwordSection,
      about,
      el("div", { class: "dialog-bar" }, cancel, save),
    ),
  );
  cancel.addEventListener("click", hideDialog);
  playSound.addEventListener("click", () => void track(backend.playSound(choice.value).catch(fail)));
  soundFile.addEventListener("click", () =>
    void track(
      backend.pickSoundFile().then((value) => {
        if (!value) return;
        offerFile(value);
        choice.value = value;
      }, fail),
    ),
  );
  save.addEventListener("click", () => {
    // Channels this dialog does not list keep what they had; "same as above" is no entry.
    const channel_sounds: Settings["channel_sounds"] = Object.fromEntries(
      Object.entries(current.channel_sounds).filter(
        ([channel]) => !(SOUND_CHANNELS as readonly string[]).includes(channel),
      ),
    );
    for (const { channel, select } of channelChoices) {
      if (select.value) channel_sounds[channel] = select.value;
    }
    // Likewise queues not listed (offline, or no longer mine) keep their sound.
    const listed = new Set(queueChoices.map((c) => c.queue));
    const queue_sounds = Object.fromEntries(
      Object.entries(current.queue_sounds).filter(([queue]) => !listed.has(queue)),
    );
    for (const { queue, select } of queueChoices) {
      if (select.value) queue_sounds[queue] = select.value;
    }
    const next: Settings = {
      ...current,
      preview: preview.input.checked,
      sound_enabled: sound.input.checked,
      sound: choice.value,
      channel_sounds,
      queue_sounds,
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
