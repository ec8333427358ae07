//! Quick-reply templates: everyone searches and uses them; managers and owners curate them,
//! and every change reaches every agent as an event.

use switchboard_domain::permissions::can_manage_templates;
use switchboard_domain::templates::{language_matches, match_rank, render, validate, Variables};
use switchboard_domain::text::fold;
use switchboard_protocol::{event_types, IdData, Template, TemplateRequest};
use uuid::Uuid;

use super::present::{agent_dto, seen_visible};
use super::{Engine, Error, Field, Missing, Result, Right, Unit};
use crate::store::{AgentRow, StoreResult, TemplateRow};

/// Filters of `GET /templates`.
#[derive(Debug, Clone, Default)]
pub struct TemplateFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    pub language: Option<String>,
}

fn template_not_found() -> Error {
    Error::NotFound(Missing::Template)
}

fn ensure_manager(agent: &AgentRow) -> Result<()> {
    if can_manage_templates(agent.role) {
        Ok(())
    } else {
        Err(Error::Forbidden(Right::ManageTemplates))
    }
}

fn checked(req: &TemplateRequest) -> Result<switchboard_domain::templates::TemplateFields> {
    validate(&req.name, &req.body, &req.category, &req.language)
        .map_err(|e| Error::invalid(Field::Template, format!("{}.", e.message)))
}

impl Unit<'_> {
    fn template_dto(&mut self, row: &TemplateRow) -> StoreResult<Template> {
        let updated_by = match row.updated_by {
            Some(id) => self.tx.agent(id)?.map(|a| agent_dto(&a)),
            None => None,
        };
        Ok(Template {
            id: row.id,
            name: row.name.clone(),
            body: row.body.clone(),
            category: row.category.clone(),
            language: row.language.clone(),
            updated_by,
            updated_at: row.updated_at,
        })
    }

    fn save_template(&mut self, row: &TemplateRow) -> Result<Template> {
        self.tx.upsert_template(row)?;
        let dto = self.template_dto(row)?;
        let data = serde_json::to_value(&dto).expect("plain struct");
        self.broadcast(event_types::TEMPLATE_UPSERTED, row.id, data)?;
        Ok(dto)
    }
}

impl Engine {
    /// Templates matching the filters: name-prefix matches first, then word, name and body
    /// matches, each alphabetically.
    pub async fn templates(&self, filter: TemplateFilter) -> Result<Vec<Template>> {
        self.read(move |unit| {
            let mut ranked = Vec::new();
            for row in unit.tx.templates()? {
                if let Some(category) = &filter.category {
                    if fold(category.trim()) != fold(&row.category) {
                        continue;
                    }
                }
                if let Some(language) = &filter.language {
                    if !language_matches(language, &row.language) {
                        continue;
                    }
                }
                let Some(rank) =
                    match_rank(filter.q.as_deref().unwrap_or(""), &row.name, &row.body)
                else {
                    continue;
                };
                ranked.push((rank, fold(&row.name), row));
            }
            ranked.sort_by(|a, b| (a.0, &a.1, a.2.id).cmp(&(b.0, &b.1, b.2.id)));
            let mut out = Vec::with_capacity(ranked.len());
            for (_, _, row) in ranked {
                out.push(unit.template_dto(&row)?);
            }
            Ok(out)
        })
        .await
    }

    /// The category tabs: each category once, alphabetically.
    pub async fn template_categories(&self) -> Result<Vec<String>> {
        self.template_column(|row| row.category.clone()).await
    }

    /// The language drop-down.
    pub async fn template_languages(&self) -> Result<Vec<String>> {
        self.template_column(|row| row.language.clone()).await
    }

    async fn template_column(&self, pick: fn(&TemplateRow) -> String) -> Result<Vec<String>> {
        self.read(move |unit| {
            let mut values: Vec<String> = Vec::new();
            for row in unit.tx.templates()? {
                let value = pick(&row);
                if !values.iter().any(|v| fold(v) == fold(&value)) {
                    values.push(value);
                }
            }
            values.sort_by_key(|v| fold(v));
            Ok(values)
        })
        .await
    }

    pub async fn create_template(&self, agent: AgentRow, req: TemplateRequest) -> Result<Template> {
        ensure_manager(&agent)?;
        let fields = checked(&req)?;
        self.write(move |unit| {
            let row = TemplateRow {
                id: Uuid::now_v7(),
                name: fields.name.clone(),
                body: fields.body.clone(),
                category: fields.category.clone(),
                language: fields.language.clone(),
                updated_by: Some(agent.id),
                updated_at: unit.now,
            };
            unit.save_template(&row)
        })
        .await
    }

    pub async fn update_template(
        &self,
        agent: AgentRow,
        id: Uuid,
        req: TemplateRequest,
    ) -> Result<Template> {
        ensure_manager(&agent)?;
        let fields = checked(&req)?;
        self.write(move |unit| {
            unit.tx.template(id)?.ok_or_else(template_not_found)?;
            let row = TemplateRow {
                id,
                name: fields.name.clone(),
                body: fields.body.clone(),
                category: fields.category.clone(),
                language: fields.language.clone(),
                updated_by: Some(agent.id),
                updated_at: unit.now,
            };
            unit.save_template(&row)
        })
        .await
    }

    pub async fn delete_template(&self, agent: AgentRow, id: Uuid) -> Result<()> {
        ensure_manager(&agent)?;
        self.write(move |unit| {
            if !unit.tx.delete_template(id)? {
                return Err(template_not_found());
            }
            let data = serde_json::to_value(IdData { id }).expect("plain struct");
            unit.broadcast(event_types::TEMPLATE_REMOVED, id, data)?;
            Ok(())
        })
        .await
    }

    /// The template's text with its variables filled for one conversation the agent sees.
    /// What is unknown (an unknown customer's name, an unknown variable) stays as written for
    /// the agent to fill in.
    pub async fn render_template(
        &self,
        agent: Uuid,
        id: Uuid,
        conversation: Uuid,
    ) -> Result<String> {
        self.read(move |unit| {
            let template = unit.tx.template(id)?.ok_or_else(template_not_found)?;
            let (conv, _) = seen_visible(unit.tx, conversation, agent)?;
            let me = unit.tx.agent(agent)?.ok_or(Error::SignedOut)?;
            let contact_name = match conv.contact_id {
                Some(contact) => unit.tx.contact(contact)?.map(|c| c.name),
                // A provider's profile name is a name; a bare number or visitor id is not.
                None => {
                    let is_address = conv
                        .identity
                        .as_ref()
                        .is_some_and(|i| i.value == conv.display_name)
                        || conv
                            .display_name
                            .chars()
                            .filter(|c| c.is_ascii_digit())
                            .count()
                            >= 5;
                    (!is_address && !conv.display_name.trim().is_empty())
                        .then(|| conv.display_name.clone())
                }
            };
            Ok(render(
                &template.body,
                &Variables {
                    contact_name,
                    agent_name: Some(me.name),
                    agent_extension: Some(me.extension),
                },
            ))
        })
        .await
    }
}
