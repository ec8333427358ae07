//! The fake Graph API: the WhatsApp Cloud API and the Messenger Platform on one loopback server.
//!
//! Point the server's `api_base` at [`FakeGraph::base_url`]. The fake checks tokens, validates
//! requests the way the real API does, records every call, and answers with Graph's own
//! success and error bodies (`{"error":{"message","type","code","fbtrace_id"}}`). Tests script
//! what the real platform does to a given recipient: the 24-hour window closing (WhatsApp
//! 131047, Messenger 10/2018278) or a transient outage (500/503).
//!
//! Media works as on the real platform: an uploaded or staged media id resolves to a download
//! URL that needs the bearer token and stops working after `media_url_ttl`; Messenger
//! attachment URLs need no token but expire too.

mod endpoints;
mod error;
pub mod messenger;
pub mod templates;
pub mod whatsapp;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::journal::Journal;
use crate::serve::{bind, lock, Serving};
use crate::webhook::MetaWebhook;
use crate::{ids, FakeError};
use endpoints::unix_after;
use whatsapp::{MediaRef, WhatsAppBusiness};

/// How the fake Graph API is set up. `Default` gives working test values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphOptions {
    /// The version segment of [`FakeGraph::base_url`]; every version is served alike.
    pub api_version: String,
    /// The bearer token the WhatsApp endpoints accept (channel `access_token`).
    pub whatsapp_access_token: String,
    /// The token the Messenger endpoints accept (channel `page_access_token`).
    pub page_access_token: String,
    /// The Facebook page id; `POST /{page_id}/messages` is the Send API like `/me/messages`.
    pub page_id: String,
    /// The page's name (`GET /{page_id}?fields=name` with the page token).
    pub page_name: String,
    /// The business phone number the WhatsApp token may use: `GET /{phone_number_id}` answers
    /// its `display_phone_number` and `verified_name` (what "Check connection" asks).
    pub phone_number_id: String,
    /// The WhatsApp Business Account whose message templates `GET /{waba_id}/message_templates`
    /// lists (with the WhatsApp token).
    pub waba_id: String,
    pub display_phone_number: String,
    pub verified_name: String,
    /// The Meta app secret that [`FakeGraph::webhook`] signs deliveries with.
    pub app_secret: String,
    /// How long a media download URL (and a Messenger attachment URL) works; Meta says 5 minutes.
    pub media_url_ttl: Duration,
    /// How long a send waits, after the platform has taken it, before it answers: a slow
    /// network, so a test can stop the server while replies are in flight.
    pub send_delay: Duration,
}

impl Default for GraphOptions {
    fn default() -> Self {
        Self {
            api_version: "v23.0".to_owned(),
            whatsapp_access_token: "fake-whatsapp-access-token".to_owned(),
            page_access_token: "fake-page-access-token".to_owned(),
            page_id: "1717527131834678".to_owned(),
            page_name: "Switchboard Demo".to_owned(),
            phone_number_id: WhatsAppBusiness::default().phone_number_id,
            waba_id: WhatsAppBusiness::default().waba_id,
            display_phone_number: "+1 555-078-3881".to_owned(),
            verified_name: "Switchboard Demo".to_owned(),
            app_secret: "fake-app-secret".to_owned(),
            media_url_ttl: Duration::from_secs(5 * 60),
            send_delay: Duration::ZERO,
        }
    }
}

/// What the platform does to a send, scripted per recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFailure {
    /// More than 24 hours since the customer last wrote: WhatsApp 131047 (re-engagement),
    /// Messenger 10 / 2018278 (outside the allowed window). HTTP 400; retrying cannot help.
    OutsideWindow,
    /// A temporary outage with `is_transient: true`; `status` 503 answers "service
    /// unavailable", anything else 500 "something went wrong". Retrying later succeeds.
    Transient {
        /// The HTTP status to answer, normally 500 or 503.
        status: u16,
    },
}

/// Which endpoint a recorded call hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphApi {
    /// `POST /{phone_number_id}/messages` sending a message.
    WhatsAppMessage,
    /// `POST /{phone_number_id}/messages` with `status: read` (a read receipt).
    WhatsAppMarkRead,
    /// `POST /me/messages` sending a message.
    MessengerMessage,
    /// `POST /me/messages` with only a `sender_action` (typing, mark seen).
    MessengerSenderAction,
}

/// One request to a send endpoint, accepted or not.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphCall {
    /// Which endpoint.
    pub api: GraphApi,
    /// The node in the path: the phone number id, `me` or the page id.
    pub node: String,
    /// The request body as JSON (`Value::String` with the raw text if it was not JSON).
    pub body: Value,
    /// The HTTP status the fake answered.
    pub status: u16,
    /// The message id the fake minted, for accepted messages.
    pub message_id: Option<String>,
}

impl GraphCall {
    /// Whether the platform accepted it.
    pub fn accepted(&self) -> bool {
        self.status == 200
    }
}

/// Media held by the fake, uploaded by the server or staged by a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMedia {
    /// Id, MIME type, checksum and size.
    pub media: MediaRef,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The phone number id it was uploaded through, or `None` if a test staged it.
    pub uploaded_via: Option<String>,
}

/// A running fake Graph API; it stops when dropped.
#[derive(Debug)]
pub struct FakeGraph {
    state: Arc<GraphState>,
    base_url: String,
    _serving: Serving,
}

impl FakeGraph {
    /// Starts the fake on a free loopback port.
    pub async fn start(options: GraphOptions) -> Result<Self, FakeError> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), options).await
    }

    /// Starts the fake on `addr` (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr, options: GraphOptions) -> Result<Self, FakeError> {
        let (listener, local) = bind(addr).await?;
        let origin = format!("http://{local}");
        let base_url = format!("{origin}/{}", options.api_version);
        let state = Arc::new(GraphState {
            options,
            origin,
            calls: Journal::new(),
            store: Mutex::new(GraphStore::default()),
        });
        let router = endpoints::router(Arc::clone(&state));
        Ok(Self {
            state,
            base_url,
            _serving: Serving::spawn(listener, router),
        })
    }

    /// The `api_base` for the server's config, e.g. `http://127.0.0.1:PORT/v23.0`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `http://127.0.0.1:PORT`, where media and attachment URLs point.
    pub fn origin(&self) -> &str {
        &self.state.origin
    }

    /// The options the fake runs with (tokens, page id, app secret).
    pub fn options(&self) -> &GraphOptions {
        &self.state.options
    }

    /// A webhook sender for `target` signing with the configured app secret. The customers'
    /// messages it delivers open their reply window here, as on Meta's side: a free-form send
    /// more than 24 hours after the customer's last message (by its `timestamp`) is refused
    /// (WhatsApp 131047; Messenger 10/2018278, or after 7 days with the `HUMAN_AGENT` tag).
    /// Customers this fake never delivered a message from are not held to a window (tests
    /// bring them in other ways).
    pub fn webhook(&self, target: impl Into<String>) -> MetaWebhook {
        MetaWebhook::new(target, self.state.options.app_secret.clone())
            .observed_by(Arc::clone(&self.state) as Arc<dyn crate::webhook::DeliveryObserver>)
    }

    /// Media download URLs issued from now on point at `origin` (e.g. a recorder standing for
    /// a host that is not Meta's), to test that a server fetches only from its allowed hosts.
    pub fn issue_media_urls_on(&self, origin: impl Into<String>) {
        lock(&self.state.store).media_origin = Some(origin.into());
    }

    /// Every WhatsApp send to `to` fails with `failure` until [`FakeGraph::clear_failures`].
    pub fn fail_whatsapp(&self, to: &str, failure: GraphFailure) {
        self.script(Channel::WhatsApp, to, failure, None);
    }

    /// The next `times` WhatsApp sends to `to` fail with `failure`, later ones succeed.
    pub fn fail_whatsapp_times(&self, to: &str, failure: GraphFailure, times: u32) {
        self.script(Channel::WhatsApp, to, failure, Some(times));
    }

    /// Every Messenger send to `psid` fails with `failure` until cleared.
    pub fn fail_messenger(&self, psid: &str, failure: GraphFailure) {
        self.script(Channel::Messenger, psid, failure, None);
    }

    /// The next `times` Messenger sends to `psid` fail with `failure`, later ones succeed.
    pub fn fail_messenger_times(&self, psid: &str, failure: GraphFailure, times: u32) {
        self.script(Channel::Messenger, psid, failure, Some(times));
    }

    /// Forgets all scripted failures.
    pub fn clear_failures(&self) {
        lock(&self.state.store).failures.clear();
    }

    /// Adds a message template to the business account (`options.waba_id`): listed by
    /// `GET /{waba_id}/message_templates`, and what `type: template` sends are checked against.
    pub fn add_template(&self, template: templates::MessageTemplate) {
        lock(&self.state.store).templates.push(template);
    }

    /// Changes a template's status (Meta pauses or disables templates customers block): only
    /// `APPROVED` ones may be sent.
    pub fn set_template_status(&self, name: &str, language: &str, status: &str) {
        for template in &mut lock(&self.state.store).templates {
            if template.name == name && template.language == language {
                template.status = status.to_owned();
            }
        }
    }

    /// Sets what `GET /{psid}?fields=first_name,last_name,profile_pic` answers.
    pub fn set_profile(&self, psid: &str, first_name: &str, last_name: &str) {
        lock(&self.state.store).profiles.insert(
            psid.to_owned(),
            (first_name.to_owned(), last_name.to_owned()),
        );
    }

    /// Stages inbound media (what WhatsApp does when a customer sends a photo) and returns its
    /// media id, for [`whatsapp::WhatsAppMessage::image`] via [`FakeGraph::media`].
    pub fn add_media(&self, bytes: &[u8], mime_type: &str) -> String {
        let id = ids::graph_object_id();
        let media = MediaRef::for_bytes(id.clone(), bytes, mime_type);
        lock(&self.state.store).media.insert(
            id.clone(),
            StoredMedia {
                media,
                bytes: bytes.to_vec(),
                uploaded_via: None,
            },
        );
        id
    }

    /// The media stored under `id`, if any.
    pub fn media(&self, id: &str) -> Option<StoredMedia> {
        lock(&self.state.store).media.get(id).cloned()
    }

    /// Media the server uploaded through `POST /{phone_number_id}/media`.
    pub fn uploaded_media(&self) -> Vec<StoredMedia> {
        lock(&self.state.store)
            .media
            .values()
            .filter(|m| m.uploaded_via.is_some())
            .cloned()
            .collect()
    }

    /// Stages a Messenger attachment on the fake CDN and returns its `payload.url`, which
    /// works without a token until `media_url_ttl` passes.
    pub fn add_attachment(&self, bytes: &[u8], mime_type: &str) -> String {
        let token = ids::url_token();
        let expires_at = Instant::now() + self.state.options.media_url_ttl;
        let url = format!(
            "{}/cdn/{token}?_nc_cat=1&oe={:08X}",
            self.state.origin,
            unix_after(self.state.options.media_url_ttl)
        );
        lock(&self.state.store).attachments.insert(
            token,
            CdnFile {
                bytes: bytes.to_vec(),
                mime_type: mime_type.to_owned(),
                expires_at,
            },
        );
        url
    }

    /// Makes every media and attachment URL handed out so far expire now.
    pub fn expire_media_urls(&self) {
        let now = Instant::now();
        let mut store = lock(&self.state.store);
        for issued in store.media_urls.values_mut() {
            issued.expires_at = now;
        }
        for file in store.attachments.values_mut() {
            file.expires_at = now;
        }
    }

    /// Every call to a send endpoint so far, accepted or rejected, in arrival order.
    pub fn calls(&self) -> Vec<GraphCall> {
        self.state.calls.snapshot()
    }

    /// The bodies of accepted WhatsApp message sends.
    pub fn sent_whatsapp(&self) -> Vec<Value> {
        self.accepted(GraphApi::WhatsAppMessage)
    }

    /// The bodies of accepted Messenger message sends.
    pub fn sent_messenger(&self) -> Vec<Value> {
        self.accepted(GraphApi::MessengerMessage)
    }

    /// Waits until `count` WhatsApp messages were accepted; returns all accepted bodies.
    pub async fn wait_for_whatsapp(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>, FakeError> {
        let calls = self
            .wait_for_calls(GraphApi::WhatsAppMessage, count, timeout)
            .await?;
        Ok(calls.into_iter().map(|c| c.body).collect())
    }

    /// Waits until `count` Messenger messages were accepted; returns all accepted bodies.
    pub async fn wait_for_messenger(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>, FakeError> {
        let calls = self
            .wait_for_calls(GraphApi::MessengerMessage, count, timeout)
            .await?;
        Ok(calls.into_iter().map(|c| c.body).collect())
    }

    /// Waits until `count` calls to `api` were accepted; returns them with their message ids
    /// (which status webhooks must refer to).
    pub async fn wait_for_calls(
        &self,
        api: GraphApi,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<GraphCall>, FakeError> {
        self.state
            .calls
            .wait_for(
                count,
                timeout,
                |c| c.api == api && c.accepted(),
                &format!("accepted {api:?} calls"),
            )
            .await
    }

    fn accepted(&self, api: GraphApi) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| c.api == api && c.accepted())
            .map(|c| c.body)
            .collect()
    }

    fn script(&self, channel: Channel, recipient: &str, failure: GraphFailure, times: Option<u32>) {
        lock(&self.state.store).failures.insert(
            (channel, channel.normalise(recipient)),
            ScriptedFailure {
                failure,
                remaining: times,
            },
        );
    }
}

#[derive(Debug)]
struct GraphState {
    options: GraphOptions,
    origin: String,
    calls: Journal<GraphCall>,
    store: Mutex<GraphStore>,
}

#[derive(Debug, Default)]
struct GraphStore {
    media: HashMap<String, StoredMedia>,
    /// Download URL token → the media it serves and until when.
    media_urls: HashMap<String, IssuedUrl>,
    attachments: HashMap<String, CdnFile>,
    profiles: HashMap<String, (String, String)>,
    /// The business account's message templates, in creation order.
    templates: Vec<templates::MessageTemplate>,
    failures: HashMap<(Channel, String), ScriptedFailure>,
    /// When each customer last wrote (unix seconds), from the webhooks delivered.
    last_written: HashMap<(Channel, String), u64>,
    /// Where media download URLs point instead of this fake (a hostile or foreign host).
    media_origin: Option<String>,
}

impl crate::webhook::DeliveryObserver for GraphState {
    fn delivered(&self, body: &[u8]) {
        let Ok(root) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let mut wrote = Vec::new();
        for entry in root["entry"].as_array().into_iter().flatten() {
            for change in entry["changes"].as_array().into_iter().flatten() {
                for message in change["value"]["messages"].as_array().into_iter().flatten() {
                    let at = message["timestamp"].as_str().and_then(|t| t.parse().ok());
                    if let (Some(from), Some(at)) = (message["from"].as_str(), at) {
                        wrote.push((Channel::WhatsApp, from.to_owned(), at));
                    }
                }
            }
            for event in entry["messaging"].as_array().into_iter().flatten() {
                let customer = event["message"]["is_echo"] != true
                    && (event["message"].is_object() || event["postback"].is_object());
                let sender = event["sender"]["id"].as_str();
                if let (true, Some(sender), Some(ms)) =
                    (customer, sender, event["timestamp"].as_u64())
                {
                    wrote.push((Channel::Messenger, sender.to_owned(), ms / 1000));
                }
            }
        }
        let mut store = lock(&self.store);
        for (channel, customer, at) in wrote {
            let last = store
                .last_written
                .entry((channel, channel.normalise(&customer)))
                .or_default();
            *last = (*last).max(at);
        }
    }
}

/// Meta's reply windows.
pub(super) const DAY: u64 = 24 * 3600;
pub(super) const HUMAN_AGENT_WINDOW: u64 = 7 * DAY;

impl GraphStore {
    /// Whether a free-form message to `recipient` is past the window (`window` seconds after
    /// the customer last wrote); false for a customer never seen writing.
    fn outside_window(&self, channel: Channel, recipient: &str, window: u64) -> bool {
        self.last_written
            .get(&(channel, channel.normalise(recipient)))
            .is_some_and(|at| whatsapp::unix_now() > at + window)
    }

    fn take_failure(&mut self, channel: Channel, recipient: &str) -> Option<GraphFailure> {
        let key = (channel, channel.normalise(recipient));
        let scripted = self.failures.get_mut(&key)?;
        let failure = scripted.failure;
        match &mut scripted.remaining {
            None => {}
            Some(0) => {
                self.failures.remove(&key);
                return None;
            }
            Some(n) => *n -= 1,
        }
        Some(failure)
    }
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
enum Channel {
    WhatsApp,
    Messenger,
}

impl Channel {
    /// WhatsApp accepts `+1 650…` and `1650…` for the same customer; PSIDs are exact.
    fn normalise(self, recipient: &str) -> String {
        match self {
            Self::WhatsApp => recipient.chars().filter(char::is_ascii_digit).collect(),
            Self::Messenger => recipient.to_owned(),
        }
    }
}

#[derive(Debug)]
struct ScriptedFailure {
    failure: GraphFailure,
    remaining: Option<u32>,
}

#[derive(Debug)]
struct IssuedUrl {
    media_id: String,
    expires_at: Instant,
}

#[derive(Debug)]
struct CdnFile {
    bytes: Vec<u8>,
    mime_type: String,
    expires_at: Instant,
}
