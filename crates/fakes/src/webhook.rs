//! Delivering webhooks to the server under test the way Meta and Twilio do.
//!
//! [`MetaWebhook`] POSTs JSON bodies byte for byte (the signature covers the exact bytes, so a
//! body is never re-serialised on the way) with `X-Hub-Signature-256` and the legacy
//! `X-Hub-Signature`, and performs the `hub.challenge` verification handshake.
//! [`TwilioWebhook`] form-encodes parameters in the given order and signs them with
//! `X-Twilio-Signature` over the URL the provider was configured with.
//!
//! Both deliver at least once: [`MetaWebhook::send_twice`] and [`TwilioWebhook::send_twice`]
//! model the duplicate deliveries real providers make when an answer is slow or lost.

use reqwest::header::{CONTENT_TYPE, USER_AGENT};

use crate::signature::{
    meta_signature, meta_signature_sha1, twilio_signature, META_SHA1_SIGNATURE_HEADER,
    META_SIGNATURE_HEADER, TWILIO_SIGNATURE_HEADER,
};
use crate::FakeError;

/// Form parameters in wire order: name, value.
pub type FormParams = Vec<(String, String)>;

/// What the server under test answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookResponse {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The response body as text.
    pub body: String,
}

impl WebhookResponse {
    /// Whether the status is 2xx, which is what makes a provider stop retrying.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    async fn read(url: &str, response: reqwest::Response) -> Result<Self, FakeError> {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.map_err(|source| FakeError::Http {
            url: url.to_owned(),
            source,
        })?;
        Ok(Self {
            status,
            content_type,
            body,
        })
    }
}

/// A download made through [`fetch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// HTTP status code after following redirects.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body bytes.
    pub bytes: Vec<u8>,
}

/// GETs `url` without credentials (following redirects), as a provider fetching a `MediaUrl`
/// or an attachment `payload.url` from the server would.
pub async fn fetch(url: &str) -> Result<Fetched, FakeError> {
    let http_error = |source| FakeError::Http {
        url: url.to_owned(),
        source,
    };
    let response = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .map_err(http_error)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.map_err(http_error)?.to_vec();
    Ok(Fetched {
        status,
        content_type,
        bytes,
    })
}

/// Told of every body a [`MetaWebhook`] delivers: the fake Graph API learns from them when
/// each customer last wrote, as Meta knows, to hold sends to the reply window.
pub(crate) trait DeliveryObserver: std::fmt::Debug + Send + Sync {
    fn delivered(&self, body: &[u8]);
}

/// Delivers Meta webhooks (WhatsApp Cloud API and Messenger share the format) to one endpoint.
#[derive(Clone, Debug)]
pub struct MetaWebhook {
    client: reqwest::Client,
    target: String,
    app_secret: String,
    observer: Option<std::sync::Arc<dyn DeliveryObserver>>,
}

impl MetaWebhook {
    /// A sender for `target` (e.g. `http://127.0.0.1:PORT/webhooks/whatsapp/wa-main`) signing
    /// with the Meta app secret.
    pub fn new(target: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Self {
            client: reqwest::Client::new(),
            target: target.into(),
            app_secret: app_secret.into(),
            observer: None,
        }
    }

    pub(crate) fn observed_by(mut self, observer: std::sync::Arc<dyn DeliveryObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The URL webhooks are delivered to.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// POSTs `body` exactly as given, signed over those bytes.
    pub async fn send(&self, body: &[u8]) -> Result<WebhookResponse, FakeError> {
        let signature = meta_signature(&self.app_secret, body);
        self.post(body, Some(&signature)).await
    }

    /// POSTs `body` with a chosen `X-Hub-Signature-256` (or none), for signature-rejection tests.
    pub async fn send_with_signature(
        &self,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<WebhookResponse, FakeError> {
        self.post(body, signature).await
    }

    /// Delivers the same body twice in a row, as Meta does when it retries.
    pub async fn send_twice(
        &self,
        body: &[u8],
    ) -> Result<(WebhookResponse, WebhookResponse), FakeError> {
        let first = self.send(body).await?;
        let second = self.send(body).await?;
        Ok((first, second))
    }

    /// Delivers each body in turn, stopping at the first request that gets no answer.
    pub async fn send_all<B: AsRef<[u8]>>(
        &self,
        bodies: impl IntoIterator<Item = B>,
    ) -> Result<Vec<WebhookResponse>, FakeError> {
        let mut responses = Vec::new();
        for body in bodies {
            responses.push(self.send(body.as_ref()).await?);
        }
        Ok(responses)
    }

    /// The subscription handshake: `GET target?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`
    /// (Meta's own parameter order). A correct server answers 200 with the challenge as text.
    pub async fn verify(
        &self,
        verify_token: &str,
        challenge: &str,
    ) -> Result<WebhookResponse, FakeError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.challenge", challenge)
            .append_pair("hub.verify_token", verify_token)
            .finish();
        let separator = if self.target.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}{query}", self.target);
        let response = self
            .client
            .get(&url)
            .header(
                USER_AGENT,
                "facebookplatform/1.0 (+http://developers.facebook.com)",
            )
            .send()
            .await
            .map_err(|source| FakeError::Http {
                url: url.clone(),
                source,
            })?;
        WebhookResponse::read(&url, response).await
    }

    async fn post(
        &self,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<WebhookResponse, FakeError> {
        if let Some(observer) = &self.observer {
            observer.delivered(body);
        }
        let mut request = self
            .client
            .post(&self.target)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, "facebookexternalua")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header(META_SIGNATURE_HEADER, signature).header(
                META_SHA1_SIGNATURE_HEADER,
                meta_signature_sha1(&self.app_secret, body),
            );
        }
        let response = request.send().await.map_err(|source| FakeError::Http {
            url: self.target.clone(),
            source,
        })?;
        WebhookResponse::read(&self.target, response).await
    }
}

/// Delivers Twilio webhooks (inbound messages and status callbacks) to one endpoint.
#[derive(Clone, Debug)]
pub struct TwilioWebhook {
    client: reqwest::Client,
    target: String,
    signing_url: String,
    auth_token: String,
}

impl TwilioWebhook {
    /// A sender POSTing to `target` and signing over the same URL, which is right when the
    /// server's `public_url` is the address the test reaches it on.
    pub fn new(target: impl Into<String>, auth_token: impl Into<String>) -> Self {
        let target = target.into();
        Self {
            client: reqwest::Client::new(),
            signing_url: target.clone(),
            target,
            auth_token: auth_token.into(),
        }
    }

    /// Signs over `url` instead of the target: Twilio signs the URL it was configured with
    /// (the server's `public_url` + path), which differs from the socket address behind a proxy.
    pub fn signing_url(mut self, url: impl Into<String>) -> Self {
        self.signing_url = url.into();
        self
    }

    /// The URL webhooks are delivered to.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// POSTs `params` form-encoded in the given order, signed.
    pub async fn send(&self, params: &[(String, String)]) -> Result<WebhookResponse, FakeError> {
        let signature = twilio_signature(&self.auth_token, &self.signing_url, params);
        self.post(params, Some(&signature)).await
    }

    /// POSTs `params` with a chosen `X-Twilio-Signature` (or none), for rejection tests.
    pub async fn send_with_signature(
        &self,
        params: &[(String, String)],
        signature: Option<&str>,
    ) -> Result<WebhookResponse, FakeError> {
        self.post(params, signature).await
    }

    /// Delivers the same form twice in a row, as Twilio does when the first answer is late.
    pub async fn send_twice(
        &self,
        params: &[(String, String)],
    ) -> Result<(WebhookResponse, WebhookResponse), FakeError> {
        let first = self.send(params).await?;
        let second = self.send(params).await?;
        Ok((first, second))
    }

    /// Delivers each form in turn, stopping at the first request that gets no answer.
    pub async fn send_all<P: AsRef<[(String, String)]>>(
        &self,
        forms: impl IntoIterator<Item = P>,
    ) -> Result<Vec<WebhookResponse>, FakeError> {
        let mut responses = Vec::new();
        for params in forms {
            responses.push(self.send(params.as_ref()).await?);
        }
        Ok(responses)
    }

    async fn post(
        &self,
        params: &[(String, String)],
        signature: Option<&str>,
    ) -> Result<WebhookResponse, FakeError> {
        let body = encode_form(params);
        let mut request = self
            .client
            .post(&self.target)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(USER_AGENT, "TwilioProxy/1.1")
            // Twilio repeats this token when it retries the same event.
            .header("I-Twilio-Idempotency-Token", idempotency_token(params))
            .body(body);
        if let Some(signature) = signature {
            request = request.header(TWILIO_SIGNATURE_HEADER, signature);
        }
        let response = request.send().await.map_err(|source| FakeError::Http {
            url: self.target.clone(),
            source,
        })?;
        WebhookResponse::read(&self.target, response).await
    }
}

/// `application/x-www-form-urlencoded` as Twilio writes it: spaces as `+`, `+` as `%2B`.
pub fn encode_form(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// Decodes a form body into ordered pairs, keeping repeated names.
pub fn decode_form(body: &[u8]) -> FormParams {
    form_urlencoded::parse(body).into_owned().collect()
}

fn idempotency_token(params: &[(String, String)]) -> String {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for (name, value) in params {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    let digest = hex::encode(hasher.finalize());
    format!("{}-{}", &digest[..8], &digest[8..40])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_encoded_the_way_twilio_puts_them_on_the_wire() {
        let params = vec![("Body".to_owned(), "hi there, 2+3=4".to_owned())];
        assert_eq!(encode_form(&params), "Body=hi+there%2C+2%2B3%3D4");
        assert_eq!(decode_form(encode_form(&params).as_bytes()), params);
    }
}
