//! Attachment records: who may download a file, and tying uploads to the messages that carry
//! them. The bytes themselves are the business of `files`.

use switchboard_protocol::AttachmentRef;
use uuid::Uuid;

use super::{Engine, Error, Field, Missing, Result, Unit};
use crate::files::Accepted;
use crate::store::AttachmentRow;

fn attachment_not_found() -> Error {
    Error::NotFound(Missing::Attachment)
}

pub fn attachment_ref(row: &AttachmentRow) -> AttachmentRef {
    AttachmentRef {
        id: row.id,
        filename: row.filename.clone(),
        mime: row.mime.clone(),
        size: row.size,
    }
}

impl Unit<'_> {
    /// The uploads an agent names in a reply: theirs, and not sent yet.
    pub(super) fn claimable_attachments(
        &mut self,
        agent: Uuid,
        ids: &[Uuid],
    ) -> Result<Vec<AttachmentRow>> {
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let row = self
                .tx
                .attachment(*id)?
                .filter(|row| row.uploader_id == Some(agent) && row.message_id.is_none())
                .ok_or_else(|| {
                    Error::invalid(
                        Field::Attachments,
                        format!("Attachment {id} is not an unsent upload of yours; upload it with POST /api/v1/attachments first."),
                    )
                })?;
            if !rows.iter().any(|r: &AttachmentRow| r.id == row.id) {
                rows.push(row);
            }
        }
        Ok(rows)
    }
}

/// Who sent a file.
#[derive(Debug, Clone, Copy)]
pub enum FileSender {
    Agent(Uuid),
    Visitor(Uuid),
    /// A customer on a provider channel.
    Provider,
}

impl Engine {
    /// Record an accepted file before the message that will carry it.
    pub async fn register_file(
        &self,
        sender: FileSender,
        filename: String,
        file: Accepted,
    ) -> Result<AttachmentRef> {
        self.write(move |unit| {
            let (uploader_id, visitor_id) = match sender {
                FileSender::Agent(agent) => (Some(agent), None),
                FileSender::Visitor(visitor) => (None, Some(visitor)),
                FileSender::Provider => (None, None),
            };
            let row = AttachmentRow {
                id: file.id,
                uploader_id,
                filename: filename.clone(),
                mime: file.mime.clone(),
                size: file.size,
                has_thumbnail: file.has_thumbnail,
                conversation_id: None,
                message_id: None,
                created_at: unit.now,
                visitor_id,
            };
            unit.tx.insert_attachment(&row)?;
            Ok(attachment_ref(&row))
        })
        .await
    }

    /// Forget up to `limit` uploads that no message carries and that were made before
    /// `before` (an agent or visitor uploaded and never sent them); returns them so their
    /// files can be deleted once this is committed.
    pub async fn forget_unsent_uploads(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<AttachmentRow>> {
        self.write(move |unit| Ok(unit.tx.delete_unsent_attachments(before, limit)?))
            .await
    }

    /// The attachment, if the agent may download it: their own upload, or a file in a
    /// conversation they see.
    pub async fn attachment_for(&self, agent: Uuid, id: Uuid) -> Result<AttachmentRow> {
        self.read(move |unit| {
            let row = unit.tx.attachment(id)?.ok_or_else(attachment_not_found)?;
            let allowed = match row.conversation_id {
                None => row.uploader_id == Some(agent),
                Some(conversation) => unit
                    .tx
                    .view(conversation, agent)?
                    .is_some_and(|view| view.visible()),
            };
            if allowed {
                Ok(row)
            } else {
                Err(attachment_not_found())
            }
        })
        .await
    }
}
