//! Getting replies to customers and hearing back: the persisted outbound queue the channel
//! workers drain, delivery statuses (monotonic, duplicates and reordering tolerated), and
//! files received from providers.

use chrono::{DateTime, Duration, Utc};
use switchboard_domain::delivery::next_status;
use switchboard_protocol::{event_types, Identity, MessageStatus, MessageStatusData};
use uuid::Uuid;

use super::{Engine, Error, Missing, Result, Unit};
use crate::store::{
    AttachmentRow, MessageRow, OutboundJob, OutboundState, SmsOptOutRow, StoreResult,
};

/// Give up on a reply after this many transient failures.
pub const MAX_ATTEMPTS: u32 = 8;

/// A reply the worker must hand to its provider.
#[derive(Debug, Clone)]
pub struct OutboundWork {
    pub job: OutboundJob,
    pub message: MessageRow,
    /// The customer on the provider's side.
    pub recipient: Identity,
    pub attachments: Vec<AttachmentRow>,
    /// When the customer last wrote (Messenger answers past 24 hours carry a tag).
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// What the provider answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; the provider's id for the message (statuses will refer to it).
    Sent { provider_id: String },
    /// Worth retrying later (network trouble, 5xx, throttling).
    Transient(String),
    /// Will never work (bad number, outside the window, rejected content): the agent sees why.
    Permanent(String),
    /// The SMS recipient unsubscribed (Twilio 21610): failed like [`SendOutcome::Permanent`],
    /// and the number is marked opted out so nothing more is queued for it.
    OptedOut(String),
}

/// Wait before the next attempt: 2, 4, 8 … seconds, at most five minutes.
fn backoff(attempts: u32) -> Duration {
    Duration::seconds(2_i64.saturating_pow(attempts.min(9)).min(300))
}

impl Unit<'_> {
    /// Move a message's status forward and tell whoever sees the conversation.
    pub(super) fn report_status(
        &mut self,
        message: &MessageRow,
        reported: MessageStatus,
        error: Option<&str>,
        provider_id: Option<&str>,
    ) -> StoreResult<bool> {
        let Some(status) = next_status(message.status, reported) else {
            if let Some(id) = provider_id {
                self.tx.set_message_delivery(
                    message.id,
                    message.status,
                    message.error.as_deref(),
                    Some(id),
                )?;
            }
            return Ok(false);
        };
        let error = if status == MessageStatus::Failed {
            error
        } else {
            None
        };
        self.tx
            .set_message_delivery(message.id, status, error, provider_id)?;
        self.announce_status(&MessageRow {
            status,
            error: error.map(str::to_string),
            ..message.clone()
        })?;
        Ok(true)
    }

    /// Tell whoever sees the conversation the message's delivery status.
    pub(super) fn announce_status(&mut self, message: &MessageRow) -> StoreResult<()> {
        let data = serde_json::to_value(MessageStatusData {
            id: message.id,
            conversation_id: message.conversation_id,
            status: message.status,
            error: message.error.clone(),
        })
        .expect("plain struct");
        for view in self.tx.views(message.conversation_id)? {
            if view.visible() {
                self.emit(
                    view.agent_id,
                    event_types::MESSAGE_STATUS,
                    Some(message.id),
                    Some(data.clone()),
                );
            }
        }
        Ok(())
    }

    pub(super) fn wake_outbound(&mut self) {
        self.wake_outbound = true;
    }
}

impl Engine {
    /// Take due replies off the queue (marking them in flight, one per conversation at a time).
    pub async fn claim_outbound(&self, limit: u32) -> Result<Vec<OutboundWork>> {
        self.write(move |unit| {
            let mut work = Vec::new();
            for mut job in unit.tx.due_outbound(unit.now, limit)? {
                let Some(message) = unit.tx.message(job.message_id)? else {
                    continue;
                };
                let Some(conv) = unit.tx.conversation(job.conversation_id)? else {
                    continue;
                };
                let Some(recipient) = conv.identity.clone() else {
                    continue;
                };
                let mut attachments = Vec::new();
                for file in &message.attachments {
                    attachments.extend(unit.tx.attachment(file.id)?);
                }
                job.state = OutboundState::Sending;
                job.attempts += 1;
                // While in flight, the due time records when the send was claimed.
                job.next_attempt_at = unit.now;
                unit.tx.update_outbound(&job)?;
                work.push(OutboundWork {
                    job,
                    message,
                    recipient,
                    attachments,
                    last_inbound_at: conv.last_inbound_at,
                });
            }
            Ok(work)
        })
        .await
    }

    /// Record what the provider answered for a reply in flight.
    pub async fn finish_outbound(&self, work: OutboundWork, outcome: SendOutcome) -> Result<()> {
        let counted = match &outcome {
            SendOutcome::Sent { .. } => "sent",
            SendOutcome::Transient(_) if work.job.attempts < MAX_ATTEMPTS => "retried",
            SendOutcome::Transient(_) | SendOutcome::Permanent(_) | SendOutcome::OptedOut(_) => {
                "failed"
            }
        };
        let finished = self
            .write(move |unit| {
                let mut job = work.job.clone();
                let Some(message) = unit.tx.message(job.message_id)? else {
                    return Ok(());
                };
                match &outcome {
                    SendOutcome::Sent { provider_id } => {
                        job.state = OutboundState::Done;
                        job.last_error = None;
                        unit.report_status(&message, MessageStatus::Sent, None, Some(provider_id))?;
                    }
                    SendOutcome::Transient(why) if job.attempts < MAX_ATTEMPTS => {
                        job.state = OutboundState::Queued;
                        job.last_error = Some(why.clone());
                        job.next_attempt_at = unit.now + backoff(job.attempts);
                    }
                    SendOutcome::Transient(why) => {
                        job.state = OutboundState::Failed;
                        let reason =
                            format!("Not delivered after {} attempts: {why}", job.attempts);
                        job.last_error = Some(reason.clone());
                        unit.report_status(&message, MessageStatus::Failed, Some(&reason), None)?;
                    }
                    SendOutcome::Permanent(why) => {
                        job.state = OutboundState::Failed;
                        job.last_error = Some(why.clone());
                        unit.report_status(&message, MessageStatus::Failed, Some(why), None)?;
                    }
                    SendOutcome::OptedOut(why) => {
                        job.state = OutboundState::Failed;
                        job.last_error = Some(why.clone());
                        unit.tx.add_sms_opt_out(&SmsOptOutRow {
                            channel_id: job.channel_id.clone(),
                            address: work.recipient.value.clone(),
                            opted_out_at: unit.now,
                        })?;
                        unit.report_status(&message, MessageStatus::Failed, Some(why), None)?;
                        unit.announce(job.conversation_id)?;
                    }
                }
                unit.tx.update_outbound(&job)?;
                if job.state == OutboundState::Queued {
                    unit.wake_outbound();
                }
                Ok(())
            })
            .await;
        if finished.is_ok() {
            metrics::counter!("switchboard_outbound_total", "outcome" => counted).increment(1);
        }
        finished
    }

    /// Replies in flight that may or may not have reached the provider: claimed before
    /// `claimed_before`, or all of them (`None`, after a restart of the only server node).
    /// Sending them again could duplicate them, so they are marked failed for the agent to
    /// check and resend. Returns how many.
    pub async fn abandon_in_flight(&self, claimed_before: Option<DateTime<Utc>>) -> Result<usize> {
        self.write(move |unit| {
            let mut stale = unit.tx.outbound_in_state(OutboundState::Sending)?;
            if let Some(limit) = claimed_before {
                stale.retain(|job| job.next_attempt_at < limit);
            }
            let reason = if claimed_before.is_some() {
                "The server node sending this reply stopped before the provider answered; it may not have arrived. Check with the customer and resend if needed."
            } else {
                "The server restarted while this reply was being sent; it may not have arrived. Check with the customer and resend if needed."
            };
            for mut job in stale.clone() {
                job.state = OutboundState::Failed;
                job.last_error = Some(reason.into());
                unit.tx.update_outbound(&job)?;
                if let Some(message) = unit.tx.message(job.message_id)? {
                    unit.report_status(&message, MessageStatus::Failed, Some(reason), None)?;
                }
            }
            Ok(stale.len())
        })
        .await
        .inspect(|&n| {
            metrics::counter!("switchboard_outbound_total", "outcome" => "interrupted")
                .increment(n as u64);
        })
    }

    /// A provider's status report for one of our replies. Unknown ids are ignored (statuses
    /// for messages sent by other tools share the webhook).
    pub async fn apply_status(
        &self,
        channel_id: String,
        provider_id: String,
        status: MessageStatus,
        error: Option<String>,
    ) -> Result<bool> {
        self.write(
            move |unit| match unit.tx.message_by_provider_id(&channel_id, &provider_id)? {
                Some(message) => {
                    Ok(unit.report_status(&message, status, error.as_deref(), None)?)
                }
                None => Ok(false),
            },
        )
        .await
    }

    /// Messenger reports deliveries and reads as a watermark: every reply to this customer
    /// sent at or before `until` reached `status`.
    pub async fn apply_watermark(
        &self,
        channel_id: String,
        customer: Identity,
        until: DateTime<Utc>,
        status: MessageStatus,
    ) -> Result<u32> {
        self.write(move |unit| {
            let mut changed = 0;
            for conv in unit.tx.conversations_with_identity(&customer)? {
                if conv.channel_id != channel_id {
                    continue;
                }
                for message in unit.tx.outbound_messages_until(conv.id, until)? {
                    // Only replies the provider accepted can be delivered or read.
                    if message.status != MessageStatus::Pending
                        && unit.report_status(&message, status, None, None)?
                    {
                        changed += 1;
                    }
                }
            }
            Ok(changed)
        })
        .await
    }

    /// Is this provider message already stored? Lets adapters skip downloading media twice.
    pub async fn knows_provider_message(
        &self,
        channel_id: String,
        provider_id: String,
    ) -> Result<bool> {
        self.read(move |unit| {
            Ok(unit
                .tx
                .message_by_provider_id(&channel_id, &provider_id)?
                .is_some())
        })
        .await
    }

    /// The stored file behind a signed media link (no agent involved).
    pub async fn attachment_by_id(&self, id: Uuid) -> Result<AttachmentRow> {
        self.read(move |unit| {
            unit.tx
                .attachment(id)?
                .ok_or(Error::NotFound(Missing::Attachment))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(2));
        assert_eq!(backoff(2), Duration::seconds(4));
        assert_eq!(backoff(8), Duration::seconds(256));
        assert_eq!(backoff(9), Duration::seconds(300));
        assert_eq!(backoff(50), Duration::seconds(300));
    }
}
