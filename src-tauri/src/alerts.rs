//! Desktop alerts: which changes deserve an OS notification, and showing them.
//!
//! [`decide`] (the notification) and [`sound_reason`] (the sound) are pure and table-tested
//! below; [`Alerts`] keeps what they need to remember (the chat on screen, what was already
//! announced, the settings) and [`notify`] talks to the OS. Playing the sound is `sounds.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use switchboard_protocol::{Agent, Conversation, ConversationStatus, Direction, Presence};
use uuid::Uuid;

use crate::settings::Settings;

/// Longest message text shown in a notification.
const PREVIEW_CHARS: usize = 160;

/// Why a notification is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A new chat waits unowned in one of my queues.
    Offered,
    /// A customer (or colleague) wrote in a chat I can see.
    Message,
    /// A colleague gave me this chat.
    Transferred,
}

/// An OS notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub conversation: Uuid,
    pub reason: Reason,
    pub summary: String,
    pub body: String,
}

/// What the app knows when a conversation changed.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub conversation: &'a Conversation,
    pub me: &'a Agent,
    pub settings: &'a Settings,
    /// The chat is on screen in a focused window: the agent sees it already.
    pub on_screen: bool,
    /// When this session of the app started: older activity was there before it and is not
    /// news (a reload replays it).
    pub since: DateTime<Utc>,
    /// This conversation was already seen owned by me (a transfer is news only once).
    pub known_mine: bool,
    /// This conversation was last seen waiting unowned: if it is mine now, I took it (or my
    /// reply did), which is no transfer.
    pub was_waiting: bool,
    /// The newest message was already announced.
    pub message_announced: bool,
}

fn portuguese(settings: &Settings) -> bool {
    settings.locale == "pt-BR"
}

fn truncate(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= PREVIEW_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(PREVIEW_CHARS - 1).collect();
    format!("{cut}…")
}

fn name_of(conversation: &Conversation) -> String {
    conversation
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| conversation.contact.display_name.clone())
}

/// What a changed conversation deserves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alert {
    /// The OS notification to show.
    pub notice: Option<Notice>,
    /// Why to play a sound (whether one plays is up to the sound settings, `sounds.rs`).
    pub sound: Option<Reason>,
}

/// The notification this change deserves, if any.
pub fn decide(facts: Facts<'_>) -> Option<Notice> {
    if facts.on_screen {
        return None;
    }
    news(facts)
}

/// Why this change deserves a sound, if it does: the same news as [`decide`], but also for
/// the chat on screen, since the agent wants to hear it whether or not the window has focus.
/// Never in do-not-disturb.
pub fn sound_reason(facts: Facts<'_>) -> Option<Reason> {
    news(facts).map(|notice| notice.reason)
}

/// The news in this change, whether or not the agent is looking at the chat.
fn news(facts: Facts<'_>) -> Option<Notice> {
    let Facts {
        conversation,
        me,
        settings,
        ..
    } = facts;
    if me.presence == Presence::Dnd {
        return None;
    }
    let pt = portuguese(settings);
    let name = name_of(conversation);
    let owner = conversation.owner.as_ref().map(|o| o.id);
    let notice = |reason, summary: String, body: String| Notice {
        conversation: conversation.id,
        reason,
        summary,
        body,
    };
    let preview = |text: &str| {
        if settings.preview && !text.trim().is_empty() {
            truncate(text)
        } else if pt {
            "Nova mensagem".to_string()
        } else {
            "New message".to_string()
        }
    };

    if let Some(message) = &conversation.last_message {
        let fresh = message.created_at >= facts.since && !facts.message_announced;
        let from_someone_else = match message.direction {
            Direction::Inbound => true,
            Direction::Internal => {
                !matches!(&message.author, switchboard_protocol::Author::Agent { id, .. } if *id == me.id)
            }
            Direction::Outbound => false,
        };
        if fresh && from_someone_else {
            let unowned = owner.is_none() && conversation.status == ConversationStatus::Queued;
            if unowned && conversation.created_at >= facts.since {
                let summary = if pt {
                    format!("Novo chat: {name}")
                } else {
                    format!("New chat: {name}")
                };
                return Some(notice(Reason::Offered, summary, preview(&message.body)));
            }
            if unowned || owner == Some(me.id) || conversation.channel.as_str() == "internal" {
                return Some(notice(Reason::Message, name, preview(&message.body)));
            }
        }
    }
    if owner == Some(me.id)
        && !facts.known_mine
        && !facts.was_waiting
        && conversation.updated_at >= facts.since
    {
        let summary = if pt {
            format!("Chat transferido para você: {name}")
        } else {
            format!("Chat transferred to you: {name}")
        };
        let body = conversation
            .last_message
            .as_ref()
            .map(|m| preview(&m.body))
            .unwrap_or_default();
        return Some(notice(Reason::Transferred, summary, body));
    }
    None
}

/// What the alerts remember between changes.
#[derive(Debug)]
pub struct Alerts {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    settings: Settings,
    active: Option<Uuid>,
    since: DateTime<Utc>,
    mine: HashSet<Uuid>,
    waiting: HashSet<Uuid>,
    /// The newest message announced, by conversation: one entry a chat, however many messages
    /// arrive while the app runs.
    announced: HashMap<Uuid, Uuid>,
}

impl Alerts {
    pub fn new() -> Alerts {
        Alerts {
            state: Mutex::new(State {
                settings: Settings::default(),
                active: None,
                since: Utc::now(),
                mine: HashSet::new(),
                waiting: HashSet::new(),
                announced: HashMap::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_settings(&self, settings: Settings) {
        self.state().settings = settings;
    }

    pub fn settings(&self) -> Settings {
        self.state().settings.clone()
    }

    pub fn set_active(&self, id: Option<Uuid>) {
        self.state().active = id;
    }

    /// Decide for a changed conversation and remember the outcome.
    pub fn consider(&self, conversation: &Conversation, me: &Agent, focused: bool) -> Alert {
        let mut state = self.state();
        let newest = conversation.last_message.as_ref().map(|m| m.id);
        let facts = Facts {
            conversation,
            me,
            settings: &state.settings,
            on_screen: focused && state.active == Some(conversation.id),
            since: state.since,
            known_mine: state.mine.contains(&conversation.id),
            was_waiting: state.waiting.contains(&conversation.id),
            message_announced: newest
                .is_some_and(|id| state.announced.get(&conversation.id) == Some(&id)),
        };
        let alert = Alert {
            notice: decide(facts),
            sound: sound_reason(facts),
        };
        if conversation.owner.as_ref().map(|o| o.id) == Some(me.id) {
            state.mine.insert(conversation.id);
        }
        if conversation.owner.is_none() && conversation.status == ConversationStatus::Queued {
            state.waiting.insert(conversation.id);
        } else {
            state.waiting.remove(&conversation.id);
        }
        if let Some(id) = newest {
            state.announced.insert(conversation.id, id);
        }
        alert
    }

    /// How many conversations' newest messages are remembered as announced.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.state().announced.len()
    }
}

/// `text` with the characters markup gives meaning to written as entities (`&amp;`, `&lt;`,
/// `&gt;`, and the quotes for attribute values), so it shows as typed.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether this OS's notification server reads the body as markup: freedesktop servers
/// (`body-markup`: `<b>`, `<i>`, `<a href>`, `<img>`) do; macOS and Windows show text as is.
const BODY_IS_MARKUP: bool = cfg!(all(unix, not(target_os = "macos")));

/// The summary and body handed to the notification server. Customers write the body (a
/// message preview), so on freedesktop servers it is escaped: `<a href=…>` or `<img src=…>` in
/// a message shows as typed instead of becoming a link or fetching an image. The summary is
/// plain text by the specification.
pub fn os_text(notice: &Notice, body_is_markup: bool) -> (String, String) {
    let body = if body_is_markup {
        escape_markup(&notice.body)
    } else {
        notice.body.clone()
    };
    (notice.summary.clone(), body)
}

/// Show a notification; `on_click` runs (on the notifier's thread) when the agent clicks it.
#[cfg(all(unix, not(target_os = "macos")))]
pub fn notify(notice: &Notice, on_click: impl FnOnce() + Send + 'static) {
    static NOTIFIER: std::sync::OnceLock<Option<crate::notifier::Notifier>> =
        std::sync::OnceLock::new();
    let notifier = NOTIFIER.get_or_init(|| {
        crate::notifier::Notifier::start(None)
            .map_err(|error| tracing::warn!(%error, "no notifier thread; notifications are off"))
            .ok()
    });
    let (summary, body) = os_text(notice, BODY_IS_MARKUP);
    if let Some(notifier) = notifier {
        notifier.show(crate::notifier::Request {
            summary,
            body,
            on_click: Box::new(on_click),
        });
    }
}

/// Show a notification (a click on it is left to the system: it brings the app forward).
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn notify(notice: &Notice, on_click: impl FnOnce() + Send + 'static) {
    drop(on_click);
    let (summary, body) = os_text(notice, BODY_IS_MARKUP);
    let shown = notify_rust::Notification::new()
        .appname("Switchboard")
        .summary(&summary)
        .body(&body)
        .icon("mail-message-new")
        .show();
    if let Err(error) = shown {
        tracing::warn!(%error, "could not show a notification");
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// Ana (extension 101, id 1) with this presence; the sounds tests use her too.
    pub(crate) fn me(presence: &str) -> Agent {
        serde_json::from_value(json!({"id": Uuid::from_u128(1), "extension": "101",
            "name": "Ana", "role": "agent", "presence": presence}))
        .unwrap()
    }

    fn conversation(status: &str, owner: Option<u128>, direction: &str, at: &str) -> Conversation {
        let owner = owner.map(|id| {
            json!({"id": Uuid::from_u128(id), "extension": "10x",
            "name": "Someone", "role": "agent", "presence": "available"})
        });
        serde_json::from_value(json!({
            "id": Uuid::from_u128(7), "channel": "whatsapp", "channel_id": "wa",
            "status": status, "queue_id": "support", "owner": owner,
            "contact": {"display_name": "Maria", "known": false},
            "last_message": {"id": Uuid::from_u128(70), "conversation_id": Uuid::from_u128(7),
                "direction": direction, "author": {"kind": "contact", "display_name": "Maria"},
                "body": "Meu pedido não chegou", "attachments": [], "status": "sent",
                "created_at": at},
            "unread": 1, "archived": false, "created_at": at, "updated_at": at
        }))
        .unwrap()
    }

    const START: &str = "2026-11-24T10:00:00Z";
    const AFTER: &str = "2026-11-24T10:05:00Z";
    const BEFORE: &str = "2026-11-24T09:00:00Z";

    #[test]
    fn the_right_changes_become_notifications() {
        let since: DateTime<Utc> = START.parse().unwrap();
        let with_preview = Settings::default();
        let without_preview = Settings {
            preview: false,
            ..Settings::default()
        };
        struct Case<'a> {
            name: &'a str,
            conversation: Conversation,
            presence: &'a str,
            settings: &'a Settings,
            on_screen: bool,
            known_mine: bool,
            was_waiting: bool,
            announced: bool,
            expect: Option<(Reason, &'a str, &'a str)>,
        }
        let base = |name, conversation| Case {
            name,
            conversation,
            presence: "available",
            settings: &with_preview,
            on_screen: false,
            known_mine: false,
            was_waiting: false,
            announced: false,
            expect: None,
        };
        let cases = vec![
            Case {
                expect: Some((Reason::Offered, "New chat: Maria", "Meu pedido não chegou")),
                ..base(
                    "a new chat waiting in my queue",
                    conversation("queued", None, "inbound", AFTER),
                )
            },
            Case {
                settings: &without_preview,
                expect: Some((Reason::Offered, "New chat: Maria", "New message")),
                ..base(
                    "without preview the text stays hidden",
                    conversation("queued", None, "inbound", AFTER),
                )
            },
            Case {
                known_mine: true,
                expect: Some((Reason::Message, "Maria", "Meu pedido não chegou")),
                ..base(
                    "a message in my chat",
                    conversation("open", Some(1), "inbound", AFTER),
                )
            },
            Case {
                on_screen: true,
                known_mine: true,
                ..base(
                    "not for the chat on screen",
                    conversation("open", Some(1), "inbound", AFTER),
                )
            },
            Case {
                presence: "dnd",
                ..base(
                    "never in do not disturb",
                    conversation("queued", None, "inbound", AFTER),
                )
            },
            Case {
                ..base(
                    "not for what happened before the app started",
                    conversation("queued", None, "inbound", BEFORE),
                )
            },
            Case {
                known_mine: true,
                ..base(
                    "not for my own replies",
                    conversation("open", Some(1), "outbound", AFTER),
                )
            },
            Case {
                ..base(
                    "not for a colleague's chat",
                    conversation("open", Some(2), "inbound", AFTER),
                )
            },
            Case {
                known_mine: true,
                announced: true,
                ..base(
                    "each message once",
                    conversation("open", Some(1), "inbound", AFTER),
                )
            },
            Case {
                announced: true,
                expect: Some((
                    Reason::Transferred,
                    "Chat transferred to you: Maria",
                    "Meu pedido não chegou",
                )),
                ..base(
                    "a chat given to me",
                    conversation("open", Some(1), "inbound", AFTER),
                )
            },
            Case {
                announced: true,
                was_waiting: true,
                ..base(
                    "not a transfer when I took a chat that was waiting",
                    conversation("open", Some(1), "inbound", AFTER),
                )
            },
        ];
        for case in cases {
            let me = me(case.presence);
            let got = decide(Facts {
                conversation: &case.conversation,
                me: &me,
                settings: case.settings,
                on_screen: case.on_screen,
                since,
                known_mine: case.known_mine,
                was_waiting: case.was_waiting,
                message_announced: case.announced,
            });
            let got = got.map(|n| (n.reason, n.summary, n.body));
            let expect = case
                .expect
                .map(|(r, s, b)| (r, s.to_string(), b.to_string()));
            assert_eq!(got, expect, "{}", case.name);
        }
    }

    #[test]
    fn sounds_follow_the_news_on_screen_too_but_never_in_do_not_disturb() {
        let since: DateTime<Utc> = START.parse().unwrap();
        let settings = Settings::default();
        // (name, conversation, presence, on_screen, announced, expected reason)
        let cases = [
            (
                "a new chat waiting in my queue",
                conversation("queued", None, "inbound", AFTER),
                "available",
                false,
                false,
                Some(Reason::Offered),
            ),
            (
                "a message in the chat on screen: no notification, but a sound",
                conversation("open", Some(1), "inbound", AFTER),
                "available",
                true,
                false,
                Some(Reason::Message),
            ),
            (
                "a new chat while I am in do not disturb",
                conversation("queued", None, "inbound", AFTER),
                "dnd",
                false,
                false,
                None,
            ),
            (
                "the chat on screen while I am in do not disturb",
                conversation("open", Some(1), "inbound", AFTER),
                "dnd",
                true,
                false,
                None,
            ),
            (
                "a message already announced",
                conversation("open", Some(1), "inbound", AFTER),
                "available",
                true,
                true,
                None,
            ),
            (
                "my own reply",
                conversation("open", Some(1), "outbound", AFTER),
                "available",
                true,
                false,
                None,
            ),
        ];
        for (name, conversation, presence, on_screen, announced, expect) in cases {
            let me = me(presence);
            let got = sound_reason(Facts {
                conversation: &conversation,
                me: &me,
                settings: &settings,
                on_screen,
                since,
                known_mine: true,
                was_waiting: false,
                message_announced: announced,
            });
            assert_eq!(got, expect, "{name}");
        }
    }

    #[test]
    fn customer_text_is_escaped_for_markup_reading_notification_servers() {
        assert_eq!(
            escape_markup(r#"<b>Oi</b> & <a href="https://evil.example">clique</a> <img src='x'>"#),
            "&lt;b&gt;Oi&lt;/b&gt; &amp; &lt;a href=&quot;https://evil.example&quot;&gt;clique&lt;/a&gt; &lt;img src=&#39;x&#39;&gt;"
        );
        assert_eq!(
            escape_markup("Tudo certo? Ação 100%"),
            "Tudo certo? Ação 100%"
        );
        assert_eq!(
            escape_markup("&amp;"),
            "&amp;amp;",
            "entities show as typed too"
        );
        let notice = Notice {
            conversation: Uuid::nil(),
            reason: Reason::Message,
            summary: "Maria".into(),
            body: "<a href=\"http://x\">pague aqui</a> & pronto".into(),
        };
        assert_eq!(
            os_text(&notice, true),
            (
                "Maria".to_string(),
                "&lt;a href=&quot;http://x&quot;&gt;pague aqui&lt;/a&gt; &amp; pronto".to_string()
            )
        );
        assert_eq!(
            os_text(&notice, false).1,
            notice.body,
            "shown as is elsewhere"
        );
        // Linux notification servers read markup.
        #[cfg(target_os = "linux")]
        const {
            assert!(BODY_IS_MARKUP)
        };
    }

    #[test]
    fn alerts_announce_a_message_once() {
        let alerts = Alerts::new();
        let me = me("available");
        let chat = conversation("queued", None, "inbound", "2999-01-01T00:00:00Z");
        let first = alerts.consider(&chat, &me, false);
        assert!(first.notice.is_some());
        assert_eq!(first.sound, Some(Reason::Offered));
        assert_eq!(alerts.consider(&chat, &me, false), Alert::default());
    }

    #[test]
    fn alerts_remember_one_message_a_chat_however_many_arrive() {
        let alerts = Alerts::new();
        let me = me("available");
        let mut chat = conversation("open", Some(1), "inbound", "2999-01-01T00:00:00Z");
        for n in 0..1_000u128 {
            let newest = chat.last_message.as_mut().unwrap();
            newest.id = Uuid::from_u128(1_000 + n);
            assert!(
                alerts.consider(&chat, &me, false).notice.is_some(),
                "message {n} is news"
            );
            assert!(
                alerts.consider(&chat, &me, false).notice.is_none(),
                "message {n} once"
            );
        }
        assert_eq!(alerts.remembered(), 1);
    }

    #[test]
    fn taking_a_chat_offered_to_me_is_not_announced_as_a_transfer() {
        // Given a chat that was offered to me while it waited unowned,
        let alerts = Alerts::new();
        let me = me("available");
        let waiting = conversation("queued", None, "inbound", "2999-01-01T00:00:00Z");
        assert!(alerts.consider(&waiting, &me, false).notice.is_some());
        // when I take it (it becomes mine, with the same newest message),
        let mut taken = waiting.clone();
        taken.status = ConversationStatus::Open;
        taken.owner = Some(me.clone());
        // then neither a "transferred to you" notification nor a sound follows.
        assert_eq!(
            alerts.consider(&taken, &me, true),
            Alert::default(),
            "my own take is no news"
        );
    }
}
