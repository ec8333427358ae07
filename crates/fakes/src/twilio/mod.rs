//! The fake Twilio Programmable Messaging API on a loopback server.
//!
//! Point the server's `api_base` at [`FakeTwilio::base_url`]. The fake takes
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic auth, validates the
//! form as Twilio does, records it, and answers with Twilio's message resource or its error
//! body `{"code","message","more_info","status"}`, formatted as Twilio formats JSON. Tests
//! script per-recipient failures (21211 invalid number, 21610 unsubscribed, 500/503).
//!
//! Inbound MMS media is served like Twilio serves it: the `MediaUrlN` needs Basic auth and
//! redirects to a short-lived CDN URL that needs none.

pub mod callbacks;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::journal::Journal;
use crate::serve::{bind, lock, Serving};
use crate::webhook::{decode_form, fetch, Fetched, FormParams, TwilioWebhook};
use crate::{ids, FakeError};
use callbacks::TwilioInbound;

/// How the fake Twilio is set up. `Default` gives working test values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwilioOptions {
    /// The account SID (`AC` + 32 hex), the Basic auth user (channel `account_sid`).
    pub account_sid: String,
    /// The auth token, the Basic auth password and the webhook signing key.
    pub auth_token: String,
    /// The account's name (`friendly_name` of `GET /Accounts/{sid}.json`).
    pub friendly_name: String,
    /// How long a media CDN redirect target works.
    pub media_url_ttl: Duration,
}

impl Default for TwilioOptions {
    fn default() -> Self {
        Self {
            account_sid: "ACf00dfeedf00dfeedf00dfeedf00dfeed".to_owned(),
            auth_token: "0123456789abcdef0123456789abcdef".to_owned(),
            friendly_name: "Switchboard Demo".to_owned(),
            media_url_ttl: Duration::from_secs(5 * 60),
        }
    }
}

/// What Twilio does to a send, scripted per recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwilioFailure {
    /// 21211, HTTP 400: "Invalid 'To' Phone Number".
    InvalidTo,
    /// 21610, HTTP 400: the recipient replied STOP.
    Unsubscribed,
    /// A temporary outage: 503 answers 20503, anything else 500 with 20500.
    Transient {
        /// The HTTP status to answer, normally 500 or 503.
        status: u16,
    },
}

/// One `POST …/Messages.json`, accepted or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwilioSend {
    /// The account in the path.
    pub account_sid: String,
    /// The sid minted for an accepted message (`SM…`, `MM…` with media).
    pub sid: Option<String>,
    /// `To`.
    pub to: String,
    /// `From`, if given.
    pub from: Option<String>,
    /// `MessagingServiceSid`, if given instead of (or with) `From`.
    pub messaging_service_sid: Option<String>,
    /// `Body` (empty when absent).
    pub body: String,
    /// Every `MediaUrl`, in order; the fake does not fetch them (see
    /// [`FakeTwilio::fetch_media_url`]).
    pub media_urls: Vec<String>,
    /// `StatusCallback`, where status callbacks for this message go.
    pub status_callback: Option<String>,
    /// All form fields as received.
    pub params: FormParams,
    /// The HTTP status the fake answered.
    pub http_status: u16,
}

impl TwilioSend {
    /// Whether Twilio accepted it (201).
    pub fn accepted(&self) -> bool {
        self.http_status == 201
    }
}

/// A running fake Twilio; it stops when dropped.
#[derive(Debug)]
pub struct FakeTwilio {
    state: Arc<TwilioState>,
    _serving: Serving,
}

impl FakeTwilio {
    /// Starts the fake on a free loopback port.
    pub async fn start(options: TwilioOptions) -> Result<Self, FakeError> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), options).await
    }

    /// Starts the fake on `addr` (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr, options: TwilioOptions) -> Result<Self, FakeError> {
        let (listener, local) = bind(addr).await?;
        let state = Arc::new(TwilioState {
            options,
            base_url: format!("http://{local}"),
            sends: Journal::new(),
            store: Mutex::new(TwilioStore::default()),
        });
        let router = Router::new()
            .route("/2010-04-01/Accounts/{account}", get(fetch_account))
            .route(
                "/2010-04-01/Accounts/{account}/Messages.json",
                post(create_message),
            )
            .route(
                "/2010-04-01/Accounts/{account}/Messages/{file}",
                get(fetch_message),
            )
            .route(
                "/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}",
                get(fetch_media),
            )
            .route("/cdn/{token}", get(download_media))
            .fallback(unknown_path)
            .with_state(Arc::clone(&state));
        Ok(Self {
            state,
            _serving: Serving::spawn(listener, router),
        })
    }

    /// The `api_base` for the server's config, e.g. `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// The options the fake runs with.
    pub fn options(&self) -> &TwilioOptions {
        &self.state.options
    }

    /// A webhook sender for `target` signing with the configured auth token.
    pub fn webhook(&self, target: impl Into<String>) -> TwilioWebhook {
        TwilioWebhook::new(target, self.state.options.auth_token.clone())
    }

    /// A sender for the status callbacks of `send`, signed over its `StatusCallback` URL as
    /// Twilio signs them; `None` if the send named no callback.
    pub fn status_webhook(&self, send: &TwilioSend) -> Option<TwilioWebhook> {
        send.status_callback
            .as_ref()
            .map(|url| self.webhook(url.clone()))
    }

    /// Every send to `to` fails with `failure` until [`FakeTwilio::clear_failures`].
    pub fn fail_sms(&self, to: &str, failure: TwilioFailure) {
        self.script(to, failure, None);
    }

    /// The next `times` sends to `to` fail with `failure`, later ones succeed.
    pub fn fail_sms_times(&self, to: &str, failure: TwilioFailure, times: u32) {
        self.script(to, failure, Some(times));
    }

    /// Forgets all scripted failures.
    pub fn clear_failures(&self) {
        lock(&self.state.store).failures.clear();
    }

    /// Every send request so far, accepted or rejected, in arrival order.
    pub fn sends(&self) -> Vec<TwilioSend> {
        self.state.sends.snapshot()
    }

    /// Accepted sends.
    pub fn sent_sms(&self) -> Vec<TwilioSend> {
        self.sends()
            .into_iter()
            .filter(TwilioSend::accepted)
            .collect()
    }

    /// Waits until `count` sends were accepted; returns all accepted sends.
    pub async fn wait_for_sms(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<TwilioSend>, FakeError> {
        self.state
            .sends
            .wait_for(count, timeout, TwilioSend::accepted, "accepted SMS sends")
            .await
    }

    /// GETs a `MediaUrl` the server gave Twilio, without credentials, as Twilio's media
    /// fetcher does: proof that the attachment is publicly reachable.
    pub async fn fetch_media_url(&self, url: &str) -> Result<Fetched, FakeError> {
        fetch(url).await
    }

    /// Stores inbound media for `message_sid` and returns its `MediaUrl`
    /// (`…/Accounts/{AC}/Messages/{MM}/Media/{ME}`), served behind Basic auth.
    pub fn add_media(&self, message_sid: &str, bytes: &[u8], content_type: &str) -> String {
        let media_sid = ids::twilio_sid("ME");
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages/{message_sid}/Media/{media_sid}",
            self.state.base_url, self.state.options.account_sid
        );
        lock(&self.state.store).media.insert(
            media_sid,
            TwilioMedia {
                bytes: bytes.to_vec(),
                content_type: content_type.to_owned(),
            },
        );
        url
    }

    /// An inbound SMS from `from` to the business number `to`.
    pub fn inbound_sms(&self, from: &str, to: &str, body: &str) -> TwilioInbound {
        TwilioInbound::sms(self.state.options.account_sid.clone(), from, to, body)
    }

    /// An inbound MMS; each `(bytes, content type)` is stored and becomes a `MediaUrlN`.
    pub fn inbound_mms(
        &self,
        from: &str,
        to: &str,
        body: &str,
        media: &[(&[u8], &str)],
    ) -> TwilioInbound {
        let mut inbound = self.inbound_sms(from, to, body);
        inbound.message_sid = ids::twilio_sid("MM");
        for (bytes, content_type) in media {
            let url = self.add_media(&inbound.message_sid, bytes, content_type);
            inbound = inbound.with_media(url, *content_type);
        }
        inbound
    }

    /// Makes every CDN redirect target handed out so far expire now.
    pub fn expire_media_urls(&self) {
        let now = Instant::now();
        for link in lock(&self.state.store).cdn.values_mut() {
            link.expires_at = now;
        }
    }

    fn script(&self, to: &str, failure: TwilioFailure, times: Option<u32>) {
        lock(&self.state.store)
            .failures
            .insert(to.to_owned(), (failure, times));
    }
}

#[derive(Debug)]
struct TwilioState {
    options: TwilioOptions,
    base_url: String,
    sends: Journal<TwilioSend>,
    store: Mutex<TwilioStore>,
}

#[derive(Debug, Default)]
struct TwilioStore {
    /// Recipient → failure and how many more times (None: always).
    failures: HashMap<String, (TwilioFailure, Option<u32>)>,
    /// Message sid → resource JSON, for `GET …/Messages/{sid}.json`.
    messages: HashMap<String, Value>,
    media: HashMap<String, TwilioMedia>,
    cdn: HashMap<String, CdnLink>,
}

impl TwilioStore {
    fn take_failure(&mut self, to: &str) -> Option<TwilioFailure> {
        let (failure, remaining) = self.failures.get_mut(to)?;
        let failure = *failure;
        match remaining {
            None => {}
            Some(0) => {
                self.failures.remove(to);
                return None;
            }
            Some(n) => *n -= 1,
        }
        Some(failure)
    }
}

#[derive(Debug)]
struct TwilioMedia {
    bytes: Vec<u8>,
    content_type: String,
}

#[derive(Debug)]
struct CdnLink {
    media_sid: String,
    expires_at: Instant,
}

type Shared = State<Arc<TwilioState>>;

async fn create_message(
    State(state): Shared,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorised(&state.options, &headers) {
        return TwilioError::authenticate().into_response();
    }
    if account != state.options.account_sid {
        return TwilioError::not_found(&format!("/2010-04-01/Accounts/{account}/Messages.json"))
            .into_response();
    }
    let params = decode_form(&body);
    let field = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut send = TwilioSend {
        account_sid: account,
        sid: None,
        to: field("To").unwrap_or_default(),
        from: field("From"),
        messaging_service_sid: field("MessagingServiceSid"),
        body: field("Body").unwrap_or_default(),
        media_urls: params
            .iter()
            .filter(|(k, _)| k == "MediaUrl")
            .map(|(_, v)| v.clone())
            .collect(),
        status_callback: field("StatusCallback"),
        params: params.clone(),
        http_status: 201,
    };
    let response = match check_send(&state, &send) {
        Ok(()) => {
            let prefix = if send.media_urls.is_empty() {
                "SM"
            } else {
                "MM"
            };
            let sid = ids::twilio_sid(prefix);
            let resource = message_resource(&send, &sid);
            lock(&state.store)
                .messages
                .insert(sid.clone(), resource.clone());
            send.sid = Some(sid);
            twilio_json(StatusCode::CREATED, &resource)
        }
        Err(error) => {
            send.http_status = error.status.as_u16();
            error.into_response()
        }
    };
    state.sends.push(send);
    response
}

fn check_send(state: &TwilioState, send: &TwilioSend) -> Result<(), TwilioError> {
    if send.to.is_empty() {
        return Err(TwilioError::bad_request(
            21604,
            "A 'To' phone number is required.",
        ));
    }
    if send.from.is_none() && send.messaging_service_sid.is_none() {
        return Err(TwilioError::bad_request(
            21603,
            "A 'From' phone number is required.",
        ));
    }
    if send.body.is_empty() && send.media_urls.is_empty() {
        return Err(TwilioError::bad_request(21602, "Message body is required."));
    }
    if send.body.chars().count() > 1600 {
        return Err(TwilioError::bad_request(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    if !plausible_number(&send.to) {
        return Err(TwilioError::invalid_to(&send.to));
    }
    match lock(&state.store).take_failure(&send.to) {
        None => Ok(()),
        Some(TwilioFailure::InvalidTo) => Err(TwilioError::invalid_to(&send.to)),
        Some(TwilioFailure::Unsubscribed) => Err(TwilioError::bad_request(
            21610,
            "Attempt to send to unsubscribed recipient",
        )),
        Some(TwilioFailure::Transient { status: 503 }) => Err(TwilioError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: 20503,
            message: "Service unavailable".to_owned(),
        }),
        Some(TwilioFailure::Transient { .. }) => Err(TwilioError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 20500,
            message: "An internal server error has occurred".to_owned(),
        }),
    }
}

/// E.164 (`+` and up to 15 digits), a short code, or either behind a `whatsapp:` prefix.
fn plausible_number(to: &str) -> bool {
    let number = to.strip_prefix("whatsapp:").unwrap_or(to);
    let digits = number.strip_prefix('+').unwrap_or(number);
    (3..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// The message resource Twilio answers a create with (and serves at its `uri`).
fn message_resource(send: &TwilioSend, sid: &str) -> Value {
    let now = chrono::Utc::now().to_rfc2822();
    let uri = format!("/2010-04-01/Accounts/{}/Messages/{sid}", send.account_sid);
    // A Messaging Service picks the sender later, so the message starts as "accepted".
    let status = if send.from.is_none() {
        "accepted"
    } else {
        "queued"
    };
    json!({
        "account_sid": send.account_sid,
        "api_version": "2010-04-01",
        "body": send.body,
        "date_created": now,
        "date_sent": null,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": send.from,
        "messaging_service_sid": send.messaging_service_sid,
        "num_media": send.media_urls.len().to_string(),
        "num_segments": segments(&send.body).to_string(),
        "price": null,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {"media": format!("{uri}/Media.json")},
        "to": send.to,
        "uri": format!("{uri}.json"),
    })
}

async fn fetch_message(
    State(state): Shared,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !authorised(&state.options, &headers) {
        return TwilioError::authenticate().into_response();
    }
    let resource = file
        .strip_suffix(".json")
        .filter(|_| account == state.options.account_sid)
        .and_then(|sid| lock(&state.store).messages.get(sid).cloned());
    match resource {
        Some(resource) => twilio_json(StatusCode::OK, &resource),
        None => TwilioError::not_found(uri.path()).into_response(),
    }
}

/// `GET /2010-04-01/Accounts/{AccountSid}.json`: the account, as "Check connection" asks for
/// it. Only the account's own credentials see it (anything else is 401 20003, as on Twilio).
async fn fetch_account(
    State(state): Shared,
    Path(file): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !authorised(&state.options, &headers) {
        return TwilioError::authenticate().into_response();
    }
    let sid = &state.options.account_sid;
    if file.strip_suffix(".json") != Some(sid.as_str()) {
        return TwilioError::not_found(uri.path()).into_response();
    }
    let created = "Thu, 30 Jul 2015 20:00:00 +0000";
    let base = format!("/2010-04-01/Accounts/{sid}");
    twilio_json(
        StatusCode::OK,
        &json!({
            "auth_token": state.options.auth_token,
            "date_created": created,
            "date_updated": created,
            "friendly_name": state.options.friendly_name,
            "owner_account_sid": sid,
            "sid": sid,
            "status": "active",
            "subresource_uris": {
                "incoming_phone_numbers": format!("{base}/IncomingPhoneNumbers.json"),
                "messages": format!("{base}/Messages.json"),
            },
            "type": "Full",
            "uri": format!("{base}.json"),
        }),
    )
}

async fn fetch_media(
    State(state): Shared,
    Path((account, _message, media)): Path<(String, String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    // Without an extension Twilio answers in XML, errors included.
    if !authorised(&state.options, &headers) {
        return xml_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let mut store = lock(&state.store);
    if account != state.options.account_sid || !store.media.contains_key(&media) {
        return xml_error(
            StatusCode::NOT_FOUND,
            20404,
            &format!("The requested resource {} was not found", uri.path()),
        );
    }
    // Twilio redirects to a short-lived, unauthenticated CDN URL.
    let token = ids::url_token();
    store.cdn.insert(
        token.clone(),
        CdnLink {
            media_sid: media,
            expires_at: Instant::now() + state.options.media_url_ttl,
        },
    );
    let location = format!("{}/cdn/{token}", state.base_url);
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn download_media(State(state): Shared, Path(token): Path<String>) -> Response {
    let store = lock(&state.store);
    let link = store.cdn.get(&token);
    let media = link
        .filter(|link| Instant::now() < link.expires_at)
        .and_then(|link| store.media.get(&link.media_sid));
    match (link, media) {
        (Some(_), Some(media)) => {
            let content_type = HeaderValue::from_str(&media.content_type)
                .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            (
                StatusCode::OK,
                [(CONTENT_TYPE, content_type)],
                media.bytes.clone(),
            )
                .into_response()
        }
        // The CDN is S3: an expired presigned URL gets its XML AccessDenied.
        _ => (
            StatusCode::FORBIDDEN,
            [(CONTENT_TYPE, "application/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        )
            .into_response(),
    }
}

async fn unknown_path(uri: Uri) -> Response {
    TwilioError::not_found(uri.path()).into_response()
}

fn authorised(options: &TwilioOptions, headers: &HeaderMap) -> bool {
    let Some(encoded) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let expected = format!("{}:{}", options.account_sid, options.auth_token);
    decoded == expected.as_bytes()
}

/// How many SMS segments `body` takes: GSM-7 fits 160 characters in one segment and 153 per
/// part when split; anything outside GSM-7 switches to UCS-2 (70, then 67 per part).
pub(crate) fn segments(body: &str) -> usize {
    const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const GSM_EXTENDED: &str = "^{}\\[~]|€\u{c}";
    let mut septets = 0;
    let mut gsm = true;
    for c in body.chars() {
        if GSM_BASIC.contains(c) {
            septets += 1;
        } else if GSM_EXTENDED.contains(c) {
            septets += 2;
        } else {
            gsm = false;
            break;
        }
    }
    let (units, single, part) = if gsm {
        (septets, 160, 153)
    } else {
        (body.encode_utf16().count(), 70, 67)
    };
    if units <= single {
        1
    } else {
        units.div_ceil(part)
    }
}

/// Twilio's error body `{"code", "message", "more_info", "status"}`.
#[derive(Debug)]
struct TwilioError {
    status: StatusCode,
    code: u32,
    message: String,
}

impl TwilioError {
    fn authenticate() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: 20003,
            message: "Authenticate".to_owned(),
        }
    }

    fn not_found(path: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: 20404,
            message: format!("The requested resource {path} was not found"),
        }
    }

    fn bad_request(code: u32, message: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.to_owned(),
        }
    }

    fn invalid_to(to: &str) -> Self {
        Self::bad_request(21211, &format!("Invalid 'To' Phone Number: {to}"))
    }
}

impl IntoResponse for TwilioError {
    fn into_response(self) -> Response {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status.as_u16(),
        });
        let mut response = twilio_json(self.status, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Twilio API\""),
            );
        }
        response
    }
}

fn xml_error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?>\n<TwilioResponse><RestException><Code>{code}</Code><Message>{message}</Message><MoreInfo>https://www.twilio.com/docs/errors/{code}</MoreInfo><Status>{}</Status></RestException></TwilioResponse>",
        status.as_u16()
    );
    let mut response = (status, [(CONTENT_TYPE, "application/xml")], body).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
    }
    response
}

/// Twilio's API writes JSON with a space after every `:` and `,`, keys sorted.
fn twilio_json(status: StatusCode, value: &Value) -> Response {
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, SpacedFormatter);
    match serde::Serialize::serialize(value, &mut serializer) {
        Ok(()) => (
            status,
            [(CONTENT_TYPE, "application/json; charset=utf-8")],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Compact JSON with `", "` and `": "` separators.
struct SpacedFormatter;

impl serde_json::ser::Formatter for SpacedFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

#[cfg(test)]
impl TwilioSend {
    pub(crate) fn example() -> Self {
        Self {
            account_sid: "ACx".to_owned(),
            sid: Some("SM1".to_owned()),
            to: "+15005550006".to_owned(),
            from: Some("+15005550001".to_owned()),
            messaging_service_sid: None,
            body: "hello".to_owned(),
            media_urls: Vec::new(),
            status_callback: None,
            params: Vec::new(),
            http_status: 201,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_gsm7_and_ucs2_limits() {
        assert_eq!(segments(""), 1);
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        assert_eq!(
            segments(&"€".repeat(80)),
            1,
            "extension characters count twice"
        );
        assert_eq!(segments(&"€".repeat(81)), 2);
        assert_eq!(segments(&"ç".repeat(70)), 1, "ç is not GSM-7: UCS-2");
        assert_eq!(segments(&"ç".repeat(71)), 2);
        assert_eq!(segments("😮"), 1, "one emoji is two UTF-16 units");
    }

    #[test]
    fn plausible_numbers_are_e164_short_codes_or_whatsapp_addresses() {
        assert!(plausible_number("+16505551234"));
        assert!(plausible_number("whatsapp:+31612345678"));
        assert!(plausible_number("2021"));
        assert!(!plausible_number("not a number"));
        assert!(!plausible_number("+0123"));
        assert!(!plausible_number("+1234567890123456"));
    }
}
