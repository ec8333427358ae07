//! WhatsApp Cloud API: webhook parsing and the send API.

use serde_json::{json, Value};
use switchboard_protocol::MessageStatus;

use super::{
    from_unix_seconds, text_of, MediaSource, ParseError, Parsed, Received, ReceivedMessage,
};
use crate::engine::SendOutcome;

/// Everything a `whatsapp_business_account` webhook carries for the number
/// `phone_number_id`, in order. Changes for other numbers of the business account (their
/// `metadata.phone_number_id`, or none) are left out and named in `foreign`.
pub fn parse(body: &[u8], phone_number_id: &str) -> Result<Parsed, ParseError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| ParseError(format!("not JSON: {e}")))?;
    if root["object"] != "whatsapp_business_account" {
        return Err(ParseError("object is not whatsapp_business_account".into()));
    }
    let mut out = Vec::new();
    let mut foreign = std::collections::BTreeSet::new();
    for entry in root["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            let value = &change["value"];
            let number = text_of(&value["metadata"]["phone_number_id"]);
            if number.as_deref() != Some(phone_number_id) {
                foreign.insert(number.unwrap_or_else(|| "(no phone_number_id)".into()));
                continue;
            }
            let names: Vec<(String, String)> = value["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    Some((
                        text_of(&c["wa_id"])?,
                        c["profile"]["name"].as_str()?.to_string(),
                    ))
                })
                .collect();
            for message in value["messages"].as_array().into_iter().flatten() {
                let (Some(sender), Some(provider_id)) =
                    (text_of(&message["from"]), text_of(&message["id"]))
                else {
                    continue;
                };
                let display_name = names
                    .iter()
                    .find(|(id, _)| *id == sender)
                    .map(|(_, n)| n.clone());
                let (body, media) = content(message);
                out.push(Received::Message(ReceivedMessage {
                    sender,
                    display_name,
                    provider_id,
                    body,
                    media,
                    sent_at: from_unix_seconds(&message["timestamp"]),
                }));
            }
            for status in value["statuses"].as_array().into_iter().flatten() {
                let Some(provider_id) = text_of(&status["id"]) else {
                    continue;
                };
                let status_value = match status["status"].as_str() {
                    Some("sent") => MessageStatus::Sent,
                    Some("delivered") => MessageStatus::Delivered,
                    Some("read") => MessageStatus::Read,
                    Some("failed") => MessageStatus::Failed,
                    _ => continue,
                };
                let error = status["errors"]
                    .as_array()
                    .and_then(|errors| errors.first())
                    .map(describe_error);
                out.push(Received::Status {
                    provider_id,
                    status: status_value,
                    error,
                });
            }
        }
    }
    Ok(Parsed {
        items: out,
        foreign,
    })
}

/// "Reason (code N): details" from a WhatsApp error object (both the current and older shapes).
fn describe_error(error: &Value) -> String {
    let title = error["message"]
        .as_str()
        .or_else(|| error["title"].as_str())
        .unwrap_or("WhatsApp reported an error");
    let details = error["error_data"]["details"]
        .as_str()
        .or_else(|| error["details"].as_str());
    let code = text_of(&error["code"]);
    let mut text = title.to_string();
    if let Some(code) = code {
        text.push_str(&format!(" (WhatsApp error {code})"));
    }
    if let Some(details) = details.filter(|d| *d != title) {
        text.push_str(&format!(": {details}"));
    }
    text
}

/// The text to show and the media to fetch for one message of any type.
fn content(message: &Value) -> (String, Vec<MediaSource>) {
    let kind = message["type"].as_str().unwrap_or("unknown");
    let media = |part: &Value| MediaSource::WhatsApp {
        media_id: text_of(&part["id"]).unwrap_or_default(),
        mime: part["mime_type"].as_str().map(str::to_string),
        filename: part["filename"].as_str().map(str::to_string),
    };
    match kind {
        "text" => (
            message["text"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            Vec::new(),
        ),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let part = &message[kind];
            let caption = part["caption"].as_str().unwrap_or_default().to_string();
            if text_of(&part["id"]).is_none() {
                return (format!("[{kind} without a media id]"), Vec::new());
            }
            (caption, vec![media(part)])
        }
        "location" => {
            let loc = &message["location"];
            let (lat, lng) = (loc["latitude"].as_f64(), loc["longitude"].as_f64());
            let place = [loc["name"].as_str(), loc["address"].as_str()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let link = match (lat, lng) {
                (Some(lat), Some(lng)) => format!(
                    "https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=17/{lat}/{lng}"
                ),
                _ => String::new(),
            };
            let label = if place.is_empty() {
                "Location".to_string()
            } else {
                format!("Location: {place}")
            };
            (format!("📍 {label} {link}").trim().to_string(), Vec::new())
        }
        "contacts" => {
            let cards: Vec<String> = message["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|card| {
                    let name = card["name"]["formatted_name"].as_str().unwrap_or("Contact");
                    let phones: Vec<String> = card["phones"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p["phone"].as_str().map(str::to_string))
                        .collect();
                    if phones.is_empty() {
                        name.to_string()
                    } else {
                        format!("{name} ({})", phones.join(", "))
                    }
                })
                .collect();
            (
                format!("👤 Shared contact: {}", cards.join("; ")),
                Vec::new(),
            )
        }
        "reaction" => {
            let emoji = message["reaction"]["emoji"].as_str().unwrap_or_default();
            if emoji.is_empty() {
                ("Removed a reaction".into(), Vec::new())
            } else {
                (format!("Reacted {emoji} to a message"), Vec::new())
            }
        }
        "interactive" => {
            let reply = &message["interactive"];
            let chosen = reply["button_reply"]["title"]
                .as_str()
                .or_else(|| reply["list_reply"]["title"].as_str())
                .or_else(|| reply["nfm_reply"]["body"].as_str())
                .unwrap_or("(interactive reply)");
            (chosen.to_string(), Vec::new())
        }
        "button" => (
            message["button"]["text"]
                .as_str()
                .unwrap_or("(button)")
                .to_string(),
            Vec::new(),
        ),
        other => {
            let why = message["errors"]
                .as_array()
                .and_then(|e| e.first())
                .map(describe_error)
                .unwrap_or_else(|| format!("type {other}"));
            (
                format!("⚠ Unsupported message from WhatsApp: {why}"),
                Vec::new(),
            )
        }
    }
}

/// The Graph API's answer to a send, as an outcome.
pub fn outcome(status: reqwest::StatusCode, body: &Value) -> SendOutcome {
    if status.is_success() {
        return match body["messages"][0]["id"].as_str() {
            Some(id) => SendOutcome::Sent {
                provider_id: id.to_string(),
            },
            None => SendOutcome::Transient("WhatsApp accepted the message without an id".into()),
        };
    }
    graph_failure("WhatsApp", status, body)
}

/// Graph errors (WhatsApp and Messenger share the shape).
pub fn graph_failure(provider: &str, status: reqwest::StatusCode, body: &Value) -> SendOutcome {
    let error = &body["error"];
    let code = error["code"].as_i64().unwrap_or_default();
    let message = error["message"].as_str().unwrap_or("no reason given");
    let details = error["error_data"]["details"].as_str();
    let transient = status.is_server_error()
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || error["is_transient"].as_bool() == Some(true)
        || matches!(
            code,
            1 | 2 | 4 | 17 | 341 | 130429 | 131000 | 131016 | 131048 | 131056
        );
    let reason = match code {
        131047 => "More than 24 hours have passed since the customer last wrote; WhatsApp only allows template messages now (error 131047).".to_string(),
        132000 => format!(
            "WhatsApp says the template's variables do not match what it expects{} (error 132000): sync the templates and fill every variable.",
            details.map(|d| format!(" — {d}")).unwrap_or_default()
        ),
        132001 => format!(
            "WhatsApp has no approved template by that name in that language{} (error 132001): it may have been deleted or paused; sync the templates.",
            details.map(|d| format!(" — {d}")).unwrap_or_default()
        ),
        10 if error["error_subcode"].as_i64() == Some(2018278) => {
            "The 24-hour window to answer on Messenger has closed (error 10/2018278).".to_string()
        }
        _ => match details {
            Some(d) if d != message => format!("{provider} refused the message: {message} — {d} (error {code})"),
            _ => format!("{provider} refused the message: {message} (error {code})"),
        },
    };
    if transient {
        SendOutcome::Transient(reason)
    } else {
        SendOutcome::Permanent(reason)
    }
}

/// The JSON of a text message.
pub fn text_message(to: &str, body: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": false, "body": body},
    })
}

/// The JSON of a template message; `template` is Cloud API's `template` object.
pub fn template_message(to: &str, template: &Value) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
    })
}

/// The JSON of a media message referring to an uploaded media id.
pub fn media_message(to: &str, media_id: &str, mime: &str, filename: &str, caption: &str) -> Value {
    let kind = if mime.starts_with("image/")
        && !mime.contains("heif")
        && !mime.contains("tiff")
        && !mime.contains("bmp")
    {
        "image"
    } else {
        "document"
    };
    let mut part = json!({"id": media_id});
    if !caption.is_empty() {
        part["caption"] = json!(caption);
    }
    if kind == "document" {
        part["filename"] = json!(filename);
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: part,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBER: &str = "106540352242922";

    /// A published payload, addressed to `NUMBER`.
    fn fixture(name: &str) -> Vec<u8> {
        let published = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/providers")
                .join(name),
        )
        .unwrap();
        switchboard_fakes::fixtures::addressed_to(&published, NUMBER, "PAGE")
    }

    fn parse(body: &[u8]) -> Result<Vec<Received>, ParseError> {
        super::parse(body, NUMBER).map(|parsed| parsed.items)
    }

    #[test]
    fn changes_for_another_number_are_left_out() {
        // Given: a batch of two messages, the second for another number of the account.
        let batch = String::from_utf8(fixture("whatsapp-batch-02.json")).unwrap();
        let second = batch.rfind(NUMBER).unwrap();
        let mixed = format!(
            "{}999000111{}",
            &batch[..second],
            &batch[second + NUMBER.len()..]
        );
        // When: it is parsed for our number.
        let parsed = super::parse(mixed.as_bytes(), NUMBER).unwrap();
        // Then: only our message is kept, and the other number is named.
        assert_eq!(parsed.items.len(), 1, "{parsed:?}");
        assert_eq!(
            parsed.foreign.into_iter().collect::<Vec<_>>(),
            ["999000111"]
        );
        assert_eq!(parse(batch.as_bytes()).unwrap().len(), 2, "both are ours");
        let none = super::parse(&fixture("whatsapp-text-01.json"), "another").unwrap();
        assert!(none.items.is_empty());
    }

    #[test]
    fn text_image_and_status_payloads_parse() {
        let image = parse(&fixture("whatsapp-image-01.json")).unwrap();
        match &image[0] {
            Received::Message(m) => {
                assert_eq!(m.sender, "16505551234");
                assert_eq!(m.display_name.as_deref(), Some("Sheena Nelson"));
                assert_eq!(m.body, "Taj Mahal");
                assert_eq!(m.media.len(), 1);
                assert_eq!(m.media[0].mime(), Some("image/jpeg"));
            }
            other => panic!("{other:?}"),
        }
        let failed = parse(&fixture("whatsapp-status-failed-01.json")).unwrap();
        match &failed[0] {
            Received::Status { status, error, .. } => {
                assert_eq!(*status, MessageStatus::Failed);
                assert!(error.as_deref().unwrap().contains("131049"), "{error:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_message_type_becomes_visible_text() {
        for (file, expected) in [
            ("whatsapp-location-01.json", "📍 Location"),
            ("whatsapp-reaction-01.json", "Reacted 😮"),
            ("whatsapp-contacts-01.json", "👤 Shared contact"),
            ("whatsapp-unsupported-01.json", "⚠ Unsupported message"),
            ("whatsapp-interactive-list-reply-01.json", ""),
            ("whatsapp-button-01.json", ""),
        ] {
            let parsed = parse(&fixture(file)).unwrap();
            let Some(Received::Message(m)) = parsed.first() else {
                panic!("{file}: {parsed:?}")
            };
            assert!(
                m.body.starts_with(expected) && !m.body.is_empty(),
                "{file}: {:?}",
                m.body
            );
        }
    }

    #[test]
    fn not_whatsapp_is_refused() {
        assert!(parse(br#"{"object":"page","entry":[]}"#).is_err());
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn graph_errors_split_into_transient_and_permanent() {
        let window = json!({"error": {"message": "Re-engagement message", "code": 131047, "type": "OAuthException"}});
        assert!(
            matches!(outcome(reqwest::StatusCode::BAD_REQUEST, &window), SendOutcome::Permanent(r) if r.contains("24 hours"))
        );
        let busy = json!({"error": {"message": "Service unavailable", "code": 131016}});
        assert!(matches!(
            outcome(reqwest::StatusCode::SERVICE_UNAVAILABLE, &busy),
            SendOutcome::Transient(_)
        ));
        let ok = json!({"messages": [{"id": "wamid.X"}]});
        assert_eq!(
            outcome(reqwest::StatusCode::OK, &ok),
            SendOutcome::Sent {
                provider_id: "wamid.X".into()
            }
        );
    }
}
