//! The real provider webhook payloads in `shared/fixtures/providers/`, loaded for replay.
//!
//! Meta fixtures are kept as raw bytes, because the signature covers the exact bytes and the
//! published formatting (tabs, `\uXXXX` escapes) is part of what a parser must survive.
//! Twilio fixtures are JSON objects of decoded form fields; they load as ordered pairs so the
//! wire order is kept.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer, MapAccess, Visitor};

use crate::webhook::FormParams;
use crate::FakeError;

/// Which provider a fixture comes from, by its file name prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// `whatsapp-*.json`: a WhatsApp Cloud API webhook body.
    WhatsApp,
    /// `messenger-*.json`: a Messenger Platform webhook body.
    Messenger,
    /// `twilio-*.json`: Twilio form fields (inbound message or status callback).
    Twilio,
}

/// A fixture's content, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixtureBody {
    /// The JSON body, byte for byte.
    Json(Vec<u8>),
    /// The form fields in wire order.
    Form(FormParams),
}

/// One provider fixture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fixture {
    /// File name without `.json`, e.g. `whatsapp-text-01`.
    pub name: String,
    /// Where it comes from.
    pub provider: Provider,
    /// What to send.
    pub body: FixtureBody,
}

impl Fixture {
    /// Whether this is a Twilio status callback (posted to `/webhooks/sms/{id}/status`)
    /// rather than an inbound message.
    pub fn is_twilio_status(&self) -> bool {
        self.provider == Provider::Twilio && self.name.starts_with("twilio-status-")
    }
}

/// `shared/fixtures/providers` of this checkout.
pub fn providers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/providers")
}

/// Every `*.json` fixture in `dir`, sorted by name.
pub fn load_all(dir: &Path) -> Result<Vec<Fixture>, FakeError> {
    let entries = std::fs::read_dir(dir).map_err(|e| FakeError::Fixture {
        path: dir.to_owned(),
        reason: e.to_string(),
    })?;
    let mut fixtures = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| FakeError::Fixture {
                path: dir.to_owned(),
                reason: e.to_string(),
            })?
            .path();
        if path.extension().is_some_and(|e| e == "json") {
            fixtures.push(load(&path)?);
        }
    }
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(fixtures)
}

/// One fixture file.
pub fn load(path: &Path) -> Result<Fixture, FakeError> {
    let fail = |reason: String| FakeError::Fixture {
        path: path.to_owned(),
        reason,
    };
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| fail("file name is not UTF-8".to_owned()))?
        .to_owned();
    let provider = if name.starts_with("whatsapp-") {
        Provider::WhatsApp
    } else if name.starts_with("messenger-") {
        Provider::Messenger
    } else if name.starts_with("twilio-") {
        Provider::Twilio
    } else {
        return Err(fail(
            "name must start with whatsapp-, messenger- or twilio-".to_owned(),
        ));
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let body = match provider {
        Provider::WhatsApp | Provider::Messenger => {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|e| fail(format!("not JSON: {e}")))?;
            FixtureBody::Json(bytes)
        }
        Provider::Twilio => {
            let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
            let form = deserializer
                .deserialize_map(OrderedForm)
                .map_err(|e| fail(format!("not a JSON object of strings: {e}")))?;
            FixtureBody::Form(form)
        }
    };
    Ok(Fixture {
        name,
        provider,
        body,
    })
}

/// Reads a JSON object of strings into pairs in document order; `serde_json::Map` would sort
/// the keys and lose the wire order.
struct OrderedForm;

impl<'de> Visitor<'de> for OrderedForm {
    type Value = FormParams;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object whose values are strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FormParams, A::Error> {
        let mut pairs = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, String>()? {
            pairs.push((name, value));
        }
        Ok(pairs)
    }
}

/// A published Meta payload as the provider would send it to this WhatsApp number and this
/// Facebook page. The published payloads name many numbers and pages (`PHONE_NUMBER_ID`,
/// `PAGE_ID`, real-looking ids); a server keeps only what is addressed to its channel, so
/// replaying them needs them addressed to it. Only those ids change (each whole token, quoted
/// or not); every other byte stays as published.
pub fn addressed_to(body: &[u8], phone_number_id: &str, page_id: &str) -> Vec<u8> {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return body.to_vec();
    };
    let text_of = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut replace: Vec<(String, &str)> = Vec::new();
    for entry in json["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            if let Some(id) = text_of(&change["value"]["metadata"]["phone_number_id"]) {
                replace.push((id, phone_number_id));
            }
        }
        if json["object"] == "page" {
            replace.extend(text_of(&entry["id"]).map(|id| (id, page_id)));
            for event in entry["messaging"].as_array().into_iter().flatten() {
                if event["message"]["is_echo"] != true {
                    replace.extend(text_of(&event["recipient"]["id"]).map(|id| (id, page_id)));
                }
            }
        }
    }
    let mut text = String::from_utf8_lossy(body).into_owned();
    for (old, new) in replace {
        text = replace_token(&text, &old, new);
    }
    text.into_bytes()
}

/// `text` with every whole-token occurrence of `old` (not part of a longer word or number)
/// replaced by `new`.
fn replace_token(text: &str, old: &str, new: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(old) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + old.len()..].chars().next();
        out.push_str(&rest[..at]);
        out.push_str(if word(before) || word(after) {
            old
        } else {
            new
        });
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod addressing {
    use super::*;

    #[test]
    fn only_the_business_ids_change() {
        let body = br#"{"object":"page","entry":[{"id":123,"messaging":[{"sender":{"id":"1234"},"recipient":{"id":"123"},"message":{"mid":"m_123","text":"123"}}]}]}"#;
        assert_eq!(
            String::from_utf8(addressed_to(body, "P", "999")).unwrap(),
            r#"{"object":"page","entry":[{"id":999,"messaging":[{"sender":{"id":"1234"},"recipient":{"id":"999"},"message":{"mid":"m_123","text":"999"}}]}]}"#,
            "whole tokens only (a text equal to the id is the one casualty)"
        );
        let wa = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"display_phone_number":"1","phone_number_id":"PHONE_NUMBER_ID"}}}]}]}"#;
        assert!(String::from_utf8(addressed_to(wa, "42", "P"))
            .unwrap()
            .contains(r#""phone_number_id":"42""#));
    }
}
