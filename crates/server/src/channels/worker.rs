//! The outbound worker: drains the persisted queue, hands each reply to its provider, and
//! records the answer. One reply per conversation is in flight at a time, so a customer reads
//! replies in the order agents wrote them.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use switchboard_domain::delivery::needs_human_agent_tag;
use tokio::sync::watch;

use super::signature::media_link_signature;
use super::{messenger, twilio, whatsapp, Channels};
use crate::config::ProviderConfig;
use crate::engine::{Engine, OutboundWork, SendOutcome};
use crate::files::FileStore;
use crate::store::AttachmentRow;

/// How long providers may fetch a file from a link we give them.
const LINK_LIFETIME_S: i64 = 3600;

/// A link a provider can fetch an attachment from without signing in, until it expires.
pub fn media_link(channels: &Channels, attachment: &AttachmentRow) -> String {
    let expires = Utc::now().timestamp() + LINK_LIFETIME_S;
    let id = attachment.id.to_string();
    let sig = media_link_signature(&channels.link_key, &id, expires);
    format!(
        "{}/media/{id}?expires={expires}&sig={sig}",
        channels.public_url
    )
}

/// Run until `stop` turns true.
pub async fn run(
    engine: Engine,
    channels: Arc<Channels>,
    files: Arc<FileStore>,
    mut stop: watch::Receiver<bool>,
) {
    // A node alone on its database knows that nothing is in flight when it starts. Nodes
    // sharing one leave each other's sends alone and only give up on claims far older than
    // any send takes (a node that died mid-send), at start and then every minute.
    let shared = engine.store_is_shared();
    let stale_claims = || shared.then(|| chrono::Utc::now() - IN_FLIGHT_LEASE);
    abandon_in_flight(&engine, stale_claims()).await;
    let mut last_sweep = std::time::Instant::now();
    let ready = engine.outbound_ready();
    loop {
        if shared && last_sweep.elapsed() > SWEEP_EVERY {
            last_sweep = std::time::Instant::now();
            abandon_in_flight(&engine, stale_claims()).await;
        }
        match engine.claim_outbound(16).await {
            Ok(batch) if !batch.is_empty() => {
                for work in batch {
                    let outcome = send(&channels, &files, &work).await;
                    if let SendOutcome::Transient(why) | SendOutcome::Permanent(why) = &outcome {
                        tracing::info!(message = %work.job.message_id, reason = %why, "reply not sent");
                    }
                    if let Err(err) = engine.finish_outbound(work, outcome).await {
                        tracing::error!(error = %err, "recording a send failed");
                    }
                }
                continue;
            }
            Ok(_) => {}
            Err(err) => tracing::error!(error = %err, "reading the outbound queue failed"),
        }
        tokio::select! {
            _ = ready.notified() => {}
            // Retries come due on their own time.
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// How often nodes sharing a database look for sends abandoned by a node that died.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A send claimed this long ago is not coming back: sends time out after 30 seconds.
const IN_FLIGHT_LEASE: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

async fn abandon_in_flight(engine: &Engine, claimed_before: Option<chrono::DateTime<chrono::Utc>>) {
    match engine.abandon_in_flight(claimed_before).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            replies = n,
            "replies interrupted while being sent were marked failed"
        ),
        Err(err) => tracing::error!(error = %err, "could not check interrupted replies"),
    }
}

fn unreachable(provider: &str, err: reqwest::Error) -> SendOutcome {
    SendOutcome::Transient(format!("could not reach {provider}: {err}"))
}

async fn json_of(response: reqwest::Response) -> (reqwest::StatusCode, Value) {
    let status = response.status();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

async fn send(channels: &Channels, files: &FileStore, work: &OutboundWork) -> SendOutcome {
    let Some(config) = channels.get(&work.job.channel_id) else {
        return SendOutcome::Permanent(
            "This channel is no longer configured on the server.".into(),
        );
    };
    if !channels.enabled(&work.job.channel_id) {
        return SendOutcome::Permanent(
            "The channel was disabled by an administrator before this reply went out; send it again once the channel is enabled.".into(),
        );
    }
    let to = work.recipient.value.as_str();
    let body = work.message.body.as_str();
    match &config.provider {
        ProviderConfig::Whatsapp {
            phone_number_id,
            access_token,
            api_base,
            ..
        } => {
            let endpoint = format!("{api_base}/{phone_number_id}/messages");
            let mut first = None;
            if work.attachments.is_empty() {
                let message = match &work.job.template {
                    Some(template) => whatsapp::template_message(to, template),
                    None => whatsapp::text_message(to, body),
                };
                let request = channels
                    .http
                    .post(&endpoint)
                    .bearer_auth(access_token.expose())
                    .json(&message);
                return match request.send().await {
                    Ok(response) => {
                        let (status, json) = json_of(response).await;
                        whatsapp::outcome(status, &json)
                    }
                    Err(err) => unreachable("WhatsApp", err),
                };
            }
            for (i, file) in work.attachments.iter().enumerate() {
                let bytes = match tokio::fs::read(files.path(file.id)).await {
                    Ok(bytes) => bytes,
                    Err(err) => {
                        return SendOutcome::Permanent(format!(
                            "The attachment {} is missing on the server: {err}",
                            file.filename
                        ))
                    }
                };
                let part = match reqwest::multipart::Part::bytes(bytes)
                    .file_name(file.filename.clone())
                    .mime_str(
                        file.mime
                            .split(';')
                            .next()
                            .unwrap_or("application/octet-stream"),
                    ) {
                    Ok(part) => part,
                    Err(err) => {
                        return SendOutcome::Permanent(format!(
                            "The attachment type is not valid: {err}"
                        ))
                    }
                };
                let form = reqwest::multipart::Form::new()
                    .text("messaging_product", "whatsapp")
                    .text(
                        "type",
                        file.mime.split(';').next().unwrap_or_default().to_string(),
                    )
                    .part("file", part);
                let upload = channels
                    .http
                    .post(format!("{api_base}/{phone_number_id}/media"))
                    .bearer_auth(access_token.expose())
                    .multipart(form)
                    .send()
                    .await;
                let media_id = match upload {
                    Ok(response) => {
                        let (status, json) = json_of(response).await;
                        match json["id"].as_str() {
                            Some(id) if status.is_success() => id.to_string(),
                            _ => return whatsapp::graph_failure("WhatsApp", status, &json),
                        }
                    }
                    Err(err) => return unreachable("WhatsApp", err),
                };
                let caption = if i == 0 { body } else { "" };
                let message =
                    whatsapp::media_message(to, &media_id, &file.mime, &file.filename, caption);
                match channels
                    .http
                    .post(&endpoint)
                    .bearer_auth(access_token.expose())
                    .json(&message)
                    .send()
                    .await
                {
                    Ok(response) => {
                        let (status, json) = json_of(response).await;
                        match whatsapp::outcome(status, &json) {
                            SendOutcome::Sent { provider_id } => {
                                first.get_or_insert(provider_id);
                            }
                            other => return other,
                        }
                    }
                    Err(err) => return unreachable("WhatsApp", err),
                }
            }
            match first {
                Some(provider_id) => SendOutcome::Sent { provider_id },
                None => SendOutcome::Permanent("Nothing to send.".into()),
            }
        }
        ProviderConfig::Facebook {
            page_access_token,
            api_base,
            human_agent_tag,
            ..
        } => {
            let endpoint = format!("{api_base}/me/messages");
            let messaging =
                if *human_agent_tag && needs_human_agent_tag(work.last_inbound_at, Utc::now()) {
                    messenger::Messaging::HumanAgent
                } else {
                    messenger::Messaging::Response
                };
            let mut requests = Vec::new();
            if !body.trim().is_empty() {
                requests.push(messenger::text_message(to, body, messaging));
            }
            for file in &work.attachments {
                requests.push(messenger::attachment_message(
                    to,
                    &media_link(channels, file),
                    &file.mime,
                    messaging,
                ));
            }
            let mut first = None;
            for request in requests {
                let sent = channels
                    .http
                    .post(&endpoint)
                    .query(&[("access_token", page_access_token.expose())])
                    .json(&request)
                    .send()
                    .await;
                match sent {
                    Ok(response) => {
                        let (status, json) = json_of(response).await;
                        match json["message_id"].as_str() {
                            Some(id) if status.is_success() => {
                                first.get_or_insert_with(|| id.to_string());
                            }
                            _ => return whatsapp::graph_failure("Messenger", status, &json),
                        }
                    }
                    Err(err) => return unreachable("Messenger", err),
                }
            }
            match first {
                Some(provider_id) => SendOutcome::Sent { provider_id },
                None => SendOutcome::Permanent("Nothing to send.".into()),
            }
        }
        ProviderConfig::Sms {
            account_sid,
            auth_token,
            from_number,
            api_base,
            ..
        } => {
            let mut form: Vec<(String, String)> = vec![
                ("To".into(), to.to_string()),
                ("From".into(), from_number.clone()),
                ("Body".into(), body.to_string()),
                (
                    "StatusCallback".into(),
                    format!(
                        "{}/webhooks/sms/{}/status",
                        channels.public_url, work.job.channel_id
                    ),
                ),
            ];
            for file in &work.attachments {
                form.push(("MediaUrl".into(), media_link(channels, file)));
            }
            let sent = channels
                .http
                .post(format!(
                    "{api_base}/2010-04-01/Accounts/{account_sid}/Messages.json"
                ))
                .basic_auth(account_sid, Some(auth_token.expose()))
                .form(&form)
                .send()
                .await;
            match sent {
                Ok(response) => {
                    let (status, json) = json_of(response).await;
                    twilio::outcome(status, &json)
                }
                Err(err) => unreachable("Twilio", err),
            }
        }
        ProviderConfig::Livechat { .. } => {
            SendOutcome::Permanent("Live-chat replies are not sent through a provider.".into())
        }
    }
}
