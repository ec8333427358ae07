import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { translator } from "../src/i18n";
import { renderMain, type MainScreen } from "../src/screens/main";
import { BackendError } from "../src/backend";
import { conversation, FakeBackend, ME } from "./fake-backend";
import { one } from "./query";

const t = translator("en");


/** The main screen over an empty fake backend, in a fresh document. */
async function mountMain(): Promise<{ container: HTMLElement; screen: MainScreen; backend: FakeBackend }> {
  document.body.replaceChildren();
  const container = document.createElement("div");
  document.body.append(container);
  const backend = new FakeBackend([]);
  const screen = renderMain(container, { backend, t, locale: "en", agent: ME });
  await screen.settled();
  return { container, screen, backend };
}

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event("change"));
}

describe("settings: sounds", () => {
  let container: HTMLElement;
  let screen: MainScreen;
  let backend: FakeBackend;

  async function openSettings(): Promise<void> {
    one(container, "settings-open").click();
    await screen.settled();
    one(container, "settings-dialog");
  }

  beforeEach(async () => {
    document.body.replaceChildren();
    container = document.createElement("div");
    document.body.append(container);
    backend = new FakeBackend([conversation("00000000-0000-7000-8000-00000000000a", "whatsapp", "Maria")]);
    screen = renderMain(container, { backend, t, locale: "en", agent: ME });
    await screen.settled();
  });
  afterEach(() => screen.dispose());

  it("plays the sound chosen in the list, even before saving", async () => {
    await openSettings();
    choose(one<HTMLSelectElement>(container, "setting-sound-choice"), "pop");
    one(container, "setting-sound-preview").click();
    await screen.settled();
    expect(backend.played).toEqual(["pop"]);
    expect(backend.saved, "a preview saves nothing").toBeNull();
  });

  it("offers a chosen file by its name, selects it, previews and saves it", async () => {
    backend.pickedSound = "file:/home/ana/Music/ding dong.ogg";
    await openSettings();
    one(container, "setting-sound-file").click();
    await screen.settled();
    const choice = one<HTMLSelectElement>(container, "setting-sound-choice");
    expect(choice.value).toBe("file:/home/ana/Music/ding dong.ogg");
    expect(choice.selectedOptions[0]!.textContent, "the name, not the whole path").toBe("ding dong.ogg");
    // The file can also be given to a channel.
    const whatsapp = one<HTMLSelectElement>(container, "setting-channel-sound-whatsapp");
    expect([...whatsapp.options].map((o) => o.value)).toContain("file:/home/ana/Music/ding dong.ogg");

    one(container, "setting-sound-preview").click();
    await screen.settled();
    expect(backend.played).toEqual(["file:/home/ana/Music/ding dong.ogg"]);
    one(container, "settings-save").click();
    await screen.settled();
    expect(backend.saved?.sound).toBe("file:/home/ana/Music/ding dong.ogg");
  });

  it("keeps the sound when the file dialog is cancelled, and shows why a file was refused", async () => {
    await openSettings();
    const choice = one<HTMLSelectElement>(container, "setting-sound-choice");
    one(container, "setting-sound-file").click();
    await screen.settled();
    expect(backend.calls).toContain("pick-sound-file");
    expect(choice.value, "cancelled: nothing changes").toBe("chime");

    backend.pickedSound = new BackendError("bad_input", "file: /tmp/notes.mp3 is not a sound Switchboard can play");
    one(container, "setting-sound-file").click();
    await screen.settled();
    expect(choice.value).toBe("chime");
    const toast = one(container, "toast");
    expect(toast.hidden).toBe(false);
    expect(toast.textContent).toContain("notes.mp3");
  });

  it("saves a sound per channel, leaving out the channels that use the main sound", async () => {
    await openSettings();
    const details = one<HTMLDetailsElement>(container, "setting-channel-sounds");
    expect(details.open, "collapsed while no channel has its own sound").toBe(false);
    for (const channel of ["livechat", "whatsapp", "facebook", "sms"]) {
      const select = one<HTMLSelectElement>(container, `setting-channel-sound-${channel}`);
      expect(select.value, `${channel} starts as the main sound`).toBe("");
      expect(select.options[0]!.textContent).toBe("Same as above");
    }
    choose(one<HTMLSelectElement>(container, "setting-channel-sound-whatsapp"), "bell");
    choose(one<HTMLSelectElement>(container, "setting-channel-sound-sms"), "pop");
    one(container, "settings-save").click();
    await screen.settled();
    expect(backend.saved?.channel_sounds).toEqual({ whatsapp: "bell", sms: "pop" });

    // Opened again, the dialog shows them (and opens the section).
    await openSettings();
    expect(one<HTMLDetailsElement>(container, "setting-channel-sounds").open).toBe(true);
    expect(one<HTMLSelectElement>(container, "setting-channel-sound-whatsapp").value).toBe("bell");
    expect(one<HTMLSelectElement>(container, "setting-channel-sound-livechat").value).toBe("");
    choose(one<HTMLSelectElement>(container, "setting-channel-sound-whatsapp"), "");
    one(container, "settings-save").click();
    await screen.settled();
    expect(backend.saved?.channel_sounds, "back to the main sound: no entry").toEqual({ sms: "pop" });
  });

  it("saves a sound per queue, named as the server names my queues", async () => {
    backend.stored = { ...backend.stored, queue_sounds: { "old-queue": "pop" } };
    await openSettings();
    const details = one<HTMLDetailsElement>(container, "setting-queue-sounds");
    expect(details.textContent).toContain("Sales");
    expect(details.textContent).toContain("Support");
    choose(one<HTMLSelectElement>(container, "setting-queue-sound-sales"), "bell");
    one(container, "settings-save").click();
    await screen.settled();
    expect(backend.saved?.queue_sounds, "a queue no longer listed keeps its sound").toEqual({
      "old-queue": "pop",
      sales: "bell",
    });

    // Offline, the dialog says why no queues are listed and keeps their sounds.
    backend.queues = new BackendError("offline", "not connected");
    await openSettings();
    expect(one(container, "setting-queue-sounds-offline").textContent).toContain("connected");
    one(container, "settings-save").click();
    await screen.settled();
    expect(backend.saved?.queue_sounds).toEqual({ "old-queue": "pop", sales: "bell" });

    // Without queues (only extension routes), there is nothing to choose.
    backend.queues = [];
    await openSettings();
    expect(container.querySelector("[data-testid=setting-queue-sounds]")).toBeNull();
  });

  it("shows a stored sound file by name in the main and channel lists", async () => {
    backend.stored = {
      ...backend.stored,
      sound: "file:/home/ana/bip.wav",
      channel_sounds: { facebook: "file:/home/ana/fb.mp3" },
    };
    await openSettings();
    const choice = one<HTMLSelectElement>(container, "setting-sound-choice");
    expect(choice.value).toBe("file:/home/ana/bip.wav");
    expect(choice.selectedOptions[0]!.textContent).toBe("bip.wav");
    const facebook = one<HTMLSelectElement>(container, "setting-channel-sound-facebook");
    expect(facebook.value).toBe("file:/home/ana/fb.mp3");
    expect(facebook.selectedOptions[0]!.textContent).toBe("fb.mp3");
  });
});

describe("settings: about and updates", () => {
  let container: HTMLElement;
  let screen: MainScreen;
  let backend: FakeBackend;

  beforeEach(async () => {
    ({ container, screen, backend } = await mountMain());
  });
  afterEach(() => screen.dispose());

  it("shows the version and where updating stands, and checks on demand", async () => {
    backend.appUpdate = { state: "off", reason: "not_installed" };
    one(container, "settings-open").click();
    await screen.settled();
    expect(one(container, "app-version").textContent).toMatch(/^Version \S+/);
    expect(one(container, "update-status").textContent).toBe(t("update.off.not_installed"));

    backend.appUpdate = { state: "up_to_date" };
    one(container, "update-check").click();
    await screen.settled();
    expect(backend.calls).toContain("check-for-update");
    expect(one(container, "update-status").textContent).toBe(t("update.upToDate"));
    expect(one<HTMLButtonElement>(container, "update-check").disabled).toBe(false);
  });
});

describe("settings: password", () => {
  let container: HTMLElement;
  let screen: MainScreen;
  let backend: FakeBackend;

  beforeEach(async () => {
    ({ container, screen, backend } = await mountMain());
    one(container, "settings-open").click();
    await screen.settled();
  });
  afterEach(() => screen.dispose());

  const type = (id: string, value: string) => (one<HTMLInputElement>(container, id).value = value);
  const said = () => one(container, "password-status").textContent;

  it("changes the password with the current one, and says what went wrong otherwise", async () => {
    type("password-current", "pw");
    type("password-new", "new password");
    type("password-confirm", "new pass");
    one(container, "password-change").click();
    await screen.settled();
    expect(said()).toBe(t("password.differ"));
    expect(backend.calls).not.toContain("change-password");

    type("password-current", "wrong");
    type("password-confirm", "new password");
    one(container, "password-change").click();
    await screen.settled();
    expect(said()).toContain("not your current password");

    type("password-current", "pw");
    one(container, "password-change").click();
    await screen.settled();
    expect(said()).toBe(t("password.changed"));
    expect(backend.password).toBe("new password");
    expect(one<HTMLInputElement>(container, "password-new").value, "the fields are emptied").toBe("");
  });
});
