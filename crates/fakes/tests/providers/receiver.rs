//! A stand-in for the Switchboard server's webhook endpoints, verifying signatures with its own
//! HMAC code (not the crate's) so the fakes are checked against the specification rather than
//! against themselves.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

pub const APP_SECRET: &str = "receiver-app-secret";
pub const AUTH_TOKEN: &str = "receiver-auth-token";
pub const VERIFY_TOKEN: &str = "receiver-verify-token";

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub signature_ok: bool,
}

impl Received {
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("Meta webhooks are JSON")
    }
}

pub struct Receiver {
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Shared {
    public_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Listens on a free port; its public URL is the address itself, as in the tests' server
    /// config. `/media/{name}` serves bytes without auth (an agent's attachment).
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            public_url: base_url.clone(),
            received: Arc::clone(&received),
        };
        let router = Router::new()
            .route("/media/{name}", get(media))
            .fallback(receive)
            .with_state(shared);
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            base_url,
            received,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn media(Path(name): Path<String>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "image/png")],
        format!("bytes of {name}"),
    )
        .into_response()
}

async fn receive(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if method == Method::GET {
        return handshake(&uri);
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let twilio = path.starts_with("/webhooks/sms/");
    let signature_ok = if twilio {
        let url = format!(
            "{}{}",
            shared.public_url,
            uri.path_and_query().map_or("", |pq| pq.as_str())
        );
        let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
        header("x-twilio-signature") == Some(twilio_expected(AUTH_TOKEN, &url, &params))
    } else {
        header("x-hub-signature-256") == Some(meta_expected(APP_SECRET, &body))
            && header("x-hub-signature") == Some(meta_sha1_expected(APP_SECRET, &body))
    };
    shared.received.lock().unwrap().push(Received {
        path,
        headers,
        body: body.to_vec(),
        signature_ok,
    });
    match (signature_ok, twilio) {
        (false, _) => StatusCode::UNAUTHORIZED.into_response(),
        (true, true) => (
            [(axum::http::header::CONTENT_TYPE, "text/xml")],
            "<Response/>",
        )
            .into_response(),
        (true, false) => StatusCode::OK.into_response(),
    }
}

/// Meta's verification: echo `hub.challenge` when mode and token match, else 403.
fn handshake(uri: &Uri) -> Response {
    let query: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match (
        get("hub.mode"),
        get("hub.verify_token"),
        get("hub.challenge"),
    ) {
        (Some("subscribe"), Some(VERIFY_TOKEN), Some(challenge)) => (
            [(axum::http::header::CONTENT_TYPE, "text/plain")],
            challenge.to_owned(),
        )
            .into_response(),
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

pub fn meta_expected(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn meta_sha1_expected(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Twilio's algorithm as documented: URL, then each parameter name and value, sorted by name.
pub fn twilio_expected(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut data = url.to_owned();
    for (name, value) in sorted {
        data.push_str(&name);
        data.push_str(&value);
    }
    let mut mac = Hmac::<Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
