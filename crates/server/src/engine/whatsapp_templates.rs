//! WhatsApp message templates (CONTRACT §4): the approved templates of a channel's business
//! account, as synced from Meta, offered to agents with their variables; a template sent in a
//! conversation is stored as its rendered text and queued with Cloud API's `template` object,
//! which WhatsApp delivers even after the 24-hour window has closed.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use switchboard_domain::permissions::can_manage_templates;
use switchboard_domain::templates::{fill_placeholders, placeholders};
use switchboard_protocol::{ChannelKind, SendTemplateRequest, TemplateParameter, WhatsAppTemplate};
use uuid::Uuid;

use super::present::seen_visible;
use super::{Engine, Error, Field, Missing, Reply, Result, Right, Sent};
use crate::store::{Tx, WhatsAppTemplateRow};

/// The examples Meta keeps for a component's variables, by variable.
fn examples(component: &Value, kind: &str) -> BTreeMap<String, String> {
    let example = &component["example"];
    let mut out = BTreeMap::new();
    let named = example[format!("{kind}_text_named_params")]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for param in named {
        if let (Some(name), Some(value)) = (param["param_name"].as_str(), param["example"].as_str())
        {
            out.insert(name.to_string(), value.to_string());
        }
    }
    // Positional examples: `header_text: ["x"]`, `body_text: [["a", "b"]]`.
    let positional = &example[format!("{kind}_text")];
    let values: Vec<&Value> = match positional.as_array() {
        Some(list) if list.first().is_some_and(Value::is_array) => list[0]
            .as_array()
            .map(|l| l.iter().collect())
            .unwrap_or_default(),
        Some(list) => list.iter().collect(),
        None => Vec::new(),
    };
    for (i, value) in values.iter().enumerate() {
        if let Some(value) = value.as_str() {
            out.insert((i + 1).to_string(), value.to_string());
        }
    }
    out
}

/// A stored template as agents are offered it; `None` when this server cannot send it yet (a
/// media header, or buttons that take parameters).
pub fn describe(row: &WhatsAppTemplateRow) -> Option<WhatsAppTemplate> {
    let mut template = WhatsAppTemplate {
        name: row.name.clone(),
        language: row.language.clone(),
        category: row.category.clone(),
        header: None,
        body: String::new(),
        footer: None,
        buttons: Vec::new(),
        parameters: Vec::new(),
    };
    for component in &row.components {
        let kind = component["type"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let text = component["text"].as_str().unwrap_or_default().to_string();
        match kind.as_str() {
            "header" => {
                if component["format"].as_str().unwrap_or("TEXT") != "TEXT" {
                    return None;
                }
                template.header = Some(text.clone());
            }
            "body" => template.body = text.clone(),
            "footer" => template.footer = Some(text.clone()),
            "buttons" => {
                for button in component["buttons"].as_array().into_iter().flatten() {
                    let label = button["text"].as_str().unwrap_or_default();
                    let url = button["url"].as_str().unwrap_or_default();
                    if !placeholders(url).is_empty() {
                        return None;
                    }
                    template.buttons.push(label.to_string());
                }
                continue;
            }
            _ => continue,
        }
        if kind == "footer" {
            continue;
        }
        let examples = examples(component, &kind);
        for variable in placeholders(&text) {
            template.parameters.push(TemplateParameter {
                key: format!("{kind}.{variable}"),
                example: examples.get(&variable).cloned(),
            });
        }
    }
    (!template.body.is_empty()).then_some(template)
}

/// Check the agent's values against the template; the rendered text and Cloud API's
/// `template` object.
pub fn fill(
    template: &WhatsAppTemplate,
    values: &BTreeMap<String, String>,
) -> Result<(String, Value)> {
    let mut problems = Vec::new();
    for key in values.keys() {
        if !template.parameters.iter().any(|p| &p.key == key) {
            problems.push(format!("{key}: the template has no such variable"));
        }
    }
    for parameter in &template.parameters {
        if values
            .get(&parameter.key)
            .is_none_or(|v| v.trim().is_empty())
        {
            problems.push(format!(
                "{}: is missing; fill every variable",
                parameter.key
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::invalid(Field::Template, problems.join("; ")));
    }
    let mut components = Vec::new();
    let mut rendered = Vec::new();
    for (kind, text) in [
        ("header", template.header.as_deref()),
        ("body", Some(template.body.as_str())),
        ("footer", template.footer.as_deref()),
    ] {
        let Some(text) = text else { continue };
        let prefix = format!("{kind}.");
        let mine: BTreeMap<String, String> = values
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v.trim().to_string())))
            .collect();
        rendered.push(fill_placeholders(text, |name| mine.get(name).cloned()));
        if kind == "footer" {
            continue;
        }
        let parameters: Vec<Value> = placeholders(text)
            .iter()
            .map(|variable| {
                let value = &mine[variable];
                if variable.parse::<u32>().is_ok() {
                    json!({"type": "text", "text": value})
                } else {
                    json!({"type": "text", "parameter_name": variable, "text": value})
                }
            })
            .collect();
        if !parameters.is_empty() {
            components.push(json!({"type": kind, "parameters": parameters}));
        }
    }
    let mut object = json!({"name": template.name, "language": {"code": template.language}});
    if !components.is_empty() {
        object["components"] = Value::Array(components);
    }
    Ok((rendered.join("\n\n"), object))
}

/// An approved template of the channel, filled: its rendered text and Cloud API's `template`
/// object.
pub(super) fn template_reply(
    tx: &mut dyn Tx,
    channel: &str,
    name: &str,
    language: &str,
    values: &BTreeMap<String, String>,
) -> Result<(String, Value)> {
    let described = tx
        .whatsapp_templates(channel)?
        .iter()
        .find(|t| t.name == name && t.language == language)
        .and_then(describe)
        .ok_or_else(|| {
            Error::NotFound(Missing::WhatsAppTemplate {
                name: name.to_string(),
                language: language.to_string(),
            })
        })?;
    fill(&described, values)
}

impl Engine {
    /// A WhatsApp channel's approved templates that can be sent here, by name then language;
    /// `language` keeps those of that language (`pt` matches `pt_BR`), `search` those whose
    /// name or body contains it (case aside). Any agent (everyone may write on any channel's
    /// chats they can see).
    pub async fn whatsapp_templates(
        &self,
        channel: String,
        language: Option<String>,
        search: Option<String>,
    ) -> Result<Vec<WhatsAppTemplate>> {
        self.read(move |unit| {
            let row = unit
                .tx
                .channel(&channel)?
                .filter(|c| c.kind == ChannelKind::Whatsapp)
                .ok_or_else(|| Error::NotFound(Missing::Channel(channel.clone())))?;
            let language = language.as_deref().map(str::trim).filter(|l| !l.is_empty());
            let search = search
                .as_deref()
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty());
            Ok(unit
                .tx
                .whatsapp_templates(&row.id)?
                .iter()
                .filter_map(describe)
                .filter(|t| {
                    language
                        .is_none_or(|l| t.language == l || t.language.split('_').next() == Some(l))
                })
                .filter(|t| {
                    search.as_deref().is_none_or(|s| {
                        t.name.to_lowercase().contains(s) || t.body.to_lowercase().contains(s)
                    })
                })
                .collect())
        })
        .await
    }

    /// That the caller may sync a channel's templates from Meta: managers, group owners and
    /// system owners (who also manage the quick replies).
    pub async fn may_sync_whatsapp_templates(&self, actor: Uuid) -> Result<()> {
        self.read(move |unit| match unit.tx.agent(actor)? {
            Some(agent) if agent.disabled_at.is_none() && can_manage_templates(agent.role) => {
                Ok(())
            }
            _ => Err(Error::Forbidden(Right::ManageTemplates)),
        })
        .await
    }

    /// Keep what was just synced from Meta as the channel's templates.
    pub async fn replace_whatsapp_templates(
        &self,
        channel: String,
        rows: Vec<WhatsAppTemplateRow>,
    ) -> Result<()> {
        self.write(move |unit| Ok(unit.tx.replace_whatsapp_templates(&channel, &rows)?))
            .await
    }

    /// Send an approved template in a WhatsApp conversation, its variables filled: shown as its
    /// rendered text, delivered even after the 24-hour window closed.
    pub async fn send_whatsapp_template(
        &self,
        agent: Uuid,
        conversation: Uuid,
        request: SendTemplateRequest,
    ) -> Result<Sent> {
        let (body, template) = self
            .read(move |unit| {
                let (conv, _) = seen_visible(unit.tx, conversation, agent)?;
                if conv.channel != ChannelKind::Whatsapp {
                    return Err(Error::invalid(
                        Field::Template,
                        "Only WhatsApp conversations take WhatsApp templates.",
                    ));
                }
                template_reply(
                    unit.tx,
                    &conv.channel_id,
                    &request.name,
                    &request.language,
                    &request.parameters,
                )
            })
            .await?;
        self.send(
            agent,
            conversation,
            Reply {
                client_id: request.client_id,
                body,
                attachments: Vec::new(),
                template: Some(template),
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn row(components: Value) -> WhatsAppTemplateRow {
        WhatsAppTemplateRow {
            channel_id: "wa".into(),
            name: "order_update".into(),
            language: "pt_BR".into(),
            category: "UTILITY".into(),
            components: components.as_array().unwrap().clone(),
            synced_at: Utc::now(),
        }
    }

    #[test]
    fn positional_and_named_variables_are_offered_with_their_examples() {
        let template = describe(&row(json!([
            {"type": "HEADER", "format": "TEXT", "text": "Pedido {{1}}",
             "example": {"header_text": ["8812"]}},
            {"type": "BODY", "text": "Olá {{customer_name}}, seu pedido chega {{when}}.",
             "example": {"body_text_named_params": [
                 {"param_name": "customer_name", "example": "Ana"},
                 {"param_name": "when", "example": "amanhã"}]}},
            {"type": "FOOTER", "text": "Loja Exemplo"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Obrigado"}]}
        ])))
        .unwrap();
        let keys: Vec<(&str, Option<&str>)> = template
            .parameters
            .iter()
            .map(|p| (p.key.as_str(), p.example.as_deref()))
            .collect();
        assert_eq!(
            keys,
            [
                ("header.1", Some("8812")),
                ("body.customer_name", Some("Ana")),
                ("body.when", Some("amanhã"))
            ]
        );
        assert_eq!(template.buttons, ["Obrigado"]);
        let values: BTreeMap<String, String> = [
            ("header.1", "77"),
            ("body.customer_name", "Mariana"),
            ("body.when", "hoje"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (text, object) = fill(&template, &values).unwrap();
        assert_eq!(
            text,
            "Pedido 77\n\nOlá Mariana, seu pedido chega hoje.\n\nLoja Exemplo"
        );
        assert_eq!(
            object,
            json!({"name": "order_update", "language": {"code": "pt_BR"}, "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "77"}]},
                {"type": "body", "parameters": [
                    {"type": "text", "parameter_name": "customer_name", "text": "Mariana"},
                    {"type": "text", "parameter_name": "when", "text": "hoje"}]}
            ]})
        );
    }

    #[test]
    fn missing_and_unknown_values_are_named() {
        let template =
            describe(&row(json!([{"type": "BODY", "text": "Oi {{1}}, {{2}}"}]))).unwrap();
        let values: BTreeMap<String, String> = [("body.1", "Ana"), ("body.9", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let Err(Error::Invalid { message, .. }) = fill(&template, &values) else {
            panic!("refused")
        };
        assert!(
            message.contains("body.9: the template has no such variable"),
            "{message}"
        );
        assert!(message.contains("body.2: is missing"), "{message}");
    }

    #[test]
    fn templates_this_server_cannot_fill_are_not_offered() {
        assert!(describe(&row(json!([
            {"type": "HEADER", "format": "IMAGE"},
            {"type": "BODY", "text": "Veja"}
        ])))
        .is_none());
        assert!(describe(&row(json!([
            {"type": "BODY", "text": "Veja"},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Abrir", "url": "https://x.example/{{1}}"}]}
        ])))
        .is_none());
    }
}
