//! The agent's preferences on this machine, kept in the client cache as one JSON value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Preference key in the client cache.
pub const KEY: &str = "desktop.settings";

/// Sounds bundled with the app (`assets/sounds`).
pub const BUNDLED_SOUNDS: &[&str] = &["chime", "bell", "pop"];

/// What `ui/src/api.ts` calls `Settings`; missing fields take their defaults, so settings
/// written by an older version still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Show the message text in OS notifications.
    pub preview: bool,
    pub sound_enabled: bool,
    /// A bundled sound id, or `file:` + an absolute path.
    pub sound: String,
    /// Channel kind → sound, overriding `sound`.
    pub channel_sounds: BTreeMap<String, String>,
    /// Queue id → sound, overriding `sound` and the channel's sound for chats of that queue.
    pub queue_sounds: BTreeMap<String, String>,
    /// Repeat the reminder while a chat waits unowned in my queue.
    pub repeat_unowned: bool,
    /// `auto`, `en` or `pt-BR`.
    pub locale: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            preview: true,
            sound_enabled: true,
            sound: BUNDLED_SOUNDS[0].into(),
            channel_sounds: BTreeMap::new(),
            queue_sounds: BTreeMap::new(),
            repeat_unowned: true,
            locale: "auto".into(),
        }
    }
}

fn valid_sound(sound: &str) -> bool {
    crate::sounds::Sound::parse(sound).is_some()
}

impl Settings {
    /// The stored settings, or the defaults when there are none or they cannot be read.
    pub fn from_stored(text: Option<&str>) -> Settings {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// The JSON to store, or the field that is wrong and why.
    pub fn validated(&self) -> Result<String, (&'static str, String)> {
        if !valid_sound(&self.sound) {
            return Err((
                "sound",
                format!(
                    "{:?} is neither a bundled sound ({}) nor file: and an absolute path",
                    self.sound,
                    BUNDLED_SOUNDS.join(", ")
                ),
            ));
        }
        for (channel, sound) in &self.channel_sounds {
            if switchboard_protocol::ChannelKind::parse(channel).is_none() {
                return Err(("channel_sounds", format!("{channel:?} is not a channel")));
            }
            if !valid_sound(sound) {
                return Err(("channel_sounds", format!("{sound:?} is not a sound")));
            }
        }
        for (queue, sound) in &self.queue_sounds {
            if queue.trim().is_empty() {
                return Err(("queue_sounds", "a queue id is empty".to_string()));
            }
            if !valid_sound(sound) {
                return Err(("queue_sounds", format!("{sound:?} is not a sound")));
            }
        }
        if !["auto", "en", "pt-BR"].contains(&self.locale.as_str()) {
            return Err((
                "locale",
                format!("{:?} must be auto, en or pt-BR", self.locale),
            ));
        }
        serde_json::to_string(self).map_err(|e| ("settings", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_unreadable_settings_are_the_defaults() {
        assert_eq!(Settings::from_stored(None), Settings::default());
        assert_eq!(Settings::from_stored(Some("not json")), Settings::default());
        let partial = Settings::from_stored(Some(r#"{"preview": false}"#));
        assert!(!partial.preview);
        assert!(
            partial.sound_enabled,
            "fields not stored keep their default"
        );
    }

    #[test]
    fn settings_round_trip_through_their_stored_form() {
        let mut settings = Settings {
            preview: false,
            sound: "bell".into(),
            ..Settings::default()
        };
        settings
            .channel_sounds
            .insert("whatsapp".into(), "file:/home/ana/ding.wav".into());
        settings.queue_sounds.insert("sales".into(), "pop".into());
        let text = settings.validated().expect("valid");
        assert_eq!(Settings::from_stored(Some(&text)), settings);
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            (
                Settings {
                    sound: "trumpet".into(),
                    ..Settings::default()
                },
                "sound",
            ),
            (
                Settings {
                    sound: "file:relative.wav".into(),
                    ..Settings::default()
                },
                "sound",
            ),
            (
                Settings {
                    channel_sounds: [("fax".to_string(), "bell".to_string())].into(),
                    ..Settings::default()
                },
                "channel_sounds",
            ),
            (
                Settings {
                    queue_sounds: [("support".to_string(), "horn".to_string())].into(),
                    ..Settings::default()
                },
                "queue_sounds",
            ),
            (
                Settings {
                    queue_sounds: [(" ".to_string(), "bell".to_string())].into(),
                    ..Settings::default()
                },
                "queue_sounds",
            ),
            (
                Settings {
                    locale: "fr".into(),
                    ..Settings::default()
                },
                "locale",
            ),
        ];
        for (settings, field) in cases {
            let (got, detail) = settings.validated().expect_err("invalid");
            assert_eq!(got, field, "{detail}");
        }
    }
}
