//! Fetching the files customers send, with each provider's authentication, into the
//! attachment store.
//!
//! Downloads go only to the hosts the channel's provider keeps media on ([`MediaHosts`]),
//! redirects are followed by hand (each hop checked), and credentials go only to the first
//! URL's origin, never to a host a redirect points at.

use reqwest::header::LOCATION;
use reqwest::Url;
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
    let config = channels.get(channel_id);
    let hosts = match config.as_deref().map(|c| &c.provider) {
        Some(
            ProviderConfig::Whatsapp {
                api_base,
                media_hosts,
                ..
            }
            | ProviderConfig::Facebook {
                api_base,
                media_hosts,
                ..
            }
            | ProviderConfig::Sms {
                api_base,
                media_hosts,
                ..
            },
        ) => MediaHosts::new(api_base, media_hosts),
        _ => return Err("the channel does not take files from a provider".into()),
    };
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
    let response = download(&channels.media_http, &url, &auth, &hosts).await?;
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

/// The most redirects one download follows.
const MAX_REDIRECTS: usize = 5;

/// GET `url` on a client that follows no redirects itself: every hop must be on `hosts`, and
/// the credentials go only to the first URL's origin.
async fn download(
    http: &reqwest::Client,
    url: &str,
    auth: &Auth,
    hosts: &MediaHosts,
) -> Result<reqwest::Response, String> {
    let mut url = Url::parse(url).map_err(|e| format!("the file's address is not a URL: {e}"))?;
    let origin = url.origin();
    for _ in 0..=MAX_REDIRECTS {
        if !hosts.allows(&url) {
            tracing::warn!(
                host = url.host_str().unwrap_or(""),
                "a customer's file was not fetched: its host is not one of the channel's media hosts"
            );
            return Err(format!(
                "it is on {}, which is not one of this channel's media hosts",
                url.host_str().unwrap_or("an unknown host")
            ));
        }
        let request = http.get(url.clone());
        let request = match auth {
            // A redirect elsewhere gets no credentials (a CDN's signed URL needs none).
            _ if url.origin() != origin => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            // The account's password only ever goes to the provider's API host.
            Auth::Basic(user, password) if hosts.is_api(&url) => {
                request.basic_auth(user, Some(password))
            }
            Auth::Basic(..) | Auth::None => request,
        };
        let response = request
            .send()
            .await
            .map_err(|e| format!("download failed: {e}"))?;
        if !response.status().is_redirection() {
            return Ok(response);
        }
        let next = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|location| url.join(location).ok())
            .ok_or("the provider redirected without a valid Location")?;
        url = next;
    }
    Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// Where WhatsApp keeps customers' media (the Cloud API's download URLs are on
/// `lookaside.fbsbx.com`; older ones on Meta's CDNs).
pub const WHATSAPP_MEDIA_HOSTS: &[&str] = &[
    "lookaside.fbsbx.com",
    "*.fbsbx.com",
    "*.fbcdn.net",
    "*.whatsapp.net",
];
/// Where Messenger attachment URLs point (`scontent*.xx.fbcdn.net`, `cdn.fbsbx.com`).
pub const MESSENGER_MEDIA_HOSTS: &[&str] = &["*.fbcdn.net", "*.fbsbx.com"];
/// Twilio media: `api.twilio.com` (Basic auth), which redirects to `mms.twiliocdn.com` (or,
/// for media from before HTTP auth was enforced, `s3-external-1.amazonaws.com`).
pub const TWILIO_MEDIA_HOSTS: &[&str] = &[
    "api.twilio.com",
    "*.twiliocdn.com",
    "s3-external-1.amazonaws.com",
];

/// Whether `pattern` is a host pattern `media_hosts` takes: `host`, `*.domain` (any
/// subdomain) or either with `:port`, reached over HTTPS; `http://` in front allows plain
/// HTTP (for test providers on loopback). No path.
pub fn check_host_pattern(pattern: &str) -> Result<(), String> {
    let bare = pattern
        .strip_prefix("http://")
        .or_else(|| pattern.strip_prefix("https://"))
        .unwrap_or(pattern);
    let (host, port) = match bare.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (pattern, None),
    };
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err(format!(
            "{pattern:?} has no valid port; write a host like \"lookaside.fbsbx.com\", \"*.fbcdn.net\" or \"127.0.0.1:9000\""
        ));
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{pattern:?} is not a host name; write a host like \"lookaside.fbsbx.com\", \"*.fbcdn.net\" or \"127.0.0.1:9000\" (no path)"
        ))
    }
}

/// The hosts a channel may download customers' files from: its `media_hosts` patterns (over
/// HTTPS) and the origin of its `api_base` (with that scheme; the fakes in tests and the demo
/// are plain HTTP on loopback).
#[derive(Debug, Clone)]
pub struct MediaHosts {
    patterns: Vec<String>,
    api_base: Option<Url>,
}

impl MediaHosts {
    pub fn new(api_base: &str, patterns: &[String]) -> Self {
        MediaHosts {
            patterns: patterns.iter().map(|p| p.to_ascii_lowercase()).collect(),
            api_base: Url::parse(api_base).ok(),
        }
    }

    /// Whether `url` is on the provider's API host (`api_base`'s origin).
    pub fn is_api(&self, url: &Url) -> bool {
        self.api_base
            .as_ref()
            .is_some_and(|base| base.origin() == url.origin())
    }

    pub fn allows(&self, url: &Url) -> bool {
        if self.is_api(url) {
            return true;
        }
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        self.patterns.iter().any(|pattern| {
            let (scheme, pattern) = match pattern.strip_prefix("http://") {
                Some(rest) => ("http", rest),
                None => ("https", pattern.strip_prefix("https://").unwrap_or(pattern)),
            };
            let (name, wanted) = match pattern.rsplit_once(':') {
                Some((name, p)) => (name, p.parse::<u16>().ok()),
                None => (pattern, None),
            };
            let host_matches = match name.strip_prefix("*.") {
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                None => host == name,
            };
            url.scheme() == scheme && host_matches && wanted.is_none_or(|w| w == port)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(hosts: &MediaHosts, url: &str) -> bool {
        hosts.allows(&Url::parse(url).unwrap())
    }

    #[test]
    fn media_hosts_match_whole_names_subdomains_and_ports() {
        let patterns: Vec<String> = WHATSAPP_MEDIA_HOSTS.iter().map(|h| h.to_string()).collect();
        let meta = MediaHosts::new("https://graph.facebook.com/v23.0", &patterns);
        for (url, expected) in [
            (
                "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
                true,
            ),
            ("https://scontent.xx.fbcdn.net/v/t1/x.jpg", true),
            ("https://mmg.whatsapp.net/d/f/x.enc", true),
            ("https://graph.facebook.com/v23.0/123", true),
            ("https://fbcdn.net/x", false),
            ("https://evilfbcdn.net/x", false),
            ("https://fbcdn.net.evil.com/x", false),
            ("http://lookaside.fbsbx.com/x", false),
            ("https://graph.facebook.com.evil.com/x", false),
            ("https://127.0.0.1/x", false),
        ] {
            assert_eq!(allowed(&meta, url), expected, "{url}");
        }
        let tests = MediaHosts::new("http://127.0.0.1:4000", &["127.0.0.1:5000".to_string()]);
        assert!(allowed(&tests, "http://127.0.0.1:4000/media/1"), "api_base");
        assert!(
            !allowed(&tests, "http://127.0.0.1:4001/media/1"),
            "another port"
        );
        assert!(allowed(&tests, "https://127.0.0.1:5000/x"));
        assert!(
            !allowed(&tests, "http://127.0.0.1:5000/x"),
            "patterns are HTTPS"
        );
        let plain = MediaHosts::new("https://api.twilio.com", &["http://127.0.0.1:5000".into()]);
        assert!(allowed(&plain, "http://127.0.0.1:5000/x"));
        assert!(!allowed(&plain, "https://127.0.0.1:5000/x"));
        assert!(plain.is_api(&Url::parse("https://api.twilio.com/2010-04-01/x").unwrap()));
        assert!(!plain.is_api(&Url::parse("http://127.0.0.1:5000/x").unwrap()));
    }

    #[test]
    fn host_patterns_are_checked() {
        for good in [
            "lookaside.fbsbx.com",
            "*.fbcdn.net",
            "127.0.0.1:9000",
            "API.twilio.com",
            "http://127.0.0.1:9000",
        ] {
            assert_eq!(check_host_pattern(good), Ok(()), "{good}");
        }
        for bad in [
            "ftp://x.com",
            "x.com/path",
            "*.",
            "",
            "x.com:http",
            "*x.com",
            "a b",
        ] {
            assert!(check_host_pattern(bad).is_err(), "{bad}");
        }
    }
}
