//! Syncing a WhatsApp channel's message templates from Meta: every page of
//! `GET /{waba_id}/message_templates`, keeping the approved ones. Run at start, every hour and
//! on demand (`POST /channels/{id}/whatsapp-templates/sync`).

use chrono::Utc;
use serde_json::Value;

use super::Channels;
use crate::config::{ChannelConfig, ProviderConfig};
use crate::engine::Engine;
use crate::store::WhatsAppTemplateRow;

/// At most this many pages are read (100 templates each): Meta allows far fewer per account.
const MAX_PAGES: usize = 50;

/// Why templates could not be synced, in words.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SyncFailed(pub String);

/// Sync one channel's templates and keep them: how many approved ones it has now, or `None`
/// for a channel with no business account to ask.
pub async fn sync(
    engine: &Engine,
    channels: &Channels,
    channel: &str,
) -> Result<Option<usize>, SyncFailed> {
    let Some(config) = channels.get(channel) else {
        return Ok(None);
    };
    let Some(fetched) = fetch(channels, &config).await else {
        return Ok(None);
    };
    let rows = fetched?;
    let count = rows.len();
    engine
        .replace_whatsapp_templates(channel.to_string(), rows)
        .await
        .map_err(|err| SyncFailed(format!("the templates could not be stored: {err}")))?;
    Ok(Some(count))
}

/// Sync every WhatsApp channel's templates now and then every `period`, until stopped.
pub async fn keep_synced(
    engine: Engine,
    channels: std::sync::Arc<Channels>,
    period: std::time::Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        for config in channels.configs() {
            if !channels.enabled(&config.id) {
                continue;
            }
            sync_and_log(&engine, &channels, &config.id).await;
        }
    }
}

/// [`sync`], its outcome logged (the hourly sync, and a channel just made or changed).
pub async fn sync_and_log(engine: &Engine, channels: &Channels, channel: &str) {
    match sync(engine, channels, channel).await {
        Ok(Some(count)) => {
            tracing::info!(%channel, templates = count, "WhatsApp templates synced")
        }
        Ok(None) => {}
        Err(err) => tracing::warn!(%channel, error = %err, "WhatsApp templates not synced"),
    }
}

/// The channel's approved templates as Meta lists them now; `None` for a channel that has no
/// business account to ask (not WhatsApp, or no `waba_id`).
pub async fn fetch(
    channels: &Channels,
    config: &ChannelConfig,
) -> Option<Result<Vec<WhatsAppTemplateRow>, SyncFailed>> {
    let ProviderConfig::Whatsapp {
        waba_id: Some(waba_id),
        access_token,
        api_base,
        ..
    } = &config.provider
    else {
        return None;
    };
    Some(
        fetch_pages(
            channels,
            &config.id,
            waba_id,
            access_token.expose(),
            api_base,
        )
        .await,
    )
}

async fn fetch_pages(
    channels: &Channels,
    channel: &str,
    waba_id: &str,
    token: &str,
    api_base: &str,
) -> Result<Vec<WhatsAppTemplateRow>, SyncFailed> {
    let origin = origin_of(api_base);
    let mut url = format!(
        "{api_base}/{waba_id}/message_templates?fields=name,language,category,status,components&limit=100"
    );
    let mut rows = Vec::new();
    let now = Utc::now();
    for _ in 0..MAX_PAGES {
        let response = channels
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|err| {
                SyncFailed(format!(
                    "Meta's Graph API could not be reached: {}",
                    err.without_url()
                ))
            })?;
        let status = response.status();
        let page: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let message = page["error"]["message"]
                .as_str()
                .unwrap_or("no reason given");
            let code = page["error"]["code"].as_i64().unwrap_or_default();
            return Err(SyncFailed(format!(
                "Meta refused to list the templates of business account {waba_id}: {message} (error {code})"
            )));
        }
        for template in page["data"].as_array().into_iter().flatten() {
            if template["status"].as_str() != Some("APPROVED") {
                continue;
            }
            let (Some(name), Some(language)) =
                (template["name"].as_str(), template["language"].as_str())
            else {
                continue;
            };
            rows.push(WhatsAppTemplateRow {
                channel_id: channel.to_string(),
                name: name.to_string(),
                language: language.to_string(),
                category: template["category"]
                    .as_str()
                    .unwrap_or("UTILITY")
                    .to_string(),
                components: template["components"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                synced_at: now,
            });
        }
        // Follow `paging.next` only to the API we were configured with.
        match page["paging"]["next"].as_str() {
            Some(next) if origin_of(next) == origin => url = next.to_string(),
            _ => break,
        }
    }
    // A template listed twice (a page boundary moving under us) is kept once.
    rows.sort_by(|a, b| (&a.name, &a.language).cmp(&(&b.name, &b.language)));
    rows.dedup_by(|a, b| a.name == b.name && a.language == b.language);
    Ok(rows)
}

/// `scheme://host:port` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://graph.facebook.com/v23.0/1/message_templates?after=x"),
            "https://graph.facebook.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:9/v23.0"), "http://127.0.0.1:9");
        assert_eq!(origin_of("http://127.0.0.1:9"), "http://127.0.0.1:9");
    }
}
