//! WhatsApp message templates as the WhatsApp Business Management API serves them
//! (`GET /{waba_id}/message_templates`, paged with cursors) and as the Cloud API checks a
//! `type: template` send: the template must exist in that language and be approved (else
//! 132001), and each component must carry exactly the parameters its text asks for (else
//! 132000).

use serde_json::{json, Value};

use super::error::GraphError;

/// A message template of the business account, as Meta describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageTemplate {
    pub name: String,
    /// `en_US`, `pt_BR`, …
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`.
    pub status: String,
    /// Meta's `components`: `HEADER` (format `TEXT`), `BODY`, `FOOTER`, `BUTTONS`.
    pub components: Value,
}

impl MessageTemplate {
    /// An approved `UTILITY` template with a body (positional `{{1}}` or named `{{name}}`
    /// parameters) and, when given, a text header.
    pub fn approved(name: &str, language: &str, header: Option<&str>, body: &str) -> Self {
        let mut components = Vec::new();
        if let Some(header) = header {
            components.push(json!({"type": "HEADER", "format": "TEXT", "text": header}));
        }
        let mut body_component = json!({"type": "BODY", "text": body});
        let named = variables(body).iter().any(|v| v.parse::<u32>().is_err());
        if named {
            body_component["example"] = json!({"body_text_named_params": variables(body)
                .iter()
                .map(|v| json!({"param_name": v, "example": "example"}))
                .collect::<Vec<_>>()});
        }
        components.push(body_component);
        Self {
            name: name.to_owned(),
            language: language.to_owned(),
            category: "UTILITY".to_owned(),
            status: "APPROVED".to_owned(),
            components: Value::Array(components),
        }
    }

    /// The same template with another status (`PENDING`, `REJECTED`, …).
    pub fn with_status(mut self, status: &str) -> Self {
        self.status = status.to_owned();
        self
    }

    pub(super) fn to_json(&self, id: &str) -> Value {
        json!({
            "name": self.name,
            "parameter_format": if self.named() { "NAMED" } else { "POSITIONAL" },
            "components": self.components,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "id": id,
        })
    }

    fn named(&self) -> bool {
        self.component_texts()
            .iter()
            .flat_map(|(_, text)| variables(text))
            .any(|v| v.parse::<u32>().is_err())
    }

    /// The text of each component that takes parameters, by lowercase type.
    fn component_texts(&self) -> Vec<(String, String)> {
        self.components
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let kind = c["type"].as_str()?.to_ascii_lowercase();
                let text = c["text"].as_str()?;
                Some((kind, text.to_owned()))
            })
            .collect()
    }
}

/// The variables of a template text, in order: `1`, `2` or `customer_name`.
pub fn variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty() && !out.iter().any(|v| v == name) {
            out.push(name.to_owned());
        }
        rest = &after[end + 2..];
    }
    out
}

/// Check a `template` object of a send against the account's templates, as Meta does.
pub(super) fn check_send(
    templates: &[MessageTemplate],
    template: &Value,
) -> Result<(), GraphError> {
    let name = template["name"].as_str().unwrap_or_default();
    let language = template["language"]["code"].as_str().unwrap_or_default();
    if name.is_empty() || language.is_empty() {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameters template['name'] and template['language']['code'] are required.",
        ));
    }
    let Some(known) = templates
        .iter()
        .find(|t| t.name == name && t.language == language && t.status == "APPROVED")
    else {
        return Err(GraphError::whatsapp(
            132001,
            "Template name does not exist in the translation",
            format!("template name ({name}) does not exist in {language}"),
        ));
    };
    let sent = template["components"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (kind, text) in known.component_texts() {
        let expected = variables(&text).len();
        let given = sent
            .iter()
            .find(|c| {
                c["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case(&kind))
            })
            .and_then(|c| c["parameters"].as_array())
            .map_or(0, Vec::len);
        if given != expected {
            return Err(GraphError::whatsapp(
                132000,
                "Number of parameters does not match the expected number of params",
                format!(
                    "{kind}: number of localizable_params ({given}) does not match the expected number of params ({expected})"
                ),
            ));
        }
    }
    Ok(())
}

/// One page of `GET /{waba_id}/message_templates`: `limit` (25 by default) after the cursor.
pub(super) fn page(
    templates: &[MessageTemplate],
    url_base: &str,
    limit: Option<&str>,
    after: Option<&str>,
) -> Value {
    let limit = limit
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    let start = after
        .and_then(decode_cursor)
        .unwrap_or(0)
        .min(templates.len());
    let end = (start + limit).min(templates.len());
    let data: Vec<Value> = templates[start..end]
        .iter()
        .enumerate()
        .map(|(i, t)| t.to_json(&format!("{}", 1_000_000_000_000u64 + (start + i) as u64)))
        .collect();
    let mut paging = json!({"cursors": {"before": cursor(start), "after": cursor(end.max(1) - 1)}});
    if end < templates.len() {
        paging["next"] = Value::from(format!(
            "{url_base}?limit={limit}&after={}",
            cursor(end.max(1) - 1)
        ));
    }
    json!({"data": data, "paging": paging})
}

/// Meta's cursors are opaque base64 strings; these are the index, so encoded.
fn cursor(index: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("MTAxNTExOTQ1MjAwNzI5NDE:{index}"))
}

fn decode_cursor(text: &str) -> Option<usize> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let index: usize = text.rsplit(':').next()?.parse().ok()?;
    Some(index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_read_in_order_once_each() {
        assert_eq!(variables("Olá {{1}}, pedido {{2}} ({{1}})"), ["1", "2"]);
        assert_eq!(variables("Hi {{ customer_name }}!"), ["customer_name"]);
        assert!(variables("no variables {{").is_empty());
    }
}
