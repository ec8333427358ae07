//! "Check connection" of the administration: ask the provider, with the channel's credentials,
//! what the number, page or account is, and say in words what is wrong when it will not tell
//! (a refused token, an id it does not know, no answer at all).

use std::time::Duration;

use serde_json::Value;
use switchboard_protocol::ChannelCheck;

use super::Channels;
use crate::config::{ChannelConfig, ProviderConfig};

/// How long a check waits for the provider.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn check(channels: &Channels, config: &ChannelConfig) -> ChannelCheck {
    match &config.provider {
        ProviderConfig::Whatsapp {
            phone_number_id,
            access_token,
            api_base,
            ..
        } => {
            let request = channels
                .http
                .get(format!("{api_base}/{phone_number_id}"))
                .query(&[("fields", "display_phone_number,verified_name")])
                .bearer_auth(access_token.expose());
            match ask(request, "Meta's Graph API", api_base).await {
                Ok(body) => ok(format!(
                    "Meta knows this number: WhatsApp {} ({}).",
                    text(&body, "display_phone_number"),
                    text(&body, "verified_name")
                )),
                Err(Answer::Graph { code: 190, .. }) => failed(
                    "Meta refused the access token: it is wrong, expired or revoked. Make a new \
                     one (a system user's permanent token in Meta Business Settings) and save it \
                     as access_token.",
                ),
                Err(Answer::Graph { code: 100, .. }) => failed(format!(
                    "Meta knows no phone number with id {phone_number_id} that this token may \
                     use. Copy the Phone number ID from WhatsApp Manager (API Setup) into \
                     phone_number_id, and check that the token belongs to the same business."
                )),
                Err(other) => failed(other.said()),
            }
        }
        ProviderConfig::Facebook {
            page_id,
            page_access_token,
            api_base,
            ..
        } => {
            let request = channels
                .http
                .get(format!("{api_base}/{page_id}"))
                .query(&[("fields", "name")])
                .bearer_auth(page_access_token.expose());
            match ask(request, "Meta's Graph API", api_base).await {
                Ok(body) => ok(format!(
                    "Meta knows this page: {} (id {page_id}).",
                    text(&body, "name")
                )),
                Err(Answer::Graph { code: 190, .. }) => failed(
                    "Meta refused the page access token: it is wrong, expired or revoked. Make \
                     a new one for the page in the Meta app's Messenger settings and save it as \
                     page_access_token.",
                ),
                Err(Answer::Graph { code: 100, .. }) => failed(format!(
                    "Meta knows no page with id {page_id} that this token may use. Copy the \
                     Page ID from the page's About section into page_id, and make the token for \
                     that page."
                )),
                Err(other) => failed(other.said()),
            }
        }
        ProviderConfig::Sms {
            account_sid,
            auth_token,
            api_base,
            from_number,
            ..
        } => {
            let request = channels
                .http
                .get(format!("{api_base}/2010-04-01/Accounts/{account_sid}.json"))
                .basic_auth(account_sid, Some(auth_token.expose()));
            match ask(request, "Twilio", api_base).await {
                Ok(body) if text(&body, "status") == "active" => ok(format!(
                    "Twilio knows this account: {} ({account_sid}); replies go out from \
                     {from_number}.",
                    text(&body, "friendly_name")
                )),
                Ok(body) => failed(format!(
                    "Twilio says account {account_sid} is {}: it cannot send until it is active \
                     again (see the Twilio console).",
                    text(&body, "status")
                )),
                Err(Answer::Status(401)) | Err(Answer::Twilio { code: 20003 }) => failed(
                    "Twilio refused the account SID and auth token: copy both again from the \
                     Twilio console (Account Info) and save them.",
                ),
                Err(Answer::Status(404)) | Err(Answer::Twilio { code: 20404 }) => failed(format!(
                    "Twilio knows no account {account_sid}: copy the Account SID from the \
                         Twilio console."
                )),
                Err(other) => failed(other.said()),
            }
        }
        ProviderConfig::Livechat { .. } => ok(
            "Live chat talks to no provider: paste the embed snippet into the site's pages and \
             list their origins under allowed origins."
                .to_string(),
        ),
    }
}

fn ok(summary: String) -> ChannelCheck {
    ChannelCheck { ok: true, summary }
}

fn failed(summary: impl Into<String>) -> ChannelCheck {
    ChannelCheck {
        ok: false,
        summary: summary.into(),
    }
}

fn text(body: &Value, field: &str) -> String {
    super::text_of(&body[field]).unwrap_or_else(|| "no name given".into())
}

/// Why the provider did not answer with the object.
#[derive(Debug)]
enum Answer {
    /// No answer: not reachable, or too slow.
    Unreachable {
        provider: &'static str,
        base: String,
        why: String,
    },
    /// A Graph API error body.
    Graph { code: i64, message: String },
    /// A Twilio error body.
    Twilio { code: i64 },
    /// Another status, with no error body we know.
    Status(u16),
}

impl Answer {
    fn said(&self) -> String {
        match self {
            Answer::Unreachable {
                provider,
                base,
                why,
            } => format!(
                "{provider} could not be reached at {base} ({why}). Check the server's network \
                 access and the channel's api_base."
            ),
            Answer::Graph { code, message } => {
                format!("Meta answered with error {code}: {message}")
            }
            Answer::Twilio { code } => format!(
                "Twilio answered with error {code} (https://www.twilio.com/docs/errors/{code})."
            ),
            Answer::Status(status) => format!("The provider answered HTTP {status}."),
        }
    }
}

async fn ask(
    request: reqwest::RequestBuilder,
    provider: &'static str,
    base: &str,
) -> Result<Value, Answer> {
    let response =
        request
            .timeout(CHECK_TIMEOUT)
            .send()
            .await
            .map_err(|err| Answer::Unreachable {
                provider,
                base: base.to_string(),
                // Without the URL: its query could carry a token in other providers' schemes.
                why: if err.is_timeout() {
                    format!("no answer within {} s", CHECK_TIMEOUT.as_secs())
                } else if err.is_connect() {
                    "the connection failed".to_string()
                } else {
                    err.without_url().to_string()
                },
            })?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    if let Some(code) = body["error"]["code"].as_i64() {
        let message = body["error"]["message"].as_str().unwrap_or("").to_string();
        return Err(Answer::Graph { code, message });
    }
    if let Some(code) = body["code"].as_i64() {
        return Err(Answer::Twilio { code });
    }
    Err(Answer::Status(status.as_u16()))
}
