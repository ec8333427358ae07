//! The authorization matrix: every route of the router × every kind of caller × every kind of
//! object, with each cell's expected answer written down in one table ([`matrix`]).
//!
//! The table must list exactly the routes of `switchboard_server::http::route_list()` (the
//! lists the router is built from), so a new route fails this test until someone decides who
//! may call it. Every cell then runs against a real server with its own fresh objects, and
//! every mismatch is reported at once.
//!
//! The rules it holds the server to (CONTRACT §4, §6): no agent route answers anything but 401
//! without an agent's token, and a visitor's token is no agent's token (nor the other way
//! round); what a caller may not see is 404, exactly as if it did not exist, and no answer but
//! an allowed one carries its data; templates and blocks are managed by managers and owners
//! only (403 for agents); contacts and templates are shared by everyone; webhooks need the
//! provider's signature; the widget's script, page, config and sessions are public.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use common::*;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_server::engine::{Inbound, VisitorDetails};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// The axes
// ---------------------------------------------------------------------------------------------

/// Who calls: nobody, a live-chat visitor, or an agent of each role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Visitor,
    /// Role `agent` (extension 101).
    Agent,
    /// Role `manager` (extension 102).
    Manager,
    /// Role `system_owner` (extension 103).
    Owner,
}

const CALLERS: [Caller; 5] = [
    Caller::Anonymous,
    Caller::Visitor,
    Caller::Agent,
    Caller::Manager,
    Caller::Owner,
];

impl Caller {
    /// The agent whose objects are "mine": the caller, or agent 101 for callers who are not
    /// agents (they try real objects, not made-up ids).
    fn extension(self) -> &'static str {
        match self {
            Caller::Anonymous | Caller::Visitor | Caller::Agent => "101",
            Caller::Manager => "102",
            Caller::Owner => "103",
        }
    }
}

/// The colleague: a manager, in a queue of their own, who owns "a colleague's" objects.
const COLLEAGUE: &str = "104";
/// An agent in no queue: transfers go to them, and log-ins are theirs.
const BYSTANDER: &str = "105";

/// Which object a call names, relative to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Object {
    /// Mine: a conversation I own, a file I uploaded, a contact or block I made.
    Mine,
    /// Offered to me: a queued conversation in my queue that nobody took (or a file in it).
    Offered,
    /// A colleague's: a conversation the colleague took in a queue I am not in, their upload,
    /// their contact, template or block.
    Colleagues,
    /// None: a random id.
    Missing,
}

const OBJECTS: [Object; 4] = [
    Object::Mine,
    Object::Offered,
    Object::Colleagues,
    Object::Missing,
];

/// What kind of object a route's `{id}` (or body) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The route names no object.
    Nothing,
    /// A live-chat conversation (in the path, or `conversation_id` in the body).
    Conversation,
    /// An agent-side attachment.
    Attachment,
    Contact,
    Template,
    Block,
    /// A file a visitor uploaded, on the visitor's download route.
    VisitorFile,
}

impl Target {
    /// The objects of this kind a call can name; ownership means nothing for contacts,
    /// templates and blocks (shared), so nothing of theirs is "offered".
    fn objects(self) -> &'static [Object] {
        use Object::*;
        match self {
            Target::Nothing => &[],
            Target::Conversation | Target::Attachment => &[Mine, Offered, Colleagues, Missing],
            Target::Contact | Target::Block | Target::VisitorFile => &[Mine, Colleagues, Missing],
            // Templates are made by managers; whoever made one, it is everyone's.
            Target::Template => &[Colleagues, Missing],
        }
    }
}

/// The answer a cell must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// 2xx (101 for a WebSocket): the caller may.
    Allowed,
    /// 401: no valid credentials for this route.
    Unauthorized,
    /// 403 `forbidden`: the caller's role may not.
    Forbidden,
    /// 404: missing, or not visible to the caller — the two answered alike.
    Hidden,
    /// Exactly this status and error code: past authorization, refused for another reason
    /// (a lifecycle rule), or refused by a check other than a token (webhook signatures,
    /// signed links).
    Refused(u16, &'static str),
    /// No such cell (no object of that kind for this route).
    NotApplicable,
}

use Want::*;

/// What one kind of caller gets: the same whatever the object, or per object
/// `[mine, offered, a colleague's, none]`.
#[derive(Debug, Clone, Copy)]
enum Cells {
    All(Want),
    Each([Want; 4]),
}

use Cells::All;

const fn each(mine: Want, offered: Want, colleagues: Want, missing: Want) -> Cells {
    Cells::Each([mine, offered, colleagues, missing])
}

/// Conversations and files by visibility: mine and offered to me yes, others' and missing 404.
const VISIBLE: Cells = each(Allowed, Allowed, Hidden, Hidden);
/// Contacts: shared by everyone (nothing is "offered").
const SHARED: Cells = each(Allowed, NotApplicable, Allowed, Hidden);
/// Templates: shared by everyone, made by managers (so nothing is an agent's own).
const TEMPLATE: Cells = each(NotApplicable, NotApplicable, Allowed, Hidden);

/// One route's expectations for anonymous, visitor, agent, manager and owner callers.
struct Row {
    method: Method,
    path: &'static str,
    target: Target,
    wants: [Cells; 5],
}

/// An agent route: 401 without an agent's token; `cells` for every role.
fn signed_in(method: Method, path: &'static str, target: Target, cells: Cells) -> Row {
    let no = All(Unauthorized);
    Row {
        method,
        path,
        target,
        wants: [no, no, cells, cells, cells],
    }
}

/// A role-gated agent route: 401 without an agent's token, 403 for role `agent` whatever the
/// object (existing or not), `cells` for managers and owners.
fn managers(method: Method, path: &'static str, target: Target, cells: Cells) -> Row {
    let no = All(Unauthorized);
    Row {
        method,
        path,
        target,
        wants: [no, no, All(Forbidden), cells, cells],
    }
}

/// An administration route: 401 without an agent's token, 403 for every role but system
/// owners, `cells` for them.
fn owners(method: Method, path: &'static str, cells: Cells) -> Row {
    let no = All(Unauthorized);
    Row {
        method,
        path,
        target: Target::Nothing,
        wants: [no, no, All(Forbidden), All(Forbidden), cells],
    }
}

/// A visitor route: 401 for everyone but a visitor (an agent's token is no visitor's).
fn visitors(method: Method, path: &'static str, target: Target, cells: Cells) -> Row {
    let no = All(Unauthorized);
    Row {
        method,
        path,
        target,
        wants: [no, cells, no, no, no],
    }
}

/// A public route: the same answer whoever asks (a token neither helps nor hurts).
fn public(method: Method, path: &'static str, cells: Cells) -> Row {
    Row {
        method,
        path,
        target: Target::Nothing,
        wants: [cells; 5],
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

fn matrix() -> Vec<Row> {
    use Target::*;
    const GET: Method = Method::GET;
    const POST: Method = Method::POST;
    const PUT: Method = Method::PUT;
    const DELETE: Method = Method::DELETE;
    const OPTIONS: Method = Method::OPTIONS;
    let ok = All(Allowed);
    // Webhooks from anyone but the provider: no signature (or verify token), nothing stored.
    let unsigned = All(Refused(401, "invalid_signature"));
    let unverified = All(Refused(403, "verification_failed"));
    vec![
        // The body's credentials log in, whoever asks.
        public(POST, "/api/v1/session", ok),
        signed_in(DELETE, "/api/v1/session", Nothing, ok),
        signed_in(GET, "/api/v1/me", Nothing, ok),
        signed_in(PUT, "/api/v1/me/presence", Nothing, ok),
        signed_in(GET, "/api/v1/me/queues", Nothing, ok),
        signed_in(GET, "/api/v1/agents", Nothing, ok),
        signed_in(GET, "/api/v1/conversations", Nothing, ok),
        signed_in(GET, "/api/v1/channels", Nothing, ok),
        // The matrix has no SMS or WhatsApp channel to start a chat on.
        signed_in(
            POST,
            "/api/v1/conversations",
            Nothing,
            All(Refused(404, "unknown_channel")),
        ),
        signed_in(GET, "/api/v1/conversations/{id}", Conversation, VISIBLE),
        // An open chat I own must be resolved or transferred first (409); one offered to me
        // just leaves my lists.
        signed_in(
            DELETE,
            "/api/v1/conversations/{id}",
            Conversation,
            each(Refused(409, "conversation_open"), Allowed, Hidden, Hidden),
        ),
        signed_in(
            GET,
            "/api/v1/conversations/{id}/messages",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/messages",
            Conversation,
            VISIBLE,
        ),
        // The conversation's message: past the visibility check, it is no failed reply.
        signed_in(
            POST,
            "/api/v1/messages/{id}/resend",
            Conversation,
            each(
                Refused(409, "not_resendable"),
                Refused(409, "not_resendable"),
                Hidden,
                Hidden,
            ),
        ),
        // The matrix's chats are live chats: past the visibility check, no WhatsApp template
        // fits them; the matrix has no WhatsApp channel to list templates of.
        signed_in(
            POST,
            "/api/v1/conversations/{id}/whatsapp-template",
            Conversation,
            each(
                Refused(400, "invalid_template"),
                Refused(400, "invalid_template"),
                Hidden,
                Hidden,
            ),
        ),
        signed_in(
            GET,
            "/api/v1/channels/{channel_id}/whatsapp-templates",
            Nothing,
            All(Refused(404, "unknown_channel")),
        ),
        managers(
            POST,
            "/api/v1/channels/{channel_id}/whatsapp-templates/sync",
            Nothing,
            All(Refused(404, "unknown_channel")),
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/take",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/transfer",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/resolve",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/archive",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/unarchive",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/read",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/end-session",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/block",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            POST,
            "/api/v1/conversations/{id}/typing",
            Conversation,
            VISIBLE,
        ),
        signed_in(
            GET,
            "/api/v1/conversations/{id}/visitor",
            Conversation,
            VISIBLE,
        ),
        // Any agent may block a visitor of a chat they see; only managers list and lift
        // blocks (an agent not even their own).
        managers(GET, "/api/v1/blocks", Nothing, ok),
        managers(
            DELETE,
            "/api/v1/blocks/{id}",
            Block,
            each(Allowed, NotApplicable, Allowed, Hidden),
        ),
        signed_in(POST, "/api/v1/internal-chats", Nothing, ok),
        // The directory is shared: everyone sees and edits every contact, and a contact's
        // history lists every conversation with them (CONTRACT §4).
        signed_in(GET, "/api/v1/contacts", Nothing, ok),
        signed_in(POST, "/api/v1/contacts", Nothing, ok),
        // ...but a contact is made from a conversation only by who sees it.
        signed_in(
            POST,
            "/api/v1/contacts/from-identity",
            Conversation,
            VISIBLE,
        ),
        signed_in(GET, "/api/v1/contacts/{id}", Contact, SHARED),
        signed_in(PUT, "/api/v1/contacts/{id}", Contact, SHARED),
        signed_in(DELETE, "/api/v1/contacts/{id}", Contact, SHARED),
        signed_in(GET, "/api/v1/contacts/{id}/history", Contact, SHARED),
        signed_in(GET, "/api/v1/templates", Nothing, ok),
        managers(POST, "/api/v1/templates", Nothing, ok),
        signed_in(GET, "/api/v1/templates/categories", Nothing, ok),
        signed_in(GET, "/api/v1/templates/languages", Nothing, ok),
        managers(PUT, "/api/v1/templates/{id}", Template, TEMPLATE),
        managers(DELETE, "/api/v1/templates/{id}", Template, TEMPLATE),
        // A shared template, rendered for the conversation named in the body.
        signed_in(POST, "/api/v1/templates/{id}/render", Conversation, VISIBLE),
        signed_in(POST, "/api/v1/attachments", Nothing, ok),
        // Mine: my unsent upload; offered: a visitor's file in a chat offered to me;
        // a colleague's: their unsent upload.
        signed_in(GET, "/api/v1/attachments/{id}", Attachment, VISIBLE),
        signed_in(
            GET,
            "/api/v1/attachments/{id}/thumbnail",
            Attachment,
            VISIBLE,
        ),
        // Every matrix agent is declared in the configuration file, which rules them: their own
        // password is the file's, and the administration may not change them (409).
        signed_in(
            PUT,
            "/api/v1/me/password",
            Nothing,
            All(Refused(409, "provisioned")),
        ),
        owners(GET, "/api/v1/admin/agents", ok),
        owners(POST, "/api/v1/admin/agents", ok),
        owners(
            PUT,
            "/api/v1/admin/agents/{extension}",
            All(Refused(409, "provisioned")),
        ),
        owners(
            POST,
            "/api/v1/admin/agents/{extension}/disable",
            All(Refused(409, "provisioned")),
        ),
        owners(
            POST,
            "/api/v1/admin/agents/{extension}/enable",
            All(Refused(409, "provisioned")),
        ),
        owners(
            POST,
            "/api/v1/admin/agents/{extension}/password",
            All(Refused(409, "provisioned")),
        ),
        // Queues: managers see and change their own, owners all; an unknown id is 404 to both.
        managers(GET, "/api/v1/admin/queues", Nothing, ok),
        owners(POST, "/api/v1/admin/queues", ok),
        managers(
            PUT,
            "/api/v1/admin/queues/{id}",
            Nothing,
            All(Refused(404, "queue_not_found")),
        ),
        owners(
            DELETE,
            "/api/v1/admin/queues/{id}",
            All(Refused(404, "queue_not_found")),
        ),
        owners(GET, "/api/v1/admin/channels", ok),
        owners(POST, "/api/v1/admin/channels", ok),
        // Channels: an id no channel has is 404 to owners (and 403 to everyone else first).
        owners(
            PUT,
            "/api/v1/admin/channels/{id}",
            All(Refused(404, "unknown_channel")),
        ),
        owners(
            POST,
            "/api/v1/admin/channels/{id}/disable",
            All(Refused(404, "unknown_channel")),
        ),
        owners(
            POST,
            "/api/v1/admin/channels/{id}/enable",
            All(Refused(404, "unknown_channel")),
        ),
        owners(
            POST,
            "/api/v1/admin/channels/{id}/check",
            All(Refused(404, "unknown_channel")),
        ),
        owners(GET, "/api/v1/admin/audit", ok),
        // The desktop app's update feed: nothing in its folder here, so no update (204) and
        // no installer (404) — but never to a caller without an agent's token.
        signed_in(
            GET,
            "/api/v1/updates/{target}/{arch}/{current_version}",
            Nothing,
            ok,
        ),
        signed_in(
            GET,
            "/api/v1/updates/files/{version}/{file}",
            Nothing,
            All(Hidden),
        ),
        // What it holds is the caller's own (tests/history.rs: nobody else's chats appear).
        signed_in(GET, "/api/v1/history", Nothing, ok),
        signed_in(GET, "/api/v1/sync", Nothing, ok),
        signed_in(GET, "/api/v1/stream", Nothing, ok),
        public(GET, "/webhooks/whatsapp/{channel_id}", unverified),
        public(POST, "/webhooks/whatsapp/{channel_id}", unsigned),
        public(GET, "/webhooks/facebook/{channel_id}", unverified),
        public(POST, "/webhooks/facebook/{channel_id}", unsigned),
        public(POST, "/webhooks/sms/{channel_id}", unsigned),
        public(POST, "/webhooks/sms/{channel_id}/status", unsigned),
        // Files for providers open only with a link we signed; tokens do not matter.
        public(GET, "/media/{id}", All(Refused(403, "invalid_link"))),
        public(GET, "/livechat/{channel_id}/widget.js", ok),
        public(GET, "/livechat/{channel_id}/demo", ok),
        public(GET, "/livechat/{channel_id}/config", ok),
        public(OPTIONS, "/livechat/{channel_id}/config", ok),
        // Anyone may start a visitor session; that is how a visitor comes to be.
        public(POST, "/livechat/{channel_id}/session", ok),
        public(OPTIONS, "/livechat/{channel_id}/session", ok),
        visitors(GET, "/livechat/{channel_id}/messages", Nothing, ok),
        visitors(POST, "/livechat/{channel_id}/messages", Nothing, ok),
        public(OPTIONS, "/livechat/{channel_id}/messages", ok),
        visitors(POST, "/livechat/{channel_id}/typing", Nothing, ok),
        public(OPTIONS, "/livechat/{channel_id}/typing", ok),
        visitors(POST, "/livechat/{channel_id}/attachments", Nothing, ok),
        public(OPTIONS, "/livechat/{channel_id}/attachments", ok),
        // Mine: my own upload; a colleague's: another visitor's upload on the same channel.
        visitors(
            GET,
            "/livechat/{channel_id}/attachments/{id}",
            VisitorFile,
            each(Allowed, NotApplicable, Hidden, Hidden),
        ),
        visitors(GET, "/livechat/{channel_id}/stream", Nothing, ok),
        public(GET, "/healthz", ok),
        public(GET, "/readyz", ok),
        // The API's description and the page that shows it, for anyone.
        public(GET, "/api/v1/openapi.json", ok),
        public(GET, "/api/v1/docs", ok),
        public(GET, "/api/v1/docs/{*file}", ok),
    ]
}

// ---------------------------------------------------------------------------------------------
// The server and its objects
// ---------------------------------------------------------------------------------------------

/// Data only an allowed answer may carry: every object a cell uses is made with it.
const SECRET: &str = "SECRET";

fn config(addr: std::net::SocketAddr) -> String {
    let roles = [
        ("101", "agent"),
        ("102", "manager"),
        ("103", "system_owner"),
        (COLLEAGUE, "manager"),
        (BYSTANDER, "agent"),
    ];
    let agents = agents_toml(5);
    let mut agents_with_roles = String::new();
    for (entry, (extension, role)) in agents.split("\n\n").zip(roles) {
        let entry = entry
            .lines()
            .map(|line| {
                if line.starts_with("role = ") {
                    format!("role = \"{role}\"")
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(entry.contains(&format!("extension = \"{extension}\"")));
        agents_with_roles.push_str(&entry);
        agents_with_roles.push_str("\n\n");
    }
    // Each of 101..=104 is alone in a queue fed by a live-chat channel of its own, so "offered
    // to me" and "a colleague's" never mix.
    let mut queues = String::new();
    for extension in ["101", "102", "103", COLLEAGUE] {
        queues.push_str(&format!(
            r#"[[queues]]
id = "q-{extension}"
agents = ["{extension}"]
strategy = "ring_all"
offer_timeout_s = 3600

[[channels]]
id = "web-{extension}"
kind = "livechat"
route = {{ queue = "q-{extension}" }}
[channels.livechat]
allowed_origins = ["https://shop.example.com"]

"#
        ));
    }
    format!(
        r#"[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"
database = "sqlite://switchboard.db"
trusted_proxies = ["127.0.0.1/32"]

[server.rate_limits]
login_per_minute_per_ip = 1000
login_per_minute_per_user = 1000
visitor_messages_per_minute = 1000
visitor_requests_per_minute_per_ip = 1000
visitor_conversations_per_minute_per_ip = 1000

{agents_with_roles}
{queues}
[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "q-{COLLEAGUE}" }}
[channels.whatsapp]
phone_number_id = "1"
access_token = "t"
app_secret = "s"
verify_token = "v"

[[channels]]
id = "fb"
kind = "facebook"
route = {{ queue = "q-{COLLEAGUE}" }}
[channels.facebook]
page_id = "2"
page_access_token = "t"
app_secret = "s"
verify_token = "v"

[[channels]]
id = "sms"
kind = "sms"
route = {{ queue = "q-{COLLEAGUE}" }}
[channels.sms]
account_sid = "AC1"
auth_token = "t"
from_number = "+15005550006"
"#
    )
}

fn png_bytes() -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 32, |x, y| image::Rgb([x as u8 * 8, y as u8 * 8, 99]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The live-chat channel callers who are not agents use, and visitor routes are called on.
const WEB: &str = "web-101";

/// The running server, its signed-in agents, and a source of fresh objects.
struct World {
    server: TestServer,
    agents: BTreeMap<&'static str, Agent>,
    /// A template everyone may render.
    template: Uuid,
    /// Makes client addresses unique, so no per-address limit or block is shared by cells.
    addresses: AtomicU32,
}

/// A fresh conversation: its id and its customer's message.
#[derive(Debug, Clone, Copy)]
struct Chat {
    id: Uuid,
    message: Uuid,
}

/// A visitor with a session: their token and, for `X-Forwarded-For`, their address.
struct Guest {
    token: String,
    ip: String,
}

impl World {
    async fn new() -> World {
        let server = TestServer::with_config_for(config).await;
        let mut agents = BTreeMap::new();
        for extension in ["101", "102", "103", COLLEAGUE] {
            agents.insert(extension, server.login(extension).await);
        }
        let world = World {
            server,
            agents,
            template: Uuid::nil(),
            addresses: AtomicU32::new(1),
        };
        let template = world.template().await;
        World { template, ..world }
    }

    fn agent(&self, extension: &str) -> &Agent {
        &self.agents[extension]
    }

    /// A client address no other request used.
    fn address(&self) -> String {
        let n = self.addresses.fetch_add(1, Ordering::Relaxed);
        format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
    }

    /// A visitor with a fresh session on `channel`.
    async fn guest(&self, channel: &str) -> (Guest, Uuid) {
        let ip = self.address();
        let session = self
            .server
            .running
            .engine
            .visitor_session(
                channel.to_string(),
                None,
                VisitorDetails {
                    name: Some(format!("{SECRET} visitor")),
                    email: None,
                    language: Some("en".into()),
                    ip: ip.clone(),
                    user_agent: "matrix".into(),
                },
            )
            .await
            .expect("a visitor session");
        (
            Guest {
                token: session.token,
                ip,
            },
            session.visitor.id,
        )
    }

    /// A new live chat in `extension`'s queue, offered to them.
    async fn offered(&self, extension: &str) -> Chat {
        self.offered_with(extension, false).await.0
    }

    /// A new live chat in `extension`'s queue, offered to them; with `file`, its first message
    /// carries an image the visitor uploaded (whose id comes back too).
    async fn offered_with(&self, extension: &str, file: bool) -> (Chat, Option<Uuid>) {
        let channel = format!("web-{extension}");
        let (guest, visitor) = self.guest(&channel).await;
        let file = match file {
            true => Some(self.visitor_upload(&guest, &channel).await),
            false => None,
        };
        let outcome = self
            .server
            .running
            .engine
            .ingest(Inbound {
                channel_id: channel,
                sender: visitor.to_string(),
                display_name: format!("{SECRET} visitor"),
                provider_message_id: Some(Uuid::now_v7().to_string()),
                body: format!("{SECRET} message"),
                attachments: file.into_iter().collect(),
                sent_at: None,
                consent: None,
            })
            .await
            .expect("the visitor's message is stored");
        let chat = Chat {
            id: outcome.conversation_id,
            message: outcome.message_id,
        };
        (chat, file)
    }

    /// A new live chat `extension` took.
    async fn owned(&self, extension: &str) -> Chat {
        let chat = self.offered(extension).await;
        let (status, body) = self.agent(extension).take(chat.id).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{extension} takes a new chat: {body}"
        );
        chat
    }

    /// The conversation `object` names for `caller`.
    async fn chat(&self, caller: Caller, object: Object) -> Chat {
        match object {
            Object::Mine => self.owned(caller.extension()).await,
            Object::Offered => self.offered(caller.extension()).await,
            Object::Colleagues => self.owned(COLLEAGUE).await,
            Object::Missing => Chat {
                id: Uuid::now_v7(),
                message: Uuid::now_v7(),
            },
        }
    }

    /// An image `extension` uploaded and has not sent.
    async fn upload(&self, extension: &str) -> Uuid {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png_bytes()).file_name(format!("{SECRET}.png")),
        );
        let resp = self
            .server
            .http
            .post(format!("{}/api/v1/attachments", self.server.base))
            .bearer_auth(&self.agent(extension).token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{extension} uploads: {body}");
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// An image a visitor uploaded on their channel.
    async fn visitor_upload(&self, guest: &Guest, channel: &str) -> Uuid {
        let (status, body) = self
            .send(Prepared {
                method: Method::POST,
                path: format!("/livechat/{channel}/attachments"),
                token: Some(guest.token.clone()),
                body: Body::Image,
                ip: guest.ip.clone(),
            })
            .await;
        assert_eq!(status, 201, "a visitor uploads: {body}");
        serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    async fn contact(&self, extension: &str) -> Uuid {
        let (status, body) = self
            .agent(extension)
            .post(
                "/api/v1/contacts",
                json!({"name": format!("{SECRET} contact")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().parse().unwrap()
    }

    async fn template(&self) -> Uuid {
        let (status, body) = self
            .agent(COLLEAGUE)
            .post("/api/v1/templates", template_body())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// A block `extension` put on the visitor of a chat of theirs.
    async fn block(&self, extension: &str) -> Uuid {
        let chat = self.owned(extension).await;
        let (status, body) = self
            .agent(extension)
            .post(
                &format!("/api/v1/conversations/{}/block", chat.id),
                json!({"duration_s": 3600, "reason": SECRET}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// The id `row`'s `{id}` stands for (and the chat, if it names one).
    async fn object(
        &self,
        row: &Row,
        caller: Caller,
        object: Object,
        guest: Option<&Guest>,
    ) -> (Uuid, Option<Chat>) {
        let mine = caller.extension();
        if object == Object::Missing {
            let chat = self.chat(caller, object).await;
            return (chat.id, Some(chat));
        }
        let id = match row.target {
            Target::Nothing => unreachable!("routes without objects have one cell per caller"),
            Target::Conversation => {
                let chat = self.chat(caller, object).await;
                return (chat.id, Some(chat));
            }
            Target::Attachment => match object {
                Object::Mine => self.upload(mine).await,
                Object::Offered => {
                    let (_, file) = self.offered_with(mine, true).await;
                    file.expect("the chat carries a file")
                }
                _ => self.upload(COLLEAGUE).await,
            },
            Target::Contact => match object {
                Object::Mine => self.contact(mine).await,
                _ => self.contact(COLLEAGUE).await,
            },
            Target::Template => self.template().await,
            Target::Block => match object {
                Object::Mine => self.block(mine).await,
                _ => self.block(COLLEAGUE).await,
            },
            Target::VisitorFile => match (object, guest) {
                (Object::Mine, Some(me)) => self.visitor_upload(me, WEB).await,
                _ => {
                    let (other, _) = self.guest(WEB).await;
                    self.visitor_upload(&other, WEB).await
                }
            },
        };
        (id, None)
    }
}

fn template_body() -> Value {
    json!({
        "name": format!("{SECRET} template {}", Uuid::now_v7()),
        "body": "Olá {{contact_name}}",
        "category": "Geral",
        "language": "pt-BR",
    })
}

// ---------------------------------------------------------------------------------------------
// Running a cell
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Body {
    Empty,
    Json(Value),
    /// A form, as Twilio posts.
    Form(&'static str),
    /// Raw JSON bytes, as Meta posts.
    Raw(&'static str),
    /// A multipart upload of a small PNG.
    Image,
}

/// One request, ready to send.
#[derive(Debug)]
struct Prepared {
    method: Method,
    path: String,
    token: Option<String>,
    body: Body,
    /// `X-Forwarded-For` (the test client is a trusted proxy).
    ip: String,
}

/// One cell of the matrix.
#[derive(Debug, Clone, Copy)]
struct Cell {
    row: usize,
    caller: Caller,
    /// `None` for routes that name no object.
    object: Option<Object>,
    want: Want,
}

/// A cell's outcome: the status (101 for an opened WebSocket) and the body.
struct Outcome {
    cell: Cell,
    status: u16,
    body: String,
}

impl World {
    /// The request of one cell, with fresh objects (and a fresh visitor, or session to end).
    async fn prepare(&self, row: &Row, cell: Cell) -> Prepared {
        let guest = match cell.caller {
            Caller::Visitor => Some(self.guest(WEB).await.0),
            _ => None,
        };
        let token = match cell.caller {
            Caller::Anonymous => None,
            Caller::Visitor => guest.as_ref().map(|g| g.token.clone()),
            // Logging out ends the session: a session of its own for that cell.
            _ if row.method == Method::DELETE && row.path == "/api/v1/session" => {
                Some(self.server.login(cell.caller.extension()).await.token)
            }
            _ => Some(self.agent(cell.caller.extension()).token.clone()),
        };
        let (id, chat) = match cell.object {
            Some(object) => {
                let (id, chat) = self.object(row, cell.caller, object, guest.as_ref()).await;
                (Some(id), chat)
            }
            None => (None, None),
        };
        let channel = match row.path {
            p if p.starts_with("/webhooks/whatsapp/") => "wa",
            p if p.starts_with("/webhooks/facebook/") => "fb",
            p if p.starts_with("/webhooks/sms/") => "sms",
            _ => WEB,
        };
        // Objects named in the body keep the path's `{id}` for the route's own object.
        let path_id = match row.path {
            "/api/v1/templates/{id}/render" => Some(self.template),
            "/api/v1/contacts/from-identity" => None,
            "/api/v1/messages/{id}/resend" => chat.as_ref().map(|c| c.message),
            _ => id,
        };
        let mut path = row
            .path
            .replace("{channel_id}", channel)
            .replace("{*file}", "swagger-ui.css")
            .replace("{target}/{arch}/{current_version}", "linux/x86_64/0.1.0")
            .replace("{version}/{file}", "9.9.9/Switchboard_9.9.9_amd64.deb")
            .replace("{extension}", BYSTANDER);
        if let Some(id) = path_id {
            path = path.replace("{id}", &id.to_string());
        }
        if path.contains("{id}") {
            // Routes whose id is not one of the matrix's objects (the media link).
            path = path.replace("{id}", &Uuid::now_v7().to_string());
        }
        let chat_id = chat.map(|c| c.id);
        let body = match (row.method.as_str(), row.path) {
            ("POST", "/api/v1/session") => {
                Body::Json(json!({"login": BYSTANDER, "password": PASSWORD}))
            }
            ("PUT", "/api/v1/me/presence") => Body::Json(json!({"presence": "available"})),
            ("PUT", "/api/v1/me/password") => {
                Body::Json(json!({"current_password": PASSWORD, "new_password": "a new password"}))
            }
            ("POST", "/api/v1/admin/agents") => Body::Json(json!({
                "extension": "7001", "name": "New Agent", "password": "temporary-pass"
            })),
            ("PUT", "/api/v1/admin/agents/{extension}") => Body::Json(json!({"name": "Renamed"})),
            ("POST", "/api/v1/admin/queues") => Body::Json(json!({
                "id": "matrix-queue", "name": "Matrix", "agents": [BYSTANDER]
            })),
            ("PUT", "/api/v1/admin/queues/{id}") => Body::Json(json!({"name": "Renamed"})),
            ("POST", "/api/v1/admin/channels") => Body::Json(json!({
                "id": "matrix-web", "kind": "livechat", "route_extension": BYSTANDER,
                "settings": {"greeting": "Hello"}
            })),
            ("PUT", "/api/v1/admin/channels/{id}") => Body::Json(json!({
                "route_extension": BYSTANDER, "settings": {}
            })),
            ("POST", "/api/v1/admin/agents/{extension}/password") => {
                Body::Json(json!({"password": "temporary-pass"}))
            }
            ("POST", "/api/v1/conversations/{id}/messages") => {
                Body::Json(json!({"client_id": Uuid::now_v7(), "body": "Hello"}))
            }
            ("POST", "/api/v1/conversations") => Body::Json(json!({
                "client_id": Uuid::now_v7(), "channel_id": "web", "address": "+5511987654321",
                "body": "Hello"
            })),
            ("POST", "/api/v1/conversations/{id}/whatsapp-template") => Body::Json(json!({
                "client_id": Uuid::now_v7(), "name": "hello", "language": "pt_BR"
            })),
            ("POST", "/api/v1/conversations/{id}/transfer") => {
                Body::Json(json!({"extension": BYSTANDER}))
            }
            ("POST", "/api/v1/conversations/{id}/read") => {
                Body::Json(json!({"up_to": chat.map(|c| c.message)}))
            }
            ("POST", "/api/v1/conversations/{id}/block") => {
                Body::Json(json!({"duration_s": 3600, "reason": "matrix"}))
            }
            ("POST", "/api/v1/internal-chats") => Body::Json(json!({"extensions": [COLLEAGUE]})),
            ("POST", "/api/v1/contacts") | ("PUT", "/api/v1/contacts/{id}") => {
                Body::Json(json!({"name": "Matrix contact"}))
            }
            ("POST", "/api/v1/contacts/from-identity") => {
                Body::Json(json!({"conversation_id": chat_id, "name": "Matrix contact"}))
            }
            ("POST", "/api/v1/templates") | ("PUT", "/api/v1/templates/{id}") => {
                Body::Json(template_body())
            }
            ("POST", "/api/v1/templates/{id}/render") => {
                Body::Json(json!({"conversation_id": chat_id}))
            }
            ("POST", "/api/v1/attachments") | ("POST", "/livechat/{channel_id}/attachments") => {
                Body::Image
            }
            ("POST", p) if p.starts_with("/webhooks/sms/") => {
                Body::Form("MessageSid=SM1&From=%2B15551234567&To=%2B15005550006&Body=hi")
            }
            ("POST", p) if p.starts_with("/webhooks/") => {
                Body::Raw(r#"{"object":"whatsapp_business_account","entry":[]}"#)
            }
            ("GET", p) if p.starts_with("/webhooks/") => {
                path.push_str("?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=42");
                Body::Empty
            }
            ("GET", "/media/{id}") => {
                let tomorrow = chrono::Utc::now().timestamp() + 86_400;
                path.push_str(&format!("?expires={tomorrow}&sig=forged"));
                Body::Empty
            }
            ("POST", "/livechat/{channel_id}/session") => Body::Json(json!({})),
            ("POST", "/livechat/{channel_id}/messages") => {
                Body::Json(json!({"client_id": Uuid::now_v7(), "body": "Hello"}))
            }
            _ => Body::Empty,
        };
        Prepared {
            method: row.method.clone(),
            path,
            token,
            body,
            ip: guest.map_or_else(|| self.address(), |g| g.ip),
        }
    }

    /// Send a request; the status and the body as text. A GET of a `/stream` route opens a
    /// WebSocket: 101 when it opens.
    async fn send(&self, request: Prepared) -> (u16, String) {
        if request.method == Method::GET && request.path.ends_with("/stream") {
            return self.open_socket(request).await;
        }
        let mut builder = self
            .server
            .http
            .request(
                request.method,
                format!("{}{}", self.server.base, request.path),
            )
            .header("x-forwarded-for", &request.ip);
        if let Some(token) = &request.token {
            builder = builder.bearer_auth(token);
        }
        builder = match request.body {
            Body::Empty => builder,
            Body::Json(value) => builder.json(&value),
            Body::Form(text) => builder
                .header("content-type", "application/x-www-form-urlencoded")
                .body(text),
            Body::Raw(text) => builder
                .header("content-type", "application/json")
                .body(text),
            Body::Image => builder.multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(png_bytes()).file_name("matrix.png"),
            )),
        };
        let response = builder.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    async fn open_socket(&self, request: Prepared) -> (u16, String) {
        let url = format!("ws://{}{}", self.server.running.addr, request.path);
        let mut ws = url.into_client_request().unwrap();
        ws.headers_mut()
            .insert("x-forwarded-for", request.ip.parse().unwrap());
        if let Some(token) = &request.token {
            ws.headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        match tokio_tungstenite::connect_async(ws).await {
            Ok((mut socket, response)) => {
                let _ = socket.close(None).await;
                (response.status().as_u16(), String::new())
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let body = response
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                (response.status().as_u16(), body)
            }
            Err(other) => panic!("{}: the WebSocket failed: {other}", request.path),
        }
    }

    async fn run(&self, rows: &[Row], cell: Cell) -> Outcome {
        let request = self.prepare(&rows[cell.row], cell).await;
        let (status, body) = self.send(request).await;
        Outcome { cell, status, body }
    }
}

/// Why an answer does not meet what the cell wants, if it does not.
fn mismatch(want: Want, status: u16, body: &str) -> Option<String> {
    let code = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string));
    let allowed = (200..300).contains(&status) || status == 101;
    let fits = match want {
        Allowed => allowed,
        Unauthorized => status == 401,
        Forbidden => status == 403 && code.as_deref() == Some("forbidden"),
        Hidden => status == 404,
        Refused(expected, expected_code) => {
            status == expected && code.as_deref() == Some(expected_code)
        }
        NotApplicable => unreachable!("not-applicable cells are not run"),
    };
    if !fits {
        return Some(format!("expected {want:?}, got {status}"));
    }
    if !allowed {
        if code.is_none() {
            return Some(format!(
                "{status} without the contract's {{\"error\": {{\"code\", \"message\"}}}}"
            ));
        }
        if body.contains(SECRET) {
            return Some(format!("{status} carries the object's data"));
        }
    }
    None
}

/// Every cell of the matrix that exists, in table order.
fn cells(rows: &[Row]) -> Vec<Cell> {
    let mut out = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let route = format!("{} {}", row.method, row.path);
        let objects = row.target.objects();
        for (caller, cells) in CALLERS.into_iter().zip(row.wants) {
            if objects.is_empty() {
                let All(want) = cells else {
                    panic!("{route}: names no object, so one answer per caller");
                };
                out.push(Cell {
                    row: index,
                    caller,
                    object: None,
                    want,
                });
                continue;
            }
            for (i, object) in OBJECTS.into_iter().enumerate() {
                let exists = objects.contains(&object);
                let want = match cells {
                    All(want) => want,
                    Cells::Each(wants) => {
                        assert_eq!(
                            wants[i] != NotApplicable,
                            exists,
                            "{route} | {caller:?} | {object:?}: NotApplicable exactly where \
                             {:?} has no such object",
                            row.target
                        );
                        wants[i]
                    }
                };
                if exists {
                    out.push(Cell {
                        row: index,
                        caller,
                        object: Some(object),
                        want,
                    });
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_authorization_matrix_says() {
    // Given the table and the router's own list of routes,
    let rows = matrix();
    let listed: BTreeSet<(String, String)> = switchboard_server::http::route_list()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_string(), path))
        .collect();
    let mut in_table = BTreeSet::new();
    for row in &rows {
        let key = (row.method.as_str().to_string(), row.path.to_string());
        assert!(
            in_table.insert(key),
            "{} {} has two rows in the matrix",
            row.method,
            row.path
        );
    }
    let without_row: Vec<_> = listed.difference(&in_table).collect();
    let without_route: Vec<_> = in_table.difference(&listed).collect();
    assert!(
        without_row.is_empty() && without_route.is_empty(),
        "the matrix must have exactly one row per route of http::route_list().\n\
         routes without a row (decide who may call them): {without_row:?}\n\
         rows without a route (remove them): {without_route:?}"
    );

    // when every cell runs against a real server with objects of its own,
    let started = Instant::now();
    let world = World::new().await;
    let cells = cells(&rows);
    let outcomes: Vec<Outcome> = futures_util::stream::iter(cells.iter().copied())
        .map(|cell| world.run(&rows, cell))
        .buffered(6)
        .collect()
        .await;

    // then each answer is the one the table says,
    let mut failures = Vec::new();
    for outcome in &outcomes {
        let cell = outcome.cell;
        if let Some(why) = mismatch(cell.want, outcome.status, &outcome.body) {
            let row = &rows[cell.row];
            failures.push(format!(
                "{} {} | {:?} | {} | {why}\n    body: {}",
                row.method,
                row.path,
                cell.caller,
                cell.object.map_or("-".to_string(), |o| format!("{o:?}")),
                outcome.body.chars().take(300).collect::<String>()
            ));
        }
    }
    // and what a caller may not see answers exactly like what does not exist.
    let answers: BTreeMap<(usize, Caller, Object), &Outcome> = outcomes
        .iter()
        .filter_map(|o| Some(((o.cell.row, o.cell.caller, o.cell.object?), o)))
        .collect();
    for (&(row, caller, object), hidden) in &answers {
        let Some(missing) = answers.get(&(row, caller, Object::Missing)) else {
            continue;
        };
        if object != Object::Missing && hidden.status == 404 && missing.status == 404 {
            let error = |body: &str| {
                serde_json::from_str::<Value>(body)
                    .ok()
                    .map(|v| v["error"].clone())
            };
            if error(&hidden.body) != error(&missing.body) {
                failures.push(format!(
                    "{} {} | {caller:?} | {object:?} | a hidden object answers differently from a \
                     missing one\n    hidden: {}\n    missing: {}",
                    rows[row].method, rows[row].path, hidden.body, missing.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cells do not answer as the authorization matrix says:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
    eprintln!(
        "authorization matrix: {} routes, {} cells, {:.1} s",
        rows.len(),
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
}
