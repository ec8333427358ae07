//! Messenger Platform webhook bodies (`object: page`), in the shape Meta sends today: string
//! ids, millisecond timestamps as numbers, and one `entry` per event, each with a
//! single-element `messaging` array (Meta batches several events as several entries).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::delivery::StatusReport;
use crate::ids;

/// One attachment of an inbound message (`message.attachments[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessengerAttachment {
    /// `image`, `video`, `audio` or `file`.
    pub kind: String,
    /// `payload.url`: a CDN URL that needs no token but expires.
    pub url: String,
}

/// What happened, from the point of view of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessengerEventKind {
    /// A message from the customer, or with `is_echo` one the page sent.
    Message {
        /// `message.mid`.
        mid: String,
        /// `message.text`, absent for attachment-only messages.
        text: Option<String>,
        /// `message.attachments`.
        attachments: Vec<MessengerAttachment>,
        /// Whether this is an echo of the page's own message (sender and recipient swap).
        is_echo: bool,
    },
    /// Messages up to `watermark` reached the customer's device.
    Delivery {
        /// The delivered message ids; Meta often leaves this out and sends only the watermark.
        mids: Vec<String>,
        /// Everything sent before this millisecond timestamp was delivered.
        watermark: u64,
    },
    /// The customer read everything sent before `watermark`.
    Read {
        /// Millisecond timestamp.
        watermark: u64,
    },
}

/// One `messaging[]` event between the page and a customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessengerEvent {
    /// The customer's page-scoped id (PSID).
    pub psid: String,
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    /// What happened.
    pub kind: MessengerEventKind,
}

impl MessengerEvent {
    /// A text message from the customer.
    pub fn text(psid: impl Into<String>, text: impl Into<String>) -> Self {
        Self::message(psid, Some(text.into()), Vec::new(), false)
    }

    /// An image sent by the customer; `url` should come from `FakeGraph::add_attachment`.
    pub fn image(psid: impl Into<String>, url: impl Into<String>) -> Self {
        Self::attachment(psid, "image", url)
    }

    /// Any attachment (`image`, `video`, `audio`, `file`) sent by the customer.
    pub fn attachment(
        psid: impl Into<String>,
        kind: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        let attachment = MessengerAttachment {
            kind: kind.into(),
            url: url.into(),
        };
        Self::message(psid, None, vec![attachment], false)
    }

    /// An echo of a text the page sent to the customer (from another app or the Page inbox).
    pub fn echo(psid: impl Into<String>, text: impl Into<String>) -> Self {
        Self::message(psid, Some(text.into()), Vec::new(), true)
    }

    /// A delivery receipt for `mids` (may be empty: watermark only).
    pub fn delivery(psid: impl Into<String>, mids: Vec<String>, watermark: u64) -> Self {
        Self {
            psid: psid.into(),
            timestamp: watermark,
            kind: MessengerEventKind::Delivery { mids, watermark },
        }
    }

    /// A read receipt up to `watermark`.
    pub fn read(psid: impl Into<String>, watermark: u64) -> Self {
        Self {
            psid: psid.into(),
            timestamp: watermark + 12,
            kind: MessengerEventKind::Read { watermark },
        }
    }

    /// The receipts for a page message `mid` sent at `sent_at_ms`: delivered one second later,
    /// read one second after that.
    pub fn progression(psid: &str, mid: &str, sent_at_ms: u64) -> Vec<MessengerEvent> {
        vec![
            Self::delivery(psid, vec![mid.to_owned()], sent_at_ms + 1000),
            Self::read(psid, sent_at_ms + 2000),
        ]
    }

    fn message(
        psid: impl Into<String>,
        text: Option<String>,
        attachments: Vec<MessengerAttachment>,
        is_echo: bool,
    ) -> Self {
        Self {
            psid: psid.into(),
            timestamp: unix_millis(),
            kind: MessengerEventKind::Message {
                mid: ids::messenger_mid(),
                text,
                attachments,
                is_echo,
            },
        }
    }

    /// The same message with a chosen `mid` (e.g. to redeliver it); receipts are unchanged.
    pub fn with_mid(mut self, new_mid: impl Into<String>) -> Self {
        if let MessengerEventKind::Message { mid, .. } = &mut self.kind {
            *mid = new_mid.into();
        }
        self
    }

    /// The same event at `millis`.
    pub fn at(mut self, millis: u64) -> Self {
        self.timestamp = millis;
        self
    }

    /// This event alone, as a complete webhook body for `page_id`.
    pub fn to_webhook(&self, page_id: &str) -> Vec<u8> {
        MessengerWebhook::new(page_id)
            .event(self.clone())
            .to_bytes()
    }
}

impl StatusReport for MessengerEvent {
    fn is_delivered(&self) -> bool {
        matches!(self.kind, MessengerEventKind::Delivery { .. })
    }
}

/// A complete webhook body for one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessengerWebhook {
    page_id: String,
    app_id: u64,
    events: Vec<MessengerEvent>,
}

impl MessengerWebhook {
    /// An empty body for `page_id`.
    pub fn new(page_id: impl Into<String>) -> Self {
        Self {
            page_id: page_id.into(),
            app_id: 1_517_776_481_860_111,
            events: Vec::new(),
        }
    }

    /// Adds an event (each becomes its own `entry`).
    pub fn event(mut self, event: MessengerEvent) -> Self {
        self.events.push(event);
        self
    }

    /// The body as Meta serialises it.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain structs and strings into a Vec cannot fail.
        serde_json::to_vec(&Envelope {
            object: "page",
            entry: self
                .events
                .iter()
                .map(|event| Entry {
                    id: &self.page_id,
                    time: event.timestamp + 190,
                    messaging: [EventJson {
                        event,
                        page_id: &self.page_id,
                        app_id: self.app_id,
                    }],
                })
                .collect(),
        })
        .unwrap_or_default()
    }

    /// A text message from `psid`, as one webhook body.
    pub fn text(page_id: &str, psid: &str, text: &str) -> Vec<u8> {
        MessengerEvent::text(psid, text).to_webhook(page_id)
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    object: &'static str,
    entry: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    time: u64,
    messaging: [EventJson<'a>; 1],
}

#[derive(Serialize)]
struct Id<'a> {
    id: &'a str,
}

struct EventJson<'a> {
    event: &'a MessengerEvent,
    page_id: &'a str,
    app_id: u64,
}

impl Serialize for EventJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.event;
        let customer = Id { id: &event.psid };
        let page = Id { id: self.page_id };
        let mut map = serializer.serialize_map(None)?;
        match &event.kind {
            MessengerEventKind::Message {
                mid,
                text,
                attachments,
                is_echo,
            } => {
                if *is_echo {
                    map.serialize_entry("sender", &page)?;
                    map.serialize_entry("recipient", &customer)?;
                } else {
                    map.serialize_entry("sender", &customer)?;
                    map.serialize_entry("recipient", &page)?;
                }
                map.serialize_entry("timestamp", &event.timestamp)?;
                map.serialize_entry(
                    "message",
                    &MessageJson {
                        is_echo: is_echo.then_some(true),
                        app_id: is_echo.then_some(self.app_id),
                        mid,
                        text: text.as_deref(),
                        attachments: attachments
                            .iter()
                            .map(|a| AttachmentJson {
                                kind: &a.kind,
                                payload: Payload { url: &a.url },
                            })
                            .collect(),
                    },
                )?;
            }
            MessengerEventKind::Delivery { mids, watermark } => {
                map.serialize_entry("sender", &customer)?;
                map.serialize_entry("recipient", &page)?;
                map.serialize_entry(
                    "delivery",
                    &DeliveryJson {
                        mids,
                        watermark: *watermark,
                    },
                )?;
            }
            MessengerEventKind::Read { watermark } => {
                map.serialize_entry("sender", &customer)?;
                map.serialize_entry("recipient", &page)?;
                map.serialize_entry("timestamp", &event.timestamp)?;
                map.serialize_entry(
                    "read",
                    &ReadJson {
                        watermark: *watermark,
                    },
                )?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct MessageJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    is_echo: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<u64>,
    mid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<AttachmentJson<'a>>,
}

#[derive(Serialize)]
struct AttachmentJson<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    payload: Payload<'a>,
}

#[derive(Serialize)]
struct Payload<'a> {
    url: &'a str,
}

#[derive(Serialize)]
struct DeliveryJson<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    mids: &'a [String],
    watermark: u64,
}

#[derive(Serialize)]
struct ReadJson {
    watermark: u64,
}

pub(crate) fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_webhook_has_the_shape_meta_sends() {
        let body = MessengerEvent::text("1256217357730577", "34wrr3wr")
            .with_mid("mid.1475942721728:3b9e3646712f9bed52")
            .at(1_475_942_721_741)
            .to_webhook("1717527131834678");
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            value,
            json!({"object": "page", "entry": [{"id": "1717527131834678", "time": 1_475_942_721_931u64,
                "messaging": [{"sender": {"id": "1256217357730577"}, "recipient": {"id": "1717527131834678"},
                    "timestamp": 1_475_942_721_741u64,
                    "message": {"mid": "mid.1475942721728:3b9e3646712f9bed52", "text": "34wrr3wr"}}]}]})
        );
        assert!(String::from_utf8(body)
            .unwrap()
            .starts_with(r#"{"object":"page","entry":[{"id":"#));
    }

    #[test]
    fn several_events_become_several_entries_of_one_event_each() {
        let body = MessengerWebhook::new("PAGE")
            .event(MessengerEvent::delivery("U", vec![], 1_458_668_856_253))
            .event(MessengerEvent::read("U", 1_458_668_856_253))
            .to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let entries = value["entry"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        let delivery = &entries[0]["messaging"][0];
        assert_eq!(
            delivery["delivery"],
            json!({"watermark": 1_458_668_856_253u64})
        );
        assert!(
            delivery.get("timestamp").is_none(),
            "Meta sends deliveries without one"
        );
        assert_eq!(
            entries[1]["messaging"][0]["read"]["watermark"],
            1_458_668_856_253u64
        );
    }

    #[test]
    fn echoes_swap_sender_and_recipient() {
        let value: serde_json::Value =
            serde_json::from_slice(&MessengerEvent::echo("U", "hello").to_webhook("PAGE")).unwrap();
        let event = &value["entry"][0]["messaging"][0];
        assert_eq!(event["sender"]["id"], "PAGE");
        assert_eq!(event["recipient"]["id"], "U");
        assert_eq!(event["message"]["is_echo"], true);
    }
}
