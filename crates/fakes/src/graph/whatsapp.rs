//! WhatsApp Cloud API webhook bodies (`object: whatsapp_business_account`), built in the shape
//! and key order Meta sends: ids and timestamps are strings, one `entry` per business account,
//! one `change` with `field: "messages"` holding `contacts`, `messages` and/or `statuses`.

use base64::Engine as _;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::delivery::StatusReport;
use crate::ids;

/// The business phone number a webhook is addressed to (`entry[].id` and `metadata`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppBusiness {
    /// The WhatsApp Business Account id (`entry[].id`).
    pub waba_id: String,
    /// `metadata.display_phone_number`, digits only as Meta usually sends it.
    pub display_phone_number: String,
    /// `metadata.phone_number_id`, the id the server's channel config names.
    pub phone_number_id: String,
}

impl Default for WhatsAppBusiness {
    /// The ids from Meta's own examples (and most fixtures).
    fn default() -> Self {
        Self {
            waba_id: "102290129340398".to_owned(),
            display_phone_number: "15550783881".to_owned(),
            phone_number_id: "106540352242922".to_owned(),
        }
    }
}

/// A piece of media as a webhook refers to it: the server must fetch it through the Graph API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaRef {
    /// The media id, resolved with `GET /{version}/{id}`.
    pub id: String,
    /// The MIME type.
    pub mime_type: String,
    /// Base64 SHA-256 of the bytes, as in webhooks (the media endpoint reports hex).
    pub sha256: String,
    /// Size in bytes.
    pub file_size: u64,
}

impl MediaRef {
    /// The reference Meta would publish for these bytes under `id`.
    pub fn for_bytes(id: impl Into<String>, bytes: &[u8], mime_type: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            mime_type: mime_type.into(),
            sha256: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes)),
            file_size: bytes.len() as u64,
        }
    }
}

/// The kinds of media message WhatsApp delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhatsAppMediaKind {
    /// `type: image`.
    Image,
    /// `type: video`.
    Video,
    /// `type: audio` (voice notes too).
    Audio,
    /// `type: document`, with a filename.
    Document,
    /// `type: sticker` (WebP).
    Sticker,
}

impl WhatsAppMediaKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Document => "document",
            Self::Sticker => "sticker",
        }
    }
}

/// What an inbound message carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhatsAppContent {
    /// `type: text`.
    Text {
        /// `text.body`.
        body: String,
    },
    /// `type: image | video | audio | document | sticker`.
    Media {
        /// Which media type.
        kind: WhatsAppMediaKind,
        /// The media id and checksum.
        media: MediaRef,
        /// Optional caption (image, video, document).
        caption: Option<String>,
        /// Optional filename (documents).
        filename: Option<String>,
    },
}

/// One inbound message (`value.messages[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppMessage {
    /// The sender's WhatsApp id (phone digits, no `+`).
    pub from: String,
    /// The message id (`wamid.…`); providers redeliver with the same id.
    pub id: String,
    /// Unix seconds (sent as a string).
    pub timestamp: u64,
    /// What it carries.
    pub content: WhatsAppContent,
    /// The business message this one replies to (`context.id`), if any.
    pub context: Option<String>,
}

impl WhatsAppMessage {
    /// A text message from `from`, with a fresh id and the current time.
    pub fn text(from: impl Into<String>, body: impl Into<String>) -> Self {
        Self::new(from, WhatsAppContent::Text { body: body.into() })
    }

    /// An image message referring to media staged on the fake Graph API.
    pub fn image(from: impl Into<String>, media: MediaRef, caption: Option<&str>) -> Self {
        Self::media(from, WhatsAppMediaKind::Image, media, caption, None)
    }

    /// A document message with its filename.
    pub fn document(
        from: impl Into<String>,
        media: MediaRef,
        filename: &str,
        caption: Option<&str>,
    ) -> Self {
        Self::media(
            from,
            WhatsAppMediaKind::Document,
            media,
            caption,
            Some(filename),
        )
    }

    /// Any media message.
    pub fn media(
        from: impl Into<String>,
        kind: WhatsAppMediaKind,
        media: MediaRef,
        caption: Option<&str>,
        filename: Option<&str>,
    ) -> Self {
        Self::new(
            from,
            WhatsAppContent::Media {
                kind,
                media,
                caption: caption.map(str::to_owned),
                filename: filename.map(str::to_owned),
            },
        )
    }

    fn new(from: impl Into<String>, content: WhatsAppContent) -> Self {
        Self {
            from: from.into(),
            id: ids::wamid(),
            timestamp: unix_now(),
            content,
            context: None,
        }
    }

    /// The same message with a chosen id (e.g. to redeliver it).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The same message sent at `unix_seconds`.
    pub fn at(mut self, unix_seconds: u64) -> Self {
        self.timestamp = unix_seconds;
        self
    }

    /// The same message as a reply to the business message `wamid`.
    pub fn replying_to(mut self, wamid: impl Into<String>) -> Self {
        self.context = Some(wamid.into());
        self
    }
}

/// The statuses WhatsApp reports for an outbound message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhatsAppStatusKind {
    /// Accepted by WhatsApp's servers.
    Sent,
    /// Reached the handset.
    Delivered,
    /// Opened by the customer.
    Read,
    /// Could not be delivered; carries `errors[]`.
    Failed,
}

impl WhatsAppStatusKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }
}

/// One entry of `statuses[].errors[]` (and of `messages[].errors[]` for unsupported messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppError {
    /// Numeric error code, e.g. 131047.
    pub code: u32,
    /// Short title.
    pub title: String,
    /// `error_data.details`, the human explanation.
    pub details: String,
}

impl WhatsAppError {
    /// Any error.
    pub fn new(code: u32, title: impl Into<String>, details: impl Into<String>) -> Self {
        Self {
            code,
            title: title.into(),
            details: details.into(),
        }
    }

    /// 131047: more than 24 hours since the customer last wrote.
    pub fn re_engagement() -> Self {
        Self::new(
            131_047,
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        )
    }

    /// 131026: the recipient cannot receive the message (not on WhatsApp, old app, …).
    pub fn undeliverable() -> Self {
        Self::new(
            131_026,
            "Message undeliverable",
            "Unable to deliver message. Reasons can include: The recipient phone number is not a WhatsApp phone number.",
        )
    }
}

/// One status report (`value.statuses[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppStatus {
    /// The outbound message id (`wamid.…` from the send response).
    pub id: String,
    /// Which status.
    pub status: WhatsAppStatusKind,
    /// Unix seconds (sent as a string).
    pub timestamp: u64,
    /// The customer's WhatsApp id.
    pub recipient_id: String,
    /// Errors, for `failed`.
    pub errors: Vec<WhatsAppError>,
}

impl WhatsAppStatus {
    /// A status for message `id` sent to `recipient_id`, at the current time.
    pub fn new(
        id: impl Into<String>,
        recipient_id: impl Into<String>,
        status: WhatsAppStatusKind,
    ) -> Self {
        Self {
            id: id.into(),
            status,
            timestamp: unix_now(),
            recipient_id: recipient_id.into(),
            errors: Vec::new(),
        }
    }

    /// A `failed` status carrying `error`.
    pub fn failed(
        id: impl Into<String>,
        recipient_id: impl Into<String>,
        error: WhatsAppError,
    ) -> Self {
        let mut status = Self::new(id, recipient_id, WhatsAppStatusKind::Failed);
        status.errors.push(error);
        status
    }

    /// The statuses a message passes through up to `last`, one second apart:
    /// `sent`, `delivered`, `read`; `failed` comes after `sent`.
    pub fn progression(
        id: &str,
        recipient_id: &str,
        last: WhatsAppStatusKind,
    ) -> Vec<WhatsAppStatus> {
        use WhatsAppStatusKind::{Delivered, Failed, Read, Sent};
        let kinds: &[WhatsAppStatusKind] = match last {
            Sent => &[Sent],
            Delivered => &[Sent, Delivered],
            Read => &[Sent, Delivered, Read],
            Failed => &[Sent, Failed],
        };
        let start = unix_now();
        kinds
            .iter()
            .zip(0..)
            .map(|(&kind, offset)| {
                let status = if kind == Failed {
                    Self::failed(id, recipient_id, WhatsAppError::undeliverable())
                } else {
                    Self::new(id, recipient_id, kind)
                };
                status.at(start + offset)
            })
            .collect()
    }

    /// The same status reported at `unix_seconds`.
    pub fn at(mut self, unix_seconds: u64) -> Self {
        self.timestamp = unix_seconds;
        self
    }

    /// This status alone, as a complete webhook body for `business`.
    pub fn to_webhook(&self, business: &WhatsAppBusiness) -> Vec<u8> {
        WhatsAppWebhook::new(business)
            .status(self.clone())
            .to_bytes()
    }
}

impl StatusReport for WhatsAppStatus {
    fn is_delivered(&self) -> bool {
        self.status == WhatsAppStatusKind::Delivered
    }
}

/// A complete webhook body: contacts, messages and statuses for one business number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppWebhook {
    business: WhatsAppBusiness,
    contacts: Vec<(String, String)>,
    messages: Vec<WhatsAppMessage>,
    statuses: Vec<WhatsAppStatus>,
}

impl WhatsAppWebhook {
    /// An empty body addressed to `business`.
    pub fn new(business: &WhatsAppBusiness) -> Self {
        Self {
            business: business.clone(),
            contacts: Vec::new(),
            messages: Vec::new(),
            statuses: Vec::new(),
        }
    }

    /// Adds a sender to `contacts[]` (`profile.name` is how the server learns the name).
    pub fn contact(mut self, wa_id: impl Into<String>, name: impl Into<String>) -> Self {
        self.contacts.push((wa_id.into(), name.into()));
        self
    }

    /// Adds an inbound message.
    pub fn message(mut self, message: WhatsAppMessage) -> Self {
        self.messages.push(message);
        self
    }

    /// Adds a status report.
    pub fn status(mut self, status: WhatsAppStatus) -> Self {
        self.statuses.push(status);
        self
    }

    /// The body as Meta serialises it (compact JSON, Meta's key order).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain structs and strings into a Vec cannot fail.
        serde_json::to_vec(&self.envelope()).unwrap_or_default()
    }

    /// A text message from a named customer, as one webhook body.
    pub fn text(business: &WhatsAppBusiness, from: &str, name: &str, body: &str) -> Vec<u8> {
        Self::new(business)
            .contact(from, name)
            .message(WhatsAppMessage::text(from, body))
            .to_bytes()
    }

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            object: "whatsapp_business_account",
            entry: [Entry {
                id: &self.business.waba_id,
                changes: [Change {
                    value: ChangeValue {
                        messaging_product: "whatsapp",
                        metadata: Metadata {
                            display_phone_number: &self.business.display_phone_number,
                            phone_number_id: &self.business.phone_number_id,
                        },
                        contacts: self
                            .contacts
                            .iter()
                            .map(|(wa_id, name)| Contact {
                                profile: Profile { name },
                                wa_id,
                            })
                            .collect(),
                        messages: self
                            .messages
                            .iter()
                            .map(|message| MessageJson {
                                message,
                                business_number: &self.business.display_phone_number,
                            })
                            .collect(),
                        statuses: self.statuses.iter().map(StatusJson).collect(),
                    },
                    field: "messages",
                }],
            }],
        }
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    object: &'static str,
    entry: [Entry<'a>; 1],
}

#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    changes: [Change<'a>; 1],
}

#[derive(Serialize)]
struct Change<'a> {
    value: ChangeValue<'a>,
    field: &'static str,
}

#[derive(Serialize)]
struct ChangeValue<'a> {
    messaging_product: &'static str,
    metadata: Metadata<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contacts: Vec<Contact<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<MessageJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    statuses: Vec<StatusJson<'a>>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    display_phone_number: &'a str,
    phone_number_id: &'a str,
}

#[derive(Serialize)]
struct Contact<'a> {
    profile: Profile<'a>,
    wa_id: &'a str,
}

#[derive(Serialize)]
struct Profile<'a> {
    name: &'a str,
}

/// `messages[]`: `{"from","id","timestamp","type", <type>: {...}, "context"?}`; the content
/// sits under a key named after the type, which derive cannot express.
struct MessageJson<'a> {
    message: &'a WhatsAppMessage,
    business_number: &'a str,
}

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let m = self.message;
        let mut map = serializer.serialize_map(None)?;
        if let Some(context) = &m.context {
            map.serialize_entry(
                "context",
                &ContextJson {
                    from: self.business_number,
                    id: context,
                },
            )?;
        }
        map.serialize_entry("from", &m.from)?;
        map.serialize_entry("id", &m.id)?;
        map.serialize_entry("timestamp", &m.timestamp.to_string())?;
        match &m.content {
            WhatsAppContent::Text { body } => {
                map.serialize_entry("type", "text")?;
                map.serialize_entry("text", &TextJson { body })?;
            }
            WhatsAppContent::Media {
                kind,
                media,
                caption,
                filename,
            } => {
                map.serialize_entry("type", kind.as_str())?;
                map.serialize_entry(
                    kind.as_str(),
                    &MediaJson {
                        caption: caption.as_deref(),
                        filename: filename.as_deref(),
                        mime_type: &media.mime_type,
                        sha256: &media.sha256,
                        id: &media.id,
                        animated: (*kind == WhatsAppMediaKind::Sticker).then_some(false),
                    },
                )?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ContextJson<'a> {
    from: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct TextJson<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct MediaJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
    mime_type: &'a str,
    sha256: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    animated: Option<bool>,
}

/// `statuses[]`, with `conversation` and `pricing` on billable statuses and `errors` on failures.
struct StatusJson<'a>(&'a WhatsAppStatus);

impl Serialize for StatusJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &s.id)?;
        map.serialize_entry("status", s.status.as_str())?;
        map.serialize_entry("timestamp", &s.timestamp.to_string())?;
        map.serialize_entry("recipient_id", &s.recipient_id)?;
        if s.status == WhatsAppStatusKind::Failed {
            let errors: Vec<ErrorJson<'_>> = s.errors.iter().map(ErrorJson).collect();
            map.serialize_entry("errors", &errors)?;
        } else {
            // Every status of one conversation carries the same conversation id; only `sent`
            // opens the window and so carries its expiry.
            let conversation_id = hex::encode(&Sha256::digest(s.recipient_id.as_bytes())[..16]);
            map.serialize_entry(
                "conversation",
                &ConversationJson {
                    id: &conversation_id,
                    expiration_timestamp: (s.status == WhatsAppStatusKind::Sent)
                        .then(|| (s.timestamp + 24 * 60 * 60).to_string()),
                    origin: Origin { kind: "service" },
                },
            )?;
            map.serialize_entry(
                "pricing",
                &PricingJson {
                    billable: true,
                    pricing_model: "CBP",
                    category: "service",
                },
            )?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ConversationJson<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_timestamp: Option<String>,
    origin: Origin,
}

#[derive(Serialize)]
struct Origin {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct PricingJson {
    billable: bool,
    pricing_model: &'static str,
    category: &'static str,
}

struct ErrorJson<'a>(&'a WhatsAppError);

impl Serialize for ErrorJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("code", &e.code)?;
        map.serialize_entry("title", &e.title)?;
        map.serialize_entry("message", &e.title)?;
        map.serialize_entry(
            "error_data",
            &ErrorData {
                details: &e.details,
            },
        )?;
        map.serialize_entry(
            "href",
            "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        )?;
        map.end()
    }
}

#[derive(Serialize)]
struct ErrorData<'a> {
    details: &'a str,
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_webhook_has_the_shape_meta_sends() {
        let business = WhatsAppBusiness::default();
        let body = WhatsAppWebhook::new(&business)
            .contact("16505551234", "Sheena Nelson")
            .message(
                WhatsAppMessage::text("16505551234", "hi")
                    .with_id("wamid.X")
                    .at(1_750_275_992),
            )
            .to_bytes();
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(
            text.starts_with(r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp""#),
            "key order follows Meta's: {text}"
        );
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            value["entry"][0]["changes"][0],
            json!({
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                    "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
                    "messages": [{"from": "16505551234", "id": "wamid.X", "timestamp": "1750275992",
                                  "type": "text", "text": {"body": "hi"}}]
                },
                "field": "messages"
            })
        );
    }

    #[test]
    fn failed_status_carries_errors_in_the_error_data_shape() {
        let status =
            WhatsAppStatus::failed("wamid.Y", "16505551234", WhatsAppError::re_engagement())
                .at(1_751_142_888);
        let value: serde_json::Value =
            serde_json::from_slice(&status.to_webhook(&WhatsAppBusiness::default())).unwrap();
        let reported = &value["entry"][0]["changes"][0]["value"]["statuses"][0];
        assert_eq!(reported["status"], "failed");
        assert_eq!(
            reported["timestamp"], "1751142888",
            "timestamps are strings"
        );
        assert_eq!(reported["errors"][0]["code"], 131_047, "codes are numbers");
        assert!(reported["errors"][0]["error_data"]["details"].is_string());
        assert!(reported.get("pricing").is_none(), "failures are not billed");
    }

    #[test]
    fn image_message_refers_to_media_by_id_and_base64_checksum() {
        let media = MediaRef::for_bytes("1003383421387256", b"jpeg bytes", "image/jpeg");
        let message = WhatsAppMessage::image("16505551234", media.clone(), Some("Taj Mahal"));
        let value: serde_json::Value = serde_json::from_slice(
            &WhatsAppWebhook::new(&WhatsAppBusiness::default())
                .message(message)
                .to_bytes(),
        )
        .unwrap();
        let image = &value["entry"][0]["changes"][0]["value"]["messages"][0]["image"];
        assert_eq!(image["id"], "1003383421387256");
        assert_eq!(image["caption"], "Taj Mahal");
        assert_eq!(image["sha256"], media.sha256.as_str());
    }

    #[test]
    fn progression_to_read_passes_through_sent_and_delivered() {
        let kinds: Vec<_> = WhatsAppStatus::progression("wamid.Z", "1", WhatsAppStatusKind::Read)
            .into_iter()
            .map(|s| s.status)
            .collect();
        assert_eq!(
            kinds,
            [
                WhatsAppStatusKind::Sent,
                WhatsAppStatusKind::Delivered,
                WhatsAppStatusKind::Read
            ]
        );
    }
}
