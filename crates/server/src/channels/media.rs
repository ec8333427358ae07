//! Fetching the files customers send, with each provider's authentication, into the
//! attachment store.

use switchboard_protocol::ChannelKind;
use uuid::Uuid;

use super::{Channels, MediaSource};
use crate::config::ProviderConfig;
use crate::engine::Engine;
use crate::files::FileStore;

/// Fetch and store one file. Returns the attachment id, or a sentence for the agent saying
/// what could not be fetched (the message itself is kept either way).
pub async fn fetch(
    channels: &Channels,
    files: &FileStore,
    engine: &Engine,
    channel_id: &str,
    source: &MediaSource,
    max_bytes: u64,
) -> Result<Uuid, String> {
    let (url, auth, filename) = match source {
        MediaSource::WhatsApp {
            media_id, filename, ..
        } => {
            let Some(ProviderConfig::Whatsapp {
                access_token,
                api_base,
                ..
            }) = channels.provider(channel_id, ChannelKind::Whatsapp)
            else {
                return Err("the channel is not a WhatsApp channel".into());
            };
            // The media id resolves to a short-lived URL that needs the same token.
            let meta = channels
                .http
                .get(format!("{api_base}/{media_id}"))
                .bearer_auth(access_token.expose())
                .send()
                .await
                .map_err(|e| format!("WhatsApp media lookup failed: {e}"))?;
            if !meta.status().is_success() {
                return Err(format!(
                    "WhatsApp no longer has this file (HTTP {})",
                    meta.status().as_u16()
                ));
            }
            let meta: serde_json::Value = meta
                .json()
                .await
                .map_err(|e| format!("WhatsApp media lookup: {e}"))?;
            let url = meta["url"]
                .as_str()
                .ok_or("WhatsApp gave no media URL")?
                .to_string();
            (
                url,
                Auth::Bearer(access_token.expose().to_string()),
                filename.clone(),
            )
        }
        MediaSource::Url {
            url,
            filename,
            basic_auth,
            ..
        } => {
            let auth = match basic_auth {
                Some((user, password)) => Auth::Basic(user.clone(), password.clone()),
                None => Auth::None,
            };
            (url.clone(), auth, filename.clone())
        }
    };
    let request = channels.http.get(&url);
    let request = match &auth {
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
        Auth::None => request,
    };
    let response = request
        .send()
        .await
        .map_err(|e| format!("download failed: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "the provider answered HTTP {}",
            response.status().as_u16()
        ));
    }
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(format!(
            "the file is larger than {} MB",
            max_bytes / (1024 * 1024)
        ));
    }
    let (accepted, name) = files
        .receive_media(filename.as_deref(), response.bytes_stream(), max_bytes)
        .await
        .map_err(|e| e.to_string())?;
    engine
        .register_file(crate::engine::FileSender::Provider, name, accepted)
        .await
        .map(|file| file.id)
        // The same sentence (and log line) as an API answer would have.
        .map_err(|e| crate::http::error::ApiError::from(e).message)
}

enum Auth {
    None,
    Bearer(String),
    Basic(String, String),
}
