//! The contact directory: create, edit, search, add an unknown sender, and the history of a
//! customer's conversations with every agent and queue.
//!
//! A conversation is linked to a contact when its customer identity is one of the contact's,
//! or (WhatsApp and SMS) when the sender's number is one of the contact's phones. Linking
//! happens when a conversation opens and whenever a contact changes; everyone who sees an
//! affected conversation is told.

use std::collections::BTreeMap;

use switchboard_domain::contacts::{
    identity_phone, normalize_email, normalize_identity, normalize_phone,
};
use switchboard_domain::text::fold;
use switchboard_protocol::{
    event_types, ChannelKind, Contact, ContactHistory, ContactRequest, ConversationStatus,
    FromIdentityRequest, HistoryEntry, IdData, Identity,
};
use uuid::Uuid;

use super::present::{agent_dto, seen_visible};
use super::{ChannelRule, Clash, Engine, Error, Field, Missing, Result, Unit};
use crate::store::{ContactCursor, ContactRow, ConversationRow, StoreError, StoreResult};

const MAX_NAME_CHARS: usize = 200;
/// The most e-mail addresses, phone numbers and channel identities one contact keeps.
pub const MAX_EMAILS: usize = 20;
pub const MAX_PHONES: usize = 20;
pub const MAX_IDENTITIES: usize = 50;
/// The longest phone number as typed (spaces, dashes and brackets included).
const MAX_PHONE_CHARS: usize = 64;
const PREVIEW_CHARS: usize = 140;

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid(Field::Contact, message)
}

fn contact_not_found() -> Error {
    Error::NotFound(Missing::Contact)
}

pub fn contact_dto(row: &ContactRow) -> Contact {
    Contact {
        id: row.id,
        name: row.name.clone(),
        emails: row.emails.clone(),
        phones: row.phones.clone(),
        identities: row.identities.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// A submitted contact, checked and normalised.
#[derive(Debug, Clone)]
struct ContactFields {
    name: String,
    emails: Vec<String>,
    phones: Vec<String>,
    identities: Vec<Identity>,
}

impl ContactFields {
    /// The row to store: a new contact (`existing` is `None`) or a replacement.
    fn into_row(
        self,
        existing: Option<&ContactRow>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ContactRow {
        ContactRow {
            id: existing.map_or_else(Uuid::now_v7, |row| row.id),
            search_text: search_text(&self.name, &self.emails, &self.phones, &self.identities),
            name: self.name,
            emails: self.emails,
            phones: self.phones,
            identities: self.identities,
            created_at: existing.map_or(now, |row| row.created_at),
            updated_at: now,
        }
    }
}

/// Check and normalise a submitted contact.
fn build_contact(req: &ContactRequest, country: phonenumber::country::Id) -> Result<ContactFields> {
    let name = req.name.trim().to_string();
    if name.is_empty() {
        return Err(invalid("name must not be empty."));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "name may have at most {MAX_NAME_CHARS} characters."
        )));
    }
    for (field, count, max) in [
        ("emails", req.emails.len(), MAX_EMAILS),
        ("phones", req.phones.len(), MAX_PHONES),
        ("identities", req.identities.len(), MAX_IDENTITIES),
    ] {
        if count > max {
            return Err(invalid(format!(
                "{field}: a contact may have at most {max}; this one has {count}."
            )));
        }
    }
    let mut emails: Vec<String> = Vec::new();
    for (i, email) in req.emails.iter().enumerate() {
        if email.len() > switchboard_domain::contacts::MAX_EMAIL_BYTES {
            return Err(invalid(format!(
                "emails[{i}]: an e-mail address may have at most {} bytes.",
                switchboard_domain::contacts::MAX_EMAIL_BYTES
            )));
        }
        let normal = normalize_email(email).ok_or_else(|| {
            invalid(format!(
                "emails[{i}]: {email:?} is not an e-mail address (one @, no spaces, and none of ? & # < > \" , ; :)."
            ))
        })?;
        if !emails.contains(&normal) {
            emails.push(normal);
        }
    }
    let mut phones: Vec<String> = Vec::new();
    for (i, phone) in req.phones.iter().enumerate() {
        if phone.chars().count() > MAX_PHONE_CHARS {
            return Err(invalid(format!(
                "phones[{i}]: a phone number may have at most {MAX_PHONE_CHARS} characters."
            )));
        }
        let normal = normalize_phone(phone, country).ok_or_else(|| {
            invalid(format!(
                "phones[{i}]: {phone:?} is not a phone number; include the area code (and +country code for other countries)."
            ))
        })?;
        if !phones.contains(&normal) {
            phones.push(normal);
        }
    }
    let mut identities: Vec<Identity> = Vec::new();
    for (i, identity) in req.identities.iter().enumerate() {
        let value = normalize_identity(identity.kind, &identity.value, country)
            .map_err(|why| invalid(format!("identities[{i}]: {why}.")))?;
        let identity = Identity {
            kind: identity.kind,
            value,
        };
        // A WhatsApp id or SMS sender is a phone number too: searchable as one.
        if let Some(phone) = identity_phone(identity.kind, &identity.value, country) {
            if !phones.contains(&phone) {
                phones.push(phone);
            }
        }
        if !identities.contains(&identity) {
            identities.push(identity);
        }
    }
    Ok(ContactFields {
        name,
        emails,
        phones,
        identities,
    })
}

fn search_text(
    name: &str,
    emails: &[String],
    phones: &[String],
    identities: &[Identity],
) -> String {
    let mut parts = vec![fold(name)];
    parts.extend(emails.iter().cloned());
    for phone in phones {
        parts.push(phone.clone());
        parts.push(phone.trim_start_matches('+').to_string());
    }
    parts.extend(identities.iter().map(|i| i.value.to_lowercase()));
    parts.join(" ")
}

/// What a directory search looks for: the folded text, and the digits of a phone number in
/// any formatting.
fn search_terms(q: &str, country: phonenumber::country::Id) -> Vec<String> {
    let q = q.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let mut terms = vec![fold(q)];
    if let Some(e164) = normalize_phone(q, country) {
        terms.push(e164.trim_start_matches('+').to_string());
    }
    let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() >= 4 && digits.len() * 2 >= q.chars().filter(|c| !c.is_whitespace()).count() {
        terms.push(digits);
    }
    terms.dedup();
    terms
}

/// Where a WhatsApp or SMS customer with this number would show up.
fn phone_identities(e164: &str) -> [Identity; 2] {
    [
        Identity {
            kind: ChannelKind::Whatsapp,
            value: e164.trim_start_matches('+').to_string(),
        },
        Identity {
            kind: ChannelKind::Sms,
            value: e164.to_string(),
        },
    ]
}

impl Unit<'_> {
    /// The contact a new conversation's customer is, if any.
    pub(super) fn contact_for(
        &mut self,
        identity: &Identity,
        country: phonenumber::country::Id,
    ) -> StoreResult<Option<ContactRow>> {
        if let Some(contact) = self.tx.contact_by_identity(identity)? {
            return Ok(Some(contact));
        }
        match identity_phone(identity.kind, &identity.value, country) {
            Some(phone) => self.tx.contact_by_phone(&phone),
            None => Ok(None),
        }
    }

    /// Link the conversations that belong to this contact, unlink those that no longer do, and
    /// tell whoever sees them.
    fn relink(&mut self, contact: &ContactRow) -> StoreResult<()> {
        // Explicit identities claim a conversation even from another contact; phones only
        // claim conversations nobody else has.
        let mut wanted: BTreeMap<Uuid, (ConversationRow, bool)> = BTreeMap::new();
        for identity in &contact.identities {
            for conv in self.tx.conversations_with_identity(identity)? {
                wanted.insert(conv.id, (conv, true));
            }
        }
        for phone in &contact.phones {
            for identity in phone_identities(phone) {
                for conv in self.tx.conversations_with_identity(&identity)? {
                    wanted.entry(conv.id).or_insert((conv, false));
                }
            }
        }
        for (_, (mut conv, explicit)) in wanted.clone() {
            let mine = conv.contact_id == Some(contact.id);
            if mine && conv.display_name == contact.name {
                continue;
            }
            if !mine && conv.contact_id.is_some() && !explicit {
                continue;
            }
            conv.contact_id = Some(contact.id);
            conv.display_name = contact.name.clone();
            self.tx.update_conversation(&conv)?;
            self.announce(conv.id)?;
        }
        for mut conv in self.tx.conversations_of_contact(contact.id)? {
            if !wanted.contains_key(&conv.id) {
                conv.contact_id = None;
                self.tx.update_conversation(&conv)?;
                self.announce(conv.id)?;
            }
        }
        Ok(())
    }

    fn save_contact(&mut self, row: &ContactRow, insert: bool) -> Result<()> {
        let stored = if insert {
            self.tx.insert_contact(row)
        } else {
            self.tx.update_contact(row)
        };
        stored.map_err(|err| match err {
            StoreError::Duplicate { .. } => Error::conflict(
                Clash::Identity,
                "One of these identities already belongs to another contact; edit that contact instead.",
            ),
            other => other.into(),
        })?;
        self.relink(row)?;
        let data = serde_json::to_value(contact_dto(row)).expect("plain struct");
        self.broadcast(event_types::CONTACT_UPSERTED, row.id, data)?;
        Ok(())
    }
}

impl Engine {
    /// One page of the directory, or of the contacts matching `q`, by name: at most `limit`
    /// contacts after `after`, and where the next page starts if more follow.
    pub async fn search_contacts(
        &self,
        q: Option<String>,
        after: Option<ContactCursor>,
        limit: u32,
    ) -> Result<(Vec<Contact>, Option<ContactCursor>)> {
        let terms = search_terms(q.as_deref().unwrap_or(""), self.settings.default_country);
        self.read(move |unit| {
            let mut rows =
                unit.tx
                    .search_contacts(&terms, after.as_ref(), limit.saturating_add(1))?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let next = rows.last().filter(|_| more).map(|last| ContactCursor {
                name: last.name.clone(),
                id: last.id,
            });
            Ok((rows.iter().map(contact_dto).collect(), next))
        })
        .await
    }

    pub async fn contact(&self, id: Uuid) -> Result<Contact> {
        self.read(move |unit| {
            let row = unit.tx.contact(id)?.ok_or_else(contact_not_found)?;
            Ok(contact_dto(&row))
        })
        .await
    }

    pub async fn create_contact(&self, req: ContactRequest) -> Result<Contact> {
        let fields = build_contact(&req, self.settings.default_country)?;
        self.write(move |unit| {
            let row = fields.clone().into_row(None, unit.now);
            unit.save_contact(&row, true)?;
            Ok(contact_dto(&row))
        })
        .await
    }

    pub async fn update_contact(&self, id: Uuid, req: ContactRequest) -> Result<Contact> {
        let fields = build_contact(&req, self.settings.default_country)?;
        self.write(move |unit| {
            let existing = unit.tx.contact(id)?.ok_or_else(contact_not_found)?;
            let row = fields.clone().into_row(Some(&existing), unit.now);
            unit.save_contact(&row, false)?;
            Ok(contact_dto(&row))
        })
        .await
    }

    /// Remove from the directory. Its conversations stay, as unknown senders.
    pub async fn delete_contact(&self, id: Uuid) -> Result<()> {
        self.write(move |unit| {
            let linked = unit.tx.conversations_of_contact(id)?;
            if !unit.tx.delete_contact(id)? {
                return Err(contact_not_found());
            }
            for conv in linked {
                unit.announce(conv.id)?;
            }
            let data = serde_json::to_value(IdData { id }).expect("plain struct");
            unit.broadcast(event_types::CONTACT_REMOVED, id, data)?;
            Ok(())
        })
        .await
    }

    /// "Add contact" from the unknown-contact pop-up: the conversation's sender becomes a
    /// contact, and every conversation with that sender becomes known.
    pub async fn contact_from_identity(
        &self,
        agent: Uuid,
        req: FromIdentityRequest,
    ) -> Result<Contact> {
        let country = self.settings.default_country;
        self.write(move |unit| {
            let (conv, _) = seen_visible(unit.tx, req.conversation_id, agent)?;
            let identity = conv
                .identity
                .clone()
                .ok_or(Error::ChannelRule(ChannelRule::NoCustomer))?;
            if let Some(existing) = unit.tx.contact_by_identity(&identity)? {
                return Err(Error::conflict(
                    Clash::ExistingContact,
                    format!(
                        "This sender is already the contact {:?} ({}).",
                        existing.name, existing.id
                    ),
                ));
            }
            let request = ContactRequest {
                name: req.name.clone(),
                emails: req.emails.clone(),
                phones: Vec::new(),
                identities: vec![identity],
            };
            let row = build_contact(&request, country)?.into_row(None, unit.now);
            unit.save_contact(&row, true)?;
            Ok(contact_dto(&row))
        })
        .await
    }

    /// Every conversation with the contact, across agents and queues, newest first.
    pub async fn contact_history(&self, id: Uuid) -> Result<ContactHistory> {
        self.read(move |unit| {
            let contact = unit.tx.contact(id)?.ok_or_else(contact_not_found)?;
            let mut conversations = Vec::new();
            for conv in unit.tx.conversations_of_contact(id)? {
                let handled_by = match conv.owner_id {
                    Some(owner) => unit.tx.agent(owner)?.map(|a| agent_dto(&a)),
                    None => None,
                };
                let last_message = match conv.last_message_id {
                    Some(message) => unit.tx.message(message)?.map(|m| preview(&m.body)),
                    None => None,
                };
                conversations.push(HistoryEntry {
                    conversation_id: conv.id,
                    channel: conv.channel,
                    channel_id: conv.channel_id.clone(),
                    queue_id: conv.queue_id.clone(),
                    status: conv.status,
                    handled_by,
                    outcome: match conv.status {
                        ConversationStatus::Resolved => "resolved",
                        ConversationStatus::Open => "open",
                        ConversationStatus::Queued => "unanswered",
                    }
                    .into(),
                    messages: unit.tx.message_count(conv.id)?,
                    last_message,
                    started_at: conv.created_at,
                    ended_at: conv.resolved_at,
                });
            }
            Ok(ContactHistory {
                contact: contact_dto(&contact),
                conversations,
            })
        })
        .await
    }
}

fn preview(body: &str) -> String {
    let mut out: String = body.chars().take(PREVIEW_CHARS).collect();
    if body.chars().count() > PREVIEW_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn br() -> phonenumber::country::Id {
        switchboard_domain::contacts::parse_country("BR").unwrap()
    }

    #[test]
    fn phone_searches_match_any_formatting() {
        assert_eq!(
            search_terms("011 98765-4321", br()),
            ["011 98765-4321", "5511987654321", "011987654321"]
        );
        assert_eq!(search_terms("Maria", br()), ["maria"]);
        assert_eq!(search_terms("(11) 98765", br()), ["(11) 98765", "1198765"]);
        assert_eq!(search_terms("4321", br()), ["4321"]);
        assert!(search_terms("  ", br()).is_empty());
    }

    #[test]
    fn senders_numbers_become_phones() {
        let req = ContactRequest {
            name: " João ".into(),
            emails: vec!["JOAO@example.com".into(), "joao@example.com".into()],
            phones: vec![],
            identities: vec![Identity {
                kind: ChannelKind::Whatsapp,
                value: "5511987654321".into(),
            }],
        };
        let fields = build_contact(&req, br()).unwrap();
        assert_eq!(fields.name, "João");
        assert_eq!(fields.emails, ["joao@example.com"]);
        assert_eq!(fields.phones, ["+5511987654321"]);
        assert_eq!(fields.identities.len(), 1);
        let text = fields.into_row(None, chrono::Utc::now()).search_text;
        assert!(
            text.contains("joao") && text.contains("5511987654321"),
            "{text}"
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let mut req = ContactRequest {
            name: "Ana".into(),
            emails: vec!["ok@example.com".into(), "nope".into()],
            phones: vec![],
            identities: vec![],
        };
        let err = build_contact(&req, br()).unwrap_err().to_string();
        assert!(err.starts_with("emails[1]:"), "{err}");
        req.emails.clear();
        req.phones = vec!["12".into()];
        assert!(build_contact(&req, br())
            .unwrap_err()
            .to_string()
            .starts_with("phones[0]:"));
    }
}
