//! Facebook Messenger Platform: webhook parsing (`object=page`), the user profile API and the
//! Send API.

use serde_json::{json, Value};
use switchboard_protocol::MessageStatus;

use super::{from_unix_ms, text_of, MediaSource, ParseError, Parsed, Received, ReceivedMessage};

/// Everything a Messenger webhook carries for the page `page_id`, in order. Echoes of our own
/// (or the Page inbox's) messages are skipped; entries of other pages (their `id`), and events
/// whose recipient is another page, are left out and named in `foreign`.
pub fn parse(body: &[u8], page_id: &str) -> Result<Parsed, ParseError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| ParseError(format!("not JSON: {e}")))?;
    if root["object"] != "page" {
        return Err(ParseError("object is not page".into()));
    }
    let mut out = Vec::new();
    let mut foreign = std::collections::BTreeSet::new();
    for entry in root["entry"].as_array().into_iter().flatten() {
        let page = text_of(&entry["id"]);
        if page.as_deref() != Some(page_id) {
            foreign.insert(page.unwrap_or_else(|| "(no page id)".into()));
            continue;
        }
        for event in entry["messaging"].as_array().into_iter().flatten() {
            let Some(sender) = text_of(&event["sender"]["id"]) else {
                continue;
            };
            let echo = event["message"]["is_echo"].as_bool() == Some(true);
            match text_of(&event["recipient"]["id"]) {
                Some(recipient) if !echo && recipient != page_id => {
                    foreign.insert(recipient);
                    continue;
                }
                _ => {}
            }
            if let Some(message) = event.get("message").filter(|m| m.is_object()) {
                if message["is_echo"].as_bool() == Some(true) {
                    continue;
                }
                let Some(provider_id) = text_of(&message["mid"]) else {
                    continue;
                };
                let (body, media) = content(message);
                out.push(Received::Message(ReceivedMessage {
                    sender,
                    display_name: None,
                    provider_id,
                    body,
                    media,
                    sent_at: event["timestamp"].as_i64().map(from_unix_ms),
                }));
            } else if let Some(postback) = event.get("postback").filter(|p| p.is_object()) {
                // Postbacks carry no message id: sender and time identify them.
                let provider_id = text_of(&postback["mid"]).unwrap_or_else(|| {
                    format!(
                        "postback:{sender}:{}",
                        text_of(&event["timestamp"]).unwrap_or_default()
                    )
                });
                let title = postback["title"].as_str().unwrap_or("(button)");
                out.push(Received::Message(ReceivedMessage {
                    sender,
                    display_name: None,
                    provider_id,
                    body: format!("▶ {title}"),
                    media: Vec::new(),
                    sent_at: event["timestamp"].as_i64().map(from_unix_ms),
                }));
            } else if let Some(delivery) = event.get("delivery") {
                for mid in delivery["mids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(text_of)
                {
                    out.push(Received::Status {
                        provider_id: mid,
                        status: MessageStatus::Delivered,
                        error: None,
                    });
                }
                if let Some(watermark) = delivery["watermark"].as_i64() {
                    out.push(Received::Watermark {
                        customer: sender,
                        until: from_unix_ms(watermark),
                        status: MessageStatus::Delivered,
                    });
                }
            } else if let Some(read) = event.get("read") {
                if let Some(watermark) = read["watermark"].as_i64() {
                    out.push(Received::Watermark {
                        customer: sender,
                        until: from_unix_ms(watermark),
                        status: MessageStatus::Read,
                    });
                }
            }
        }
    }
    Ok(Parsed {
        items: out,
        foreign,
    })
}

fn content(message: &Value) -> (String, Vec<MediaSource>) {
    let mut body = message["text"].as_str().unwrap_or_default().to_string();
    let mut media = Vec::new();
    for attachment in message["attachments"].as_array().into_iter().flatten() {
        let kind = attachment["type"].as_str().unwrap_or("file");
        let url = attachment["payload"]["url"].as_str();
        match (kind, url) {
            ("image" | "audio" | "video" | "file", Some(url)) => media.push(MediaSource::Url {
                url: url.to_string(),
                mime: None,
                filename: None,
                basic_auth: None,
            }),
            ("location", _) => {
                let coords = &attachment["payload"]["coordinates"];
                if let (Some(lat), Some(lng)) = (coords["lat"].as_f64(), coords["long"].as_f64()) {
                    body = format!("📍 Location https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=17/{lat}/{lng}");
                }
            }
            // Link previews repeat what the text says; templates are echoes of our own.
            ("fallback" | "template", _) => {}
            (other, _) if body.is_empty() => {
                body = format!("⚠ Unsupported Messenger attachment: {other}")
            }
            _ => {}
        }
    }
    (body, media)
}

/// How a Send API message is sent: an answer within 24 hours, or one past them with the
/// `HUMAN_AGENT` tag (pages Meta allowed it, up to 7 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Messaging {
    Response,
    HumanAgent,
}

fn send_body(psid: &str, messaging: Messaging, message: Value) -> Value {
    let mut body =
        json!({"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message});
    if messaging == Messaging::HumanAgent {
        body["messaging_type"] = json!("MESSAGE_TAG");
        body["tag"] = json!("HUMAN_AGENT");
    }
    body
}

/// The Send API body of a text reply.
pub fn text_message(psid: &str, body: &str, messaging: Messaging) -> Value {
    send_body(psid, messaging, json!({"text": body}))
}

/// The Send API body of a file reply, fetched by Meta from our signed link.
pub fn attachment_message(psid: &str, url: &str, mime: &str, messaging: Messaging) -> Value {
    let kind = if mime.starts_with("image/") {
        "image"
    } else {
        "file"
    };
    send_body(
        psid,
        messaging,
        json!({"attachment": {"type": kind, "payload": {"url": url, "is_reusable": false}}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "1717527131834678";

    /// A published payload, addressed to `PAGE`.
    fn fixture(name: &str) -> Vec<u8> {
        let published = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/providers")
                .join(name),
        )
        .unwrap();
        switchboard_fakes::fixtures::addressed_to(&published, "NUMBER", PAGE)
    }

    fn parse(body: &[u8]) -> Result<Vec<Received>, ParseError> {
        super::parse(body, PAGE).map(|parsed| parsed.items)
    }

    #[test]
    fn entries_and_events_of_another_page_are_left_out() {
        let ours = fixture("messenger-text-01.json");
        assert_eq!(parse(&ours).unwrap().len(), 1);
        // Another page's entry.
        let other = super::parse(&ours, "555").unwrap();
        assert!(other.items.is_empty());
        assert_eq!(other.foreign.into_iter().collect::<Vec<_>>(), [PAGE]);
        // Our entry, but an event addressed to another page.
        let body = br#"{"object":"page","entry":[{"id":"1717527131834678","time":1,"messaging":[
            {"sender":{"id":"42"},"recipient":{"id":"555"},"timestamp":1,"message":{"mid":"m_1","text":"a"}},
            {"sender":{"id":"42"},"recipient":{"id":"1717527131834678"},"timestamp":2,"message":{"mid":"m_2","text":"b"}}]}]}"#;
        let parsed = super::parse(body, PAGE).unwrap();
        assert!(
            matches!(&parsed.items[..], [Received::Message(m)] if m.provider_id == "m_2"),
            "{parsed:?}"
        );
        assert_eq!(parsed.foreign.into_iter().collect::<Vec<_>>(), ["555"]);
    }

    #[test]
    fn numeric_ids_images_echoes_and_receipts() {
        let text = parse(&fixture("messenger-text-01.json")).unwrap();
        assert!(
            matches!(&text[0], Received::Message(m) if m.sender == "987654321432" || !m.sender.is_empty())
        );
        let images = parse(&fixture("messenger-image-01.json")).unwrap();
        assert!(matches!(&images[0], Received::Message(m) if m.media.len() == 2));
        assert!(
            parse(&fixture("messenger-echo-01.json"))
                .unwrap()
                .is_empty(),
            "echoes are ours"
        );
        let delivery = parse(&fixture("messenger-delivery-02.json")).unwrap();
        assert!(matches!(
            &delivery[0],
            Received::Watermark {
                status: MessageStatus::Delivered,
                ..
            }
        ));
        let read = parse(&fixture("messenger-read-01.json")).unwrap();
        assert!(matches!(
            &read[0],
            Received::Watermark {
                status: MessageStatus::Read,
                ..
            }
        ));
        let postback = parse(&fixture("messenger-postback-01.json")).unwrap();
        assert!(
            matches!(&postback[0], Received::Message(m) if m.body == "▶ postback title" && m.provider_id.starts_with("postback:5678:"))
        );
        let link = parse(&fixture("messenger-text-03.json")).unwrap();
        assert!(
            matches!(&link[0], Received::Message(m) if m.media.is_empty() && m.body.contains("google.com")),
            "{link:?}"
        );
    }
}
