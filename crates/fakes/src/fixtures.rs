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
