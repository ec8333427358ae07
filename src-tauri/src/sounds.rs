//! Notification sounds: which sound an event gets, playing it, and the reminder that repeats
//! while a chat waits unowned.
//!
//! - [`sound_for`] and [`reminder`] decide, purely (tested below).
//! - [`Player`] (app state) hands each request over a channel to one thread that owns the
//!   audio output, because rodio's output stream cannot move between threads. Without an
//!   audio device (CI, Xvfb) that thread logs one warning and drops sounds: a caller never
//!   waits for audio and nothing panics.
//! - [`remind`] is the reminder task; [`play_sound`] and [`pick_sound_file`] are the settings
//!   dialog's commands (preview, and the agent's own file).
//!
//! Bundled sounds (`assets/sounds`, made by `scripts/make-sounds.py`) are compiled in.
//!
//! Environment:
//! - `SWITCHBOARD_SOUND_LOG`: a file to which every play request appends one line,
//!   `<sound> <cue>` (e.g. `chime offered`, `file:/home/ana/ding.wav preview`), before the
//!   device is tried, so end-to-end tests can observe sounds without a sound card.
//! - `SWITCHBOARD_REMINDER_SECS`: the reminder period in seconds (default 30), for tests.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use rodio::Source;
use switchboard_client::{Client, View};
use switchboard_protocol::{Agent, ChannelKind, Conversation, ConversationStatus, Presence};
use tauri::{AppHandle, Manager, State};
use uuid::Uuid;

use crate::alerts::Reason;
use crate::commands::CommandError;
use crate::settings::{Settings, BUNDLED_SOUNDS};
use crate::Desktop;

/// Appends a line per play request to this file (test hook).
pub const SOUND_LOG_ENV: &str = "SWITCHBOARD_SOUND_LOG";
/// Overrides the reminder period, in seconds (tests).
pub const REMINDER_SECS_ENV: &str = "SWITCHBOARD_REMINDER_SECS";
/// How often a chat waiting unowned is called to the agent's attention.
const REMINDER_PERIOD: Duration = Duration::from_secs(30);
/// The agent's own file is cut off after this: a notification, not a song.
const LONGEST: Duration = Duration::from_secs(5);
/// The same sound asked for again this soon (a burst of messages) is heard once.
const SAME_SOUND_GAP: Duration = Duration::from_millis(300);
/// Without a device, opening one is tried again at most this often (headphones plugged in);
/// each try costs ALSA's complaints on stderr.
const DEVICE_RETRY: Duration = Duration::from_secs(300);
/// Requests waiting for the audio thread; more are dropped rather than played late.
const QUEUE: usize = 8;
/// File types the picker offers; rodio is built to decode these.
const AUDIO_EXTENSIONS: &[&str] = &["wav", "mp3", "ogg", "flac"];

/// A sound the agent can choose: `chime`, `bell`, `pop`, or `file:` + an absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sound {
    Bundled(&'static str),
    File(PathBuf),
}

impl Sound {
    /// The sound a settings value names, if it names one.
    pub fn parse(value: &str) -> Option<Sound> {
        if let Some(id) = BUNDLED_SOUNDS.iter().find(|id| **id == value) {
            return Some(Sound::Bundled(id));
        }
        let path = Path::new(value.strip_prefix("file:")?);
        path.is_absolute().then(|| Sound::File(path.to_path_buf()))
    }

    /// The settings value for this sound.
    pub fn id(&self) -> String {
        match self {
            Sound::Bundled(id) => (*id).to_string(),
            Sound::File(path) => format!("file:{}", path.display()),
        }
    }
}

fn bundled_bytes(id: &str) -> Option<&'static [u8]> {
    match id {
        "chime" => Some(include_bytes!("../../assets/sounds/chime.wav")),
        "bell" => Some(include_bytes!("../../assets/sounds/bell.wav")),
        "pop" => Some(include_bytes!("../../assets/sounds/pop.wav")),
        _ => None,
    }
}

/// Why a sound plays; the word is what the sound log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    Message,
    Offered,
    Transferred,
    Reminder,
    Preview,
}

impl Cue {
    pub fn as_str(self) -> &'static str {
        match self {
            Cue::Message => "message",
            Cue::Offered => "offered",
            Cue::Transferred => "transferred",
            Cue::Reminder => "reminder",
            Cue::Preview => "preview",
        }
    }
}

impl From<Reason> for Cue {
    fn from(reason: Reason) -> Cue {
        match reason {
            Reason::Message => Cue::Message,
            Reason::Offered => Cue::Offered,
            Reason::Transferred => Cue::Transferred,
        }
    }
}

/// The sound for news in a chat of this channel and queue: none when sounds are off; the
/// queue's own sound when one is set, else the channel's, else the default one. A value that
/// names no sound (stored by hand or by a newer version) falls back rather than staying
/// silent.
pub fn sound_for(settings: &Settings, channel: ChannelKind, queue: Option<&str>) -> Option<Sound> {
    if !settings.sound_enabled {
        return None;
    }
    queue
        .and_then(|queue| settings.queue_sounds.get(queue))
        .and_then(|value| Sound::parse(value))
        .or_else(|| {
            settings
                .channel_sounds
                .get(channel.as_str())
                .and_then(|value| Sound::parse(value))
        })
        .or_else(|| Sound::parse(&settings.sound))
        .or(Some(Sound::Bundled(BUNDLED_SOUNDS[0])))
}

/// The chats waiting for someone to take them: queued, unowned, and not internal.
pub fn waiting(conversations: &[Conversation]) -> HashSet<Uuid> {
    conversations
        .iter()
        .filter(|c| {
            c.status == ConversationStatus::Queued
                && c.owner.is_none()
                && c.channel != ChannelKind::Internal
                && !c.archived
        })
        .map(|c| c.id)
        .collect()
}

/// The reminder to play now, if any: the channel sound of the first chat that is waiting now
/// and was already waiting at the previous check (`waiting_before`), so a chat has waited a
/// full period before its first reminder (it was just announced as offered). Only when the
/// reminder and sounds are on and I am not in do-not-disturb.
pub fn reminder(
    settings: &Settings,
    me: &Agent,
    conversations: &[Conversation],
    waiting_before: &HashSet<Uuid>,
) -> Option<Sound> {
    if !settings.repeat_unowned || me.presence == Presence::Dnd {
        return None;
    }
    let now = waiting(conversations);
    let chat = conversations
        .iter()
        .find(|c| now.contains(&c.id) && waiting_before.contains(&c.id))?;
    sound_for(settings, chat.channel, chat.queue_id.as_deref())
}

/// The reminder period: `SWITCHBOARD_REMINDER_SECS` when it is a positive number.
fn reminder_period(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|secs| *secs > 0)
        .map(Duration::from_secs)
        .unwrap_or(REMINDER_PERIOD)
}

/// Every period, remind the agent of a chat that waits unowned in their queues, until someone
/// takes it. Runs for the life of the app.
pub async fn remind(app: AppHandle, client: Client) {
    let period = reminder_period(std::env::var(REMINDER_SECS_ENV).ok().as_deref());
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut waiting_before = HashSet::new();
    loop {
        ticks.tick().await;
        let Some(me) = client.me() else {
            waiting_before.clear();
            continue;
        };
        let conversations = match client.conversations(View::Recent).await {
            Ok(list) => list,
            Err(error) => {
                tracing::debug!(%error, "reminder: no conversation list");
                continue;
            }
        };
        let settings = app.state::<Desktop>().alerts.settings();
        if let Some(sound) = reminder(&settings, &me, &conversations, &waiting_before) {
            app.state::<Player>().play(&sound, Cue::Reminder);
        }
        waiting_before = waiting(&conversations);
    }
}

/// Plays sounds on a dedicated audio thread (app state).
#[derive(Debug)]
pub struct Player {
    requests: SyncSender<Sound>,
    log: Option<PathBuf>,
}

impl Player {
    /// A player whose log is `SWITCHBOARD_SOUND_LOG`, if set.
    pub fn from_env() -> Player {
        Player::new(
            std::env::var_os(SOUND_LOG_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        )
    }

    pub fn new(log: Option<PathBuf>) -> Player {
        let (requests, queue) = std::sync::mpsc::sync_channel(QUEUE);
        let spawned = std::thread::Builder::new()
            .name("sounds".into())
            .spawn(move || output(queue));
        if let Err(error) = spawned {
            // The receiver is gone with the closure: requests are dropped quietly.
            tracing::warn!(%error, "no audio thread; notification sounds are off");
        }
        Player { requests, log }
    }

    /// Play the sound these settings give news in this chat, if any.
    pub fn cue(&self, settings: &Settings, chat: &Conversation, cue: Cue) {
        if let Some(sound) = sound_for(settings, chat.channel, chat.queue_id.as_deref()) {
            self.play(&sound, cue);
        }
    }

    /// Ask for a sound; returns at once.
    pub fn play(&self, sound: &Sound, cue: Cue) {
        if let Some(log) = &self.log {
            let line = format!("{} {}\n", sound.id(), cue.as_str());
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .and_then(|mut file| file.write_all(line.as_bytes()));
            if let Err(error) = written {
                tracing::warn!(%error, log = %log.display(), "could not write the sound log");
            }
        }
        match self.requests.try_send(sound.clone()) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => tracing::debug!("sound dropped: the audio queue is full"),
        }
    }
}

/// The audio thread: opens the default output on the first request and plays each sound
/// through its mixer (sounds may overlap).
fn output(queue: Receiver<Sound>) {
    let mut stream: Option<rodio::OutputStream> = None;
    let mut tried: Option<Instant> = None;
    let mut warned = false;
    let mut last: Option<(Sound, Instant)> = None;
    for sound in queue {
        if stream.is_none() && tried.is_none_or(|at| at.elapsed() >= DEVICE_RETRY) {
            tried = Some(Instant::now());
            match rodio::OutputStreamBuilder::open_default_stream() {
                Ok(mut opened) => {
                    opened.log_on_drop(false);
                    stream = Some(opened);
                }
                Err(error) => {
                    if !warned {
                        tracing::warn!(%error, "no audio output; notification sounds are silent");
                        warned = true;
                    }
                }
            }
        }
        let Some(stream) = &stream else { continue };
        if last
            .as_ref()
            .is_some_and(|(previous, at)| *previous == sound && at.elapsed() < SAME_SOUND_GAP)
        {
            continue;
        }
        last = Some((sound.clone(), Instant::now()));
        if let Err(error) = start(stream.mixer(), &sound) {
            tracing::warn!(sound = %sound.id(), %error, "could not play a notification sound");
        }
    }
}

/// Decode `sound` and add it to the mixer (it plays while this returns).
fn start(mixer: &rodio::mixer::Mixer, sound: &Sound) -> Result<(), String> {
    match sound {
        Sound::Bundled(id) => {
            let bytes = bundled_bytes(id).ok_or_else(|| format!("no bundled sound {id:?}"))?;
            let decoder =
                rodio::Decoder::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
            mixer.add(decoder);
        }
        Sound::File(path) => {
            let decoder = open(path)?;
            mixer.add(decoder.take_duration(LONGEST));
        }
    }
    Ok(())
}

fn open(path: &Path) -> Result<rodio::Decoder<std::io::BufReader<std::fs::File>>, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("{} cannot be opened ({e})", path.display()))?;
    rodio::Decoder::try_from(file).map_err(|e| {
        format!(
            "{} is not a sound Switchboard can play ({e}); choose a WAV, MP3, OGG (Vorbis) or \
             FLAC file",
            path.display()
        )
    })
}

/// The file can be played: it opens, rodio recognises its format, and it holds sound.
pub fn check_playable(path: &Path) -> Result<(), String> {
    let mut decoder = open(path)?;
    if decoder.next().is_none() {
        return Err(format!("{} holds no sound", path.display()));
    }
    Ok(())
}

/// The settings dialog's preview: plays `sound` (a settings value) whether or not sounds are
/// on. An unreadable file is an error the dialog can show.
#[tauri::command]
pub async fn play_sound(player: State<'_, Player>, sound: String) -> Result<(), CommandError> {
    let parsed = Sound::parse(&sound).ok_or_else(|| {
        CommandError::bad_input(
            "sound",
            format!(
                "{sound:?} is neither a bundled sound ({}) nor file: and an absolute path",
                BUNDLED_SOUNDS.join(", ")
            ),
        )
    })?;
    if let Sound::File(path) = &parsed {
        check_playable(path).map_err(|detail| CommandError::bad_input("sound", detail))?;
    }
    player.play(&parsed, Cue::Preview);
    Ok(())
}

/// The native file dialog, filtered to audio; the chosen file as a settings value
/// (`file:` + its absolute path), or `None` when the agent cancelled. A file rodio cannot
/// decode is refused with the reason.
#[tauri::command]
pub async fn pick_sound_file(window: tauri::WebviewWindow) -> Result<Option<String>, CommandError> {
    let ask = crate::dialogs::Ask {
        title: "Choose a notification sound".into(),
        filter: (
            "Audio".into(),
            AUDIO_EXTENSIONS.iter().map(|e| e.to_string()).collect(),
        ),
        many: false,
    };
    let Some(path) = crate::dialogs::pick(&window, ask).await?.into_iter().next() else {
        return Ok(None);
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    let checked = path.clone();
    tauri::async_runtime::spawn_blocking(move || check_playable(&checked))
        .await
        .map_err(|e| CommandError::bad_input("file", e))?
        .map_err(|detail| CommandError::bad_input("file", detail))?;
    Ok(Some(Sound::File(path).id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::tests::me;
    use serde_json::json;

    fn chat(id: u128, channel: &str, status: &str, owner: Option<u128>) -> Conversation {
        let owner = owner.map(|id| {
            json!({"id": Uuid::from_u128(id), "extension": "10x",
            "name": "Someone", "role": "agent", "presence": "available"})
        });
        serde_json::from_value(json!({
            "id": Uuid::from_u128(id), "channel": channel, "channel_id": channel,
            "status": status, "queue_id": "support", "owner": owner,
            "contact": {"display_name": "Maria", "known": false},
            "unread": 1, "archived": false,
            "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"
        }))
        .unwrap()
    }

    fn settings_with(channel_sounds: &[(&str, &str)]) -> Settings {
        Settings {
            sound: "bell".into(),
            channel_sounds: channel_sounds
                .iter()
                .map(|(c, s)| (c.to_string(), s.to_string()))
                .collect(),
            ..Settings::default()
        }
    }

    #[test]
    fn a_channel_sound_overrides_the_default_and_off_means_silence() {
        let settings = settings_with(&[("whatsapp", "pop"), ("sms", "file:/home/ana/ding.ogg")]);
        let cases = [
            (
                "a channel without its own sound gets the default",
                &settings,
                ChannelKind::Livechat,
                Some(Sound::Bundled("bell")),
            ),
            (
                "WhatsApp has its own",
                &settings,
                ChannelKind::Whatsapp,
                Some(Sound::Bundled("pop")),
            ),
            (
                "a channel sound can be the agent's file",
                &settings,
                ChannelKind::Sms,
                Some(Sound::File("/home/ana/ding.ogg".into())),
            ),
        ];
        for (name, settings, channel, expect) in cases {
            assert_eq!(sound_for(settings, channel, None), expect, "{name}");
        }
        let off = Settings {
            sound_enabled: false,
            ..settings.clone()
        };
        assert_eq!(
            sound_for(&off, ChannelKind::Whatsapp, None),
            None,
            "sounds off silences channel sounds too"
        );
        let broken = settings_with(&[("whatsapp", "trumpet")]);
        assert_eq!(
            sound_for(&broken, ChannelKind::Whatsapp, None),
            Some(Sound::Bundled("bell")),
            "a channel value that names no sound falls back to the default"
        );
    }

    #[test]
    fn a_queue_sound_overrides_the_channel_sound_for_that_queue_only() {
        let mut settings = settings_with(&[("whatsapp", "pop")]);
        settings.queue_sounds.insert("sales".into(), "chime".into());
        settings.queue_sounds.insert("vip".into(), "trumpet".into());
        let sales = sound_for(&settings, ChannelKind::Whatsapp, Some("sales"));
        assert_eq!(
            sales,
            Some(Sound::Bundled("chime")),
            "the queue's own sound"
        );
        assert_eq!(
            sound_for(&settings, ChannelKind::Whatsapp, Some("support")),
            Some(Sound::Bundled("pop")),
            "another queue keeps the channel's sound"
        );
        assert_eq!(
            sound_for(&settings, ChannelKind::Livechat, None),
            Some(Sound::Bundled("bell")),
            "no queue (an extension's chat): the default"
        );
        assert_eq!(
            sound_for(&settings, ChannelKind::Whatsapp, Some("vip")),
            Some(Sound::Bundled("pop")),
            "a queue value that names no sound falls back to the channel's"
        );
        let waiting_in_sales = {
            let mut chat = chat(7, "whatsapp", "queued", None);
            chat.queue_id = Some("sales".into());
            chat
        };
        let before: HashSet<Uuid> = [waiting_in_sales.id].into();
        let me = me("available");
        assert_eq!(
            reminder(&settings, &me, &[waiting_in_sales], &before),
            Some(Sound::Bundled("chime")),
            "reminders use the queue's sound too"
        );
    }

    #[test]
    fn sound_values_parse_like_the_settings_validate_them() {
        assert_eq!(Sound::parse("chime"), Some(Sound::Bundled("chime")));
        assert_eq!(
            Sound::parse("file:/tmp/a b.wav").map(|s| s.id()),
            Some("file:/tmp/a b.wav".to_string()),
            "a file value round-trips"
        );
        for bad in [
            "",
            "trumpet",
            "file:",
            "file:relative.wav",
            "/abs/no-prefix.wav",
        ] {
            assert_eq!(Sound::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_chat_waiting_unowned_for_a_full_period_is_reminded_with_its_channel_sound() {
        let settings = settings_with(&[("sms", "pop")]);
        let queued_sms = chat(1, "sms", "queued", None);
        let queued_wa = chat(2, "whatsapp", "queued", None);
        let taken = chat(3, "sms", "open", Some(1));
        let internal = chat(4, "internal", "queued", None);
        let all_ids: HashSet<Uuid> = (1..=4).map(Uuid::from_u128).collect();
        let available = me("available");
        // (name, the list now, waiting at the last check, expected)
        let cases = [
            (
                "waiting since the last check: its channel sound",
                vec![taken.clone(), queued_sms.clone()],
                all_ids.clone(),
                Some(Sound::Bundled("pop")),
            ),
            (
                "the first waiting chat in list order decides",
                vec![queued_wa.clone(), queued_sms.clone()],
                all_ids.clone(),
                Some(Sound::Bundled("bell")),
            ),
            (
                "just offered (not waiting at the last check): not yet",
                vec![queued_sms.clone()],
                HashSet::new(),
                None,
            ),
            (
                "taken by someone: no reminder",
                vec![taken.clone()],
                all_ids.clone(),
                None,
            ),
            (
                "internal chats are not customers waiting",
                vec![internal.clone()],
                all_ids.clone(),
                None,
            ),
        ];
        for (name, list, before, expect) in cases {
            assert_eq!(
                reminder(&settings, &available, &list, &before),
                expect,
                "{name}"
            );
        }

        let waiting_list = vec![queued_sms.clone()];
        let no_repeat = Settings {
            repeat_unowned: false,
            ..settings.clone()
        };
        let no_sound = Settings {
            sound_enabled: false,
            ..settings.clone()
        };
        assert_eq!(
            reminder(&no_repeat, &available, &waiting_list, &all_ids),
            None,
            "reminder off"
        );
        assert_eq!(
            reminder(&no_sound, &available, &waiting_list, &all_ids),
            None,
            "sounds off"
        );
        assert_eq!(
            reminder(&settings, &me("dnd"), &waiting_list, &all_ids),
            None,
            "never in do not disturb"
        );
        assert_eq!(
            waiting(&[queued_sms, taken, internal, queued_wa]),
            [1, 2].into_iter().map(Uuid::from_u128).collect(),
            "only queued, unowned customer chats wait"
        );
    }

    #[test]
    fn the_reminder_period_can_be_shortened_for_tests() {
        assert_eq!(reminder_period(None), Duration::from_secs(30));
        assert_eq!(reminder_period(Some("3")), Duration::from_secs(3));
        for ignored in ["0", "-1", "soon", ""] {
            assert_eq!(
                reminder_period(Some(ignored)),
                Duration::from_secs(30),
                "{ignored:?}"
            );
        }
    }

    #[test]
    fn every_bundled_sound_is_embedded_short_and_decodable() {
        for id in BUNDLED_SOUNDS {
            let bytes = bundled_bytes(id).unwrap_or_else(|| panic!("{id} is embedded"));
            let decoder = rodio::Decoder::new(std::io::Cursor::new(bytes)).expect(id);
            assert_eq!(decoder.sample_rate(), 44_100, "{id}");
            assert_eq!(decoder.channels(), 1, "{id}");
            let samples = decoder.count();
            assert!(
                samples > 0 && samples < 44_100,
                "{id} lasts under a second ({samples} samples)"
            );
        }
    }

    #[test]
    fn a_file_that_is_not_audio_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("sb-sounds-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("notes.mp3");
        std::fs::write(&fake, b"these are notes, not music").unwrap();
        let error = check_playable(&fake).expect_err("not audio");
        assert!(error.contains("notes.mp3"), "names the file: {error}");
        let missing = check_playable(&dir.join("gone.wav")).expect_err("missing");
        assert!(missing.contains("gone.wav"), "{missing}");
        let real = dir.join("chime.wav");
        std::fs::write(&real, bundled_bytes("chime").unwrap()).unwrap();
        assert_eq!(check_playable(&real), Ok(()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn play_requests_are_logged_and_never_wait_for_a_stuck_audio_thread() {
        let dir = std::env::temp_dir().join(format!("sb-sounds-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("sounds.log");
        // An audio thread that never takes a request (as if the device hung); no sound plays
        // on the machine running the tests.
        let (requests, _stuck) = std::sync::mpsc::sync_channel(QUEUE);
        let player = Player {
            requests,
            log: Some(log.clone()),
        };
        let started = Instant::now();
        // More requests than the queue holds: the extra ones are dropped, not waited for.
        for _ in 0..(QUEUE * 3) {
            player.play(&Sound::Bundled("pop"), Cue::Reminder);
        }
        player.play(&Sound::File("/nowhere/ding.wav".into()), Cue::Preview);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "play returns at once ({:?})",
            started.elapsed()
        );
        let text = std::fs::read_to_string(&log).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), QUEUE * 3 + 1, "one line per request");
        assert_eq!(lines[0], "pop reminder");
        assert_eq!(lines.last(), Some(&"file:/nowhere/ding.wav preview"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
