//! Delivery of customers' messages: how statuses may move, the reply window of WhatsApp and
//! Messenger, SMS consent keywords, and SMS segment counting.

use chrono::{DateTime, Duration, Utc};
use switchboard_protocol::{ChannelKind, MessageStatus};

/// Providers report statuses late, twice and out of order: a status only ever moves forward
/// (`read` never goes back to `delivered`), and `failed` only replaces a status that had not
/// reached the customer yet. Returns the status to store, or `None` to ignore the report.
pub fn next_status(current: MessageStatus, reported: MessageStatus) -> Option<MessageStatus> {
    use MessageStatus::*;
    let rank = |s: MessageStatus| match s {
        Pending => 0,
        Sent => 1,
        Delivered => 2,
        Read => 3,
        Failed => 0,
    };
    match (current, reported) {
        (Failed, _) => None,
        (Pending | Sent, Failed) => Some(Failed),
        (_, Failed) => None,
        (current, reported) if rank(reported) > rank(current) => Some(reported),
        _ => None,
    }
}

/// How long after the customer's last message a business may still answer freely.
pub const REPLY_WINDOW_HOURS: i64 = 24;

/// How long a Messenger page allowed Meta's `HUMAN_AGENT` tag may answer.
pub const HUMAN_AGENT_WINDOW_DAYS: i64 = 7;

/// The reply window of a channel: how long after the customer's last message agents may
/// write freely (WhatsApp and Messenger; `None` for channels without one).
pub fn reply_window(channel: ChannelKind, human_agent_tag: bool) -> Option<Duration> {
    match channel {
        ChannelKind::Facebook if human_agent_tag => Some(Duration::days(HUMAN_AGENT_WINDOW_DAYS)),
        ChannelKind::Whatsapp | ChannelKind::Facebook => Some(Duration::hours(REPLY_WINDOW_HOURS)),
        _ => None,
    }
}

/// When the reply window of a conversation closes, for channels that have one.
pub fn reply_window_ends_at(
    channel: ChannelKind,
    human_agent_tag: bool,
    last_inbound_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    Some(last_inbound_at? + reply_window(channel, human_agent_tag)?)
}

/// Whether a Messenger answer sent `now` needs the `HUMAN_AGENT` tag: the standard 24 hours
/// after the customer's last message have passed.
pub fn needs_human_agent_tag(last_inbound_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_inbound_at.is_some_and(|at| now >= at + Duration::hours(REPLY_WINDOW_HOURS))
}

/// Words an SMS customer texts to stop receiving messages (Twilio's own and Portuguese ones);
/// a channel's `stop_keywords` replace them.
pub const DEFAULT_STOP_KEYWORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "PARAR",
    "SAIR",
    "CANCELAR",
];

/// Words that start messages again; a channel's `start_keywords` replace them.
pub const DEFAULT_START_KEYWORDS: &[&str] = &["START", "UNSTOP", "YES", "VOLTAR"];

/// What an SMS customer's message says about their consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    OptOut,
    OptIn,
}

/// A message that is one of the keywords alone (case, surrounding spaces and punctuation
/// aside), as carriers read them; anything longer is
/// conversation ("please stop calling me at work" does not unsubscribe).
pub fn consent_of(body: &str, stop: &[String], start: &[String]) -> Option<Consent> {
    let word = body
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_uppercase();
    if word.is_empty() || word.contains(char::is_whitespace) {
        return None;
    }
    if stop.iter().any(|k| k.eq_ignore_ascii_case(&word)) {
        Some(Consent::OptOut)
    } else if start.iter().any(|k| k.eq_ignore_ascii_case(&word)) {
        Some(Consent::OptIn)
    } else {
        None
    }
}

/// How an SMS is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

impl SmsEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsEncoding::Gsm7 => "GSM-7",
            SmsEncoding::Ucs2 => "UCS-2",
        }
    }
}

/// The GSM 03.38 basic character set; the extension table's characters cost two units.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// Number of SMS segments a text needs, and its encoding.
pub fn sms_segments(text: &str) -> (u32, SmsEncoding) {
    let mut units = 0usize;
    let mut gsm = true;
    for c in text.chars() {
        if GSM7_BASIC.contains(c) {
            units += 1;
        } else if GSM7_EXTENDED.contains(c) {
            units += 2;
        } else {
            gsm = false;
            break;
        }
    }
    let (single, multi, length) = if gsm {
        (160, 153, units)
    } else {
        // UTF-16 code units: characters outside the BMP (emoji) take two.
        (70, 67, text.encode_utf16().count())
    };
    let segments = if length <= single {
        1
    } else {
        length.div_ceil(multi)
    };
    (
        segments as u32,
        if gsm {
            SmsEncoding::Gsm7
        } else {
            SmsEncoding::Ucs2
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use MessageStatus::*;

    #[test]
    fn statuses_only_move_forward() {
        // (current, reported, stored)
        let table = [
            (Pending, Sent, Some(Sent)),
            (Sent, Delivered, Some(Delivered)),
            (Sent, Read, Some(Read)),
            (Delivered, Read, Some(Read)),
            (Read, Delivered, None),
            (Delivered, Sent, None),
            (Read, Read, None),
            (Sent, Failed, Some(Failed)),
            (Pending, Failed, Some(Failed)),
            (Delivered, Failed, None),
            (Failed, Delivered, None),
            (Failed, Sent, None),
        ];
        for (current, reported, stored) in table {
            assert_eq!(
                next_status(current, reported),
                stored,
                "{current:?} then {reported:?}"
            );
        }
    }

    #[test]
    fn keywords_alone_change_consent() {
        let stop: Vec<String> = DEFAULT_STOP_KEYWORDS
            .iter()
            .map(|k| k.to_string())
            .collect();
        let start: Vec<String> = DEFAULT_START_KEYWORDS
            .iter()
            .map(|k| k.to_string())
            .collect();
        for said in ["STOP", "stop", " Stop. ", "parar", "Sair!", "cancelar"] {
            assert_eq!(
                consent_of(said, &stop, &start),
                Some(Consent::OptOut),
                "{said}"
            );
        }
        for said in ["START", "voltar", "Yes"] {
            assert_eq!(
                consent_of(said, &stop, &start),
                Some(Consent::OptIn),
                "{said}"
            );
        }
        for said in ["please stop calling", "", "stopp", "não quero parar"] {
            assert_eq!(consent_of(said, &stop, &start), None, "{said}");
        }
        let mine = vec!["BASTA".to_string()];
        assert_eq!(consent_of("basta", &mine, &start), Some(Consent::OptOut));
        assert_eq!(
            consent_of("stop", &mine, &start),
            None,
            "the list replaces the defaults"
        );
    }

    #[test]
    fn messenger_pages_with_the_human_agent_tag_answer_for_7_days() {
        let at = Utc::now();
        assert_eq!(
            reply_window_ends_at(ChannelKind::Facebook, true, Some(at)),
            Some(at + Duration::days(7))
        );
        assert_eq!(
            reply_window_ends_at(ChannelKind::Whatsapp, true, Some(at)),
            Some(at + Duration::hours(24)),
            "WhatsApp has no such tag"
        );
        assert!(!needs_human_agent_tag(Some(at), at + Duration::hours(23)));
        assert!(needs_human_agent_tag(Some(at), at + Duration::hours(25)));
        assert!(!needs_human_agent_tag(None, at));
    }

    #[test]
    fn only_meta_channels_have_a_reply_window() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2026, 1, 2, 10, 0, 0).unwrap();
        assert_eq!(
            reply_window_ends_at(ChannelKind::Whatsapp, false, Some(at)),
            Some(ends)
        );
        assert_eq!(
            reply_window_ends_at(ChannelKind::Facebook, false, Some(at)),
            Some(ends)
        );
        assert_eq!(
            reply_window_ends_at(ChannelKind::Sms, false, Some(at)),
            None
        );
        assert_eq!(
            reply_window_ends_at(ChannelKind::Livechat, false, Some(at)),
            None
        );
        assert_eq!(
            reply_window_ends_at(ChannelKind::Whatsapp, false, None),
            None
        );
    }

    #[test]
    fn sms_segments_follow_gsm7_and_ucs2_limits() {
        let table = [
            ("hello".to_string(), 1, SmsEncoding::Gsm7),
            ("a".repeat(160), 1, SmsEncoding::Gsm7),
            ("a".repeat(161), 2, SmsEncoding::Gsm7),
            ("a".repeat(306), 2, SmsEncoding::Gsm7),
            ("a".repeat(307), 3, SmsEncoding::Gsm7),
            ("€".repeat(80), 1, SmsEncoding::Gsm7),
            ("€".repeat(81), 2, SmsEncoding::Gsm7),
            ("Olá, ação".to_string(), 1, SmsEncoding::Ucs2),
            ("ç".repeat(71), 2, SmsEncoding::Ucs2),
            ("😀".repeat(35), 1, SmsEncoding::Ucs2),
            ("😀".repeat(36), 2, SmsEncoding::Ucs2),
        ];
        for (text, count, encoding) in table {
            assert_eq!(
                sms_segments(&text),
                (count, encoding),
                "{} chars of {:?}",
                text.chars().count(),
                text.chars().next()
            );
        }
    }
}

/// Invariants of [`next_status`] over any sequence of provider reports, in any order.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use MessageStatus::*;

    const ALL: [MessageStatus; 5] = [Pending, Sent, Delivered, Read, Failed];

    fn rank(s: MessageStatus) -> u8 {
        match s {
            Pending => 0,
            Sent => 1,
            Delivered => 2,
            Read => 3,
            Failed => 0,
        }
    }

    fn reports() -> impl Strategy<Value = Vec<MessageStatus>> {
        proptest::collection::vec(select(ALL.to_vec()), 0..12)
    }

    /// What the engine stores: each report applied to the status so far.
    fn apply(start: MessageStatus, reports: &[MessageStatus]) -> Vec<MessageStatus> {
        let mut current = start;
        let mut history = vec![current];
        for reported in reports {
            if let Some(next) = next_status(current, *reported) {
                current = next;
            }
            history.push(current);
        }
        history
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn a_status_only_moves_forward_and_failed_is_final(
            start in select(ALL.to_vec()),
            reports in reports(),
        ) {
            let history = apply(start, &reports);
            for (pair, reported) in history.windows(2).zip(&reports) {
                let (before, after) = (pair[0], pair[1]);
                if before == Failed {
                    prop_assert_eq!(after, Failed, "failed is final");
                } else if after == Failed {
                    prop_assert!(matches!(before, Pending | Sent), "failed after {:?}", before);
                    prop_assert_eq!(*reported, Failed);
                } else {
                    prop_assert!(rank(after) >= rank(before), "{:?} went back to {:?}", before, after);
                }
                // A change is always the reported status, never one of its own.
                prop_assert!(after == before || after == *reported);
            }
        }

        #[test]
        fn a_report_repeated_changes_nothing(current in select(ALL.to_vec()), reported in select(ALL.to_vec())) {
            let once = next_status(current, reported).unwrap_or(current);
            prop_assert_eq!(next_status(once, reported), None, "{:?} then {:?} twice", current, reported);
        }

        #[test]
        fn without_failures_the_order_of_reports_does_not_matter(
            (reports, shuffled) in proptest::collection::vec(select(vec![Pending, Sent, Delivered, Read]), 0..12)
                .prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
        ) {
            // The final status is the highest reported, as if the reports came sorted by rank.
            let mut sorted = reports.clone();
            sorted.sort_by_key(|s| rank(*s));
            let highest = *apply(Pending, &sorted).last().unwrap();
            prop_assert_eq!(highest, sorted.last().copied().unwrap_or(Pending));
            prop_assert_eq!(*apply(Pending, &reports).last().unwrap(), highest);
            prop_assert_eq!(*apply(Pending, &shuffled).last().unwrap(), highest);
        }

        #[test]
        fn a_failure_counts_only_before_the_customer_got_the_message(reports in reports()) {
            // Failed wins when it comes before any delivered or read report; otherwise it is
            // ignored and the highest report wins.
            let last = *apply(Pending, &reports).last().unwrap();
            let first_failure = reports.iter().position(|s| *s == Failed);
            let reached_before = |end: usize| reports[..end].iter().any(|s| matches!(s, Delivered | Read));
            let expected = match first_failure {
                Some(at) if !reached_before(at) => Failed,
                _ => reports
                    .iter()
                    .copied()
                    .filter(|s| *s != Failed)
                    .max_by_key(|s| rank(*s))
                    .unwrap_or(Pending),
            };
            prop_assert_eq!(last, expected, "{:?}", reports);
        }
    }
}
