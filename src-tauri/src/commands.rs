//! Tauri commands: the Rust side of the UI's `Backend` interface (`ui/src/api.ts`).
//!
//! Each command is a short adapter: gather inputs, call the client engine
//! (`switchboard_client::Client`), and turn failures into a `{code, message}` object that the
//! UI can branch on by `code`.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;
use switchboard_client::{
    AttachmentRules, ClientError, ConnectionState, FileCheck, MessagesPage, OutgoingAttachment,
    SearchResults, SignInKept, StartedChat, TemplateFilter, View,
};
use switchboard_protocol::{
    AdminAgent, AdminChannel, AdminQueue, Agent, AgentRequest, AuditFilter, AuditPage,
    ChannelCheck, ChannelRequest, ChannelSummary, Conversation, ErrorCode, Message, Presence,
    QueueRequest, StartConversationRequest, Template, TemplateChoice, TemplateRequest,
    WhatsAppTemplate,
};
use tauri::{AppHandle, Manager, Runtime, State};
use uuid::Uuid;

use crate::settings::Settings;
use crate::Desktop;

/// Environment variable that overrides where the app keeps its data. Tests and portable
/// installs point it at a folder of their own instead of the per-user OS location.
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";
/// Pre-fills the login screen's server address (the demo sets it).
pub const SERVER_URL_ENV: &str = "SWITCHBOARD_SERVER_URL";

/// What `app_info` returns to the UI.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version (the workspace version in `Cargo.toml`).
    pub version: String,
    /// The folder where the app keeps its local data.
    pub data_dir: PathBuf,
    /// The server address to suggest on the login screen.
    pub default_server: Option<String>,
    /// Benchmark baseline: the UI shows nothing (env `SWITCHBOARD_BENCH_EMPTY_WINDOW`).
    pub empty_window: bool,
}

/// When `main` started, for the cold-start figure.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Milliseconds since the process started; the UI reports its first list paint with it.
#[tauri::command]
pub fn startup_ms() -> f64 {
    STARTED
        .get()
        .map(|start| start.elapsed().as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// An error as the UI receives it over IPC.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// Stable, machine-readable reason; the UI branches on this, never on `message`.
    pub code: ErrorCode,
    /// What happened and what to do, for a person.
    pub message: String,
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> Self {
        CommandError {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

impl CommandError {
    pub(crate) fn bad_input(field: &str, detail: impl std::fmt::Display) -> CommandError {
        CommandError {
            code: ErrorCode::BadInput,
            message: format!("{field}: {detail}"),
        }
    }
}

pub(crate) type Answer<T> = Result<T, CommandError>;

/// The local files the agent handed to the app, by choosing them in the file dialog or
/// dropping them on the window. Only these may be checked or sent, so a page that went wrong
/// cannot read or upload any other file of the agent's.
#[derive(Debug, Default)]
pub struct OfferedFiles(Mutex<HashSet<PathBuf>>);

impl OfferedFiles {
    pub fn offer(&self, paths: impl IntoIterator<Item = PathBuf>) {
        let mut offered = self.0.lock().unwrap_or_else(|e| e.into_inner());
        offered.extend(paths);
    }

    /// The paths, if every one was offered; else which one was not.
    pub fn require(&self, field: &str, paths: Vec<String>) -> Answer<Vec<PathBuf>> {
        let offered = self.0.lock().unwrap_or_else(|e| e.into_inner());
        paths
            .into_iter()
            .map(PathBuf::from)
            .map(|path| {
                if offered.contains(&path) {
                    Ok(path)
                } else {
                    Err(CommandError::bad_input(
                        field,
                        format!(
                            "{} was not chosen in the file dialog or dropped on the window; \
                             attach it that way",
                            path.display()
                        ),
                    ))
                }
            })
            .collect()
    }
}

fn id(field: &str, text: &str) -> Answer<Uuid> {
    Uuid::parse_str(text).map_err(|_| CommandError::bad_input(field, "not an id"))
}

/// Tells the UI which version is running and where its data lives.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>) -> Answer<AppInfo> {
    let data_dir = resolve_data_dir(std::env::var_os(DATA_DIR_ENV), || app.path().app_data_dir())?;
    let version = app.package_info().version.to_string();
    let default_server = std::env::var(SERVER_URL_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty());
    Ok(AppInfo {
        version,
        data_dir,
        default_server,
        empty_window: std::env::var_os("SWITCHBOARD_BENCH_EMPTY_WINDOW").is_some(),
    })
}

/// Picks the data folder: the override when it is set and non-empty, else the OS default.
pub fn resolve_data_dir(
    override_dir: Option<OsString>,
    os_default: impl FnOnce() -> tauri::Result<PathBuf>,
) -> Answer<PathBuf> {
    match override_dir.filter(|dir| !dir.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => os_default().map_err(|error| CommandError {
            code: ErrorCode::DataDirUnavailable,
            message: format!(
                "Switchboard could not find a folder for its data ({error}). \
                 Set {DATA_DIR_ENV} to a writable folder and restart the app."
            ),
        }),
    }
}

// ----- session -----

#[tauri::command]
pub async fn resume(desktop: State<'_, Desktop>) -> Answer<Option<Agent>> {
    Ok(desktop.client.resume().await?)
}

#[tauri::command]
pub async fn login(
    desktop: State<'_, Desktop>,
    server: String,
    user: String,
    password: String,
) -> Answer<Agent> {
    Ok(desktop.client.login(&server, &user, &password).await?)
}

/// After `login` answered `password_change_required`: the agent's own password in place of the
/// temporary one; then signed in as `login` would.
#[tauri::command]
pub async fn choose_password(desktop: State<'_, Desktop>, password: String) -> Answer<Agent> {
    Ok(desktop.client.choose_password(&password).await?)
}

/// The signed-in agent's new password (Settings); other sessions end.
#[tauri::command]
pub async fn change_password(
    desktop: State<'_, Desktop>,
    current: String,
    new: String,
) -> Answer<()> {
    Ok(desktop.client.change_password(&current, &new).await?)
}

/// Where the sign-in is kept: the keychain, or this run only (the UI says why).
#[tauri::command]
pub fn sign_in_kept(desktop: State<'_, Desktop>) -> Option<SignInKept> {
    desktop.client.sign_in_kept()
}

#[tauri::command]
pub async fn logout(desktop: State<'_, Desktop>) -> Answer<()> {
    Ok(desktop.client.logout().await?)
}

#[tauri::command]
pub fn connection_state(desktop: State<'_, Desktop>) -> ConnectionState {
    desktop.client.connection_state()
}

#[tauri::command]
pub async fn set_presence(desktop: State<'_, Desktop>, presence: Presence) -> Answer<Agent> {
    Ok(desktop.client.set_presence(presence).await?)
}

// ----- reading the cache -----

#[tauri::command]
pub async fn conversations(
    desktop: State<'_, Desktop>,
    view: String,
    limit: Option<u32>,
) -> Answer<Vec<Conversation>> {
    let view = match view.as_str() {
        "recent" => View::Recent,
        "archived" => View::Archived,
        other => {
            return Err(CommandError::bad_input(
                "view",
                format!("{other:?} is not recent or archived"),
            ))
        }
    };
    Ok(desktop
        .client
        .conversations_limited(view, limit.unwrap_or(u32::MAX))
        .await?)
}

#[tauri::command]
pub async fn conversation(desktop: State<'_, Desktop>, id: String) -> Answer<Option<Conversation>> {
    Ok(desktop.client.conversation(self::id("id", &id)?).await?)
}

#[tauri::command]
pub async fn messages(
    desktop: State<'_, Desktop>,
    id: String,
    before: Option<String>,
    limit: u32,
) -> Answer<MessagesPage> {
    let before = before.map(|b| self::id("before", &b)).transpose()?;
    Ok(desktop
        .client
        .messages(self::id("id", &id)?, before, limit.clamp(1, 500))
        .await?)
}

#[tauri::command]
pub async fn search(desktop: State<'_, Desktop>, query: String) -> Answer<SearchResults> {
    Ok(desktop.client.search(&query).await?)
}

#[tauri::command]
pub async fn templates(
    desktop: State<'_, Desktop>,
    filter: TemplateFilter,
) -> Answer<Vec<Template>> {
    Ok(desktop.client.templates(filter).await?)
}

#[tauri::command]
pub async fn template_categories(desktop: State<'_, Desktop>) -> Answer<Vec<String>> {
    Ok(desktop.client.template_categories().await?)
}

#[tauri::command]
pub async fn template_languages(desktop: State<'_, Desktop>) -> Answer<Vec<String>> {
    Ok(desktop.client.template_languages().await?)
}

#[tauri::command]
pub async fn agents(desktop: State<'_, Desktop>, query: String) -> Answer<Vec<Agent>> {
    Ok(desktop.client.agents(&query).await?)
}

// ----- sending -----

#[tauri::command]
pub async fn send(
    desktop: State<'_, Desktop>,
    conversation_id: String,
    body: String,
    files: Vec<String>,
) -> Answer<Message> {
    let files = desktop
        .files
        .require("files", files)?
        .into_iter()
        .map(OutgoingAttachment::File)
        .collect();
    Ok(desktop
        .client
        .send(id("conversationId", &conversation_id)?, &body, files)
        .await?)
}

#[tauri::command]
pub async fn retry_send(desktop: State<'_, Desktop>, client_id: String) -> Answer<()> {
    Ok(desktop
        .client
        .retry_send(id("clientId", &client_id)?)
        .await?)
}

#[tauri::command]
pub async fn discard_send(desktop: State<'_, Desktop>, client_id: String) -> Answer<()> {
    Ok(desktop
        .client
        .discard_send(id("clientId", &client_id)?)
        .await?)
}

/// Send once more a reply the server marked failed; the answer is the message, `pending`.
#[tauri::command]
pub async fn resend(desktop: State<'_, Desktop>, message_id: String) -> Answer<Message> {
    Ok(desktop.client.resend(id("messageId", &message_id)?).await?)
}

#[tauri::command]
pub async fn mark_read(desktop: State<'_, Desktop>, id: String, up_to: String) -> Answer<()> {
    desktop
        .client
        .mark_read(self::id("id", &id)?, self::id("upTo", &up_to)?)
        .await?;
    Ok(())
}

// ----- attachments -----

#[tauri::command]
pub async fn attachment_rules(desktop: State<'_, Desktop>) -> Answer<AttachmentRules> {
    Ok(desktop.client.attachment_rules().await?)
}

/// Whether each file may be sent, and why not, before anything is uploaded.
#[tauri::command]
pub async fn check_files(
    desktop: State<'_, Desktop>,
    paths: Vec<String>,
) -> Answer<Vec<FileCheck>> {
    let paths = desktop.files.require("paths", paths)?;
    Ok(desktop.client.check_files(paths).await?)
}

/// The native file dialog (rfd), offering the accepted types; the paths chosen, if any.
#[tauri::command]
pub async fn pick_files(
    window: tauri::WebviewWindow,
    desktop: State<'_, Desktop>,
) -> Answer<Vec<String>> {
    let rules = desktop.client.attachment_rules().await?;
    let ask = crate::dialogs::Ask {
        title: "Attach files".into(),
        filter: ("Documents and images".into(), rules.extensions),
        many: true,
    };
    let chosen = crate::dialogs::pick(&window, ask).await?;
    desktop.files.offer(chosen.iter().cloned());
    Ok(chosen
        .iter()
        .map(|path| path.display().to_string())
        .collect())
}

/// Header carrying a dropped file's name (percent-encoded) beside its bytes.
pub const FILENAME_HEADER: &str = "x-switchboard-filename";

/// A file dropped on the window arrives as raw bytes (the page has no paths); it is kept
/// until its reply is sent and its path returned.
#[tauri::command]
pub async fn stage_file(
    desktop: State<'_, Desktop>,
    request: tauri::ipc::Request<'_>,
) -> Answer<String> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::bad_input("body", "send the file's bytes"));
    };
    let name = dropped_file_name(
        request
            .headers()
            .get(FILENAME_HEADER)
            .and_then(|v| v.to_str().ok()),
    )?;
    let path = desktop
        .client
        .stage_attachment(&name, bytes.clone())
        .await?;
    desktop.files.offer([path.clone()]);
    Ok(path.display().to_string())
}

/// The dropped file's name from its percent-encoded header (the page sends
/// `encodeURIComponent(file.name)`, as headers carry ASCII only).
pub fn dropped_file_name(header: Option<&str>) -> Answer<String> {
    header
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| CommandError::bad_input(FILENAME_HEADER, "the file needs a name"))
}

/// An image attachment's thumbnail as a `data:` URL (the CSP allows `img-src data:`).
#[tauri::command]
pub async fn thumbnail(desktop: State<'_, Desktop>, id: String) -> Answer<String> {
    use base64::Engine as _;
    let path = desktop.client.thumbnail(self::id("id", &id)?).await?;
    let bytes = tokio::fs::read(&path).await.map_err(|e| CommandError {
        code: ErrorCode::FileUnusable,
        message: format!("{}: {e}", path.display()),
    })?;
    Ok(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// Download an attachment (once) and open it with the OS default app if its type is one
/// Switchboard accepts (read from its content); otherwise show its folder and say why.
#[tauri::command]
pub async fn open_attachment(
    desktop: State<'_, Desktop>,
    id: String,
) -> Answer<crate::opening::OpenedFile> {
    use crate::opening::{how_to_open, OpenedFile, Opening};
    let path = desktop
        .client
        .download_attachment(self::id("id", &id)?)
        .await?;
    let checked = path.clone();
    let check =
        tokio::task::spawn_blocking(move || switchboard_client::files::check(&checked, u64::MAX))
            .await
            .map_err(|e| CommandError {
                code: ErrorCode::FileUnusable,
                message: format!("{}: {e}", path.display()),
            })?;
    let portuguese = desktop.alerts.settings().locale == "pt-BR";
    let no_handler = |what: &std::path::Path, e: std::io::Error| CommandError {
        code: ErrorCode::NoHandler,
        message: format!("No app on this computer opens {}: {e}", what.display()),
    };
    match how_to_open(&check.filename, check.mime.as_deref(), portuguese) {
        Opening::Open => {
            open::that_detached(&path).map_err(|e| no_handler(&path, e))?;
            Ok(OpenedFile {
                opened: true,
                reason: None,
            })
        }
        Opening::ShowInFolder { reason } => {
            let folder = path.parent().unwrap_or(&path);
            open::that_detached(folder).map_err(|e| no_handler(folder, e))?;
            Ok(OpenedFile {
                opened: false,
                reason: Some(reason),
            })
        }
    }
}

// ----- templates (managers and owners; the server refuses others) -----

fn template_request(template: TemplateRequest) -> Answer<TemplateRequest> {
    for (field, value) in [
        ("name", &template.name),
        ("body", &template.body),
        ("category", &template.category),
        ("language", &template.language),
    ] {
        if value.trim().is_empty() {
            return Err(CommandError::bad_input(field, "fill this in"));
        }
    }
    Ok(template)
}

#[tauri::command]
pub async fn create_template(
    desktop: State<'_, Desktop>,
    template: TemplateRequest,
) -> Answer<Template> {
    Ok(desktop
        .client
        .create_template(template_request(template)?)
        .await?)
}

#[tauri::command]
pub async fn update_template(
    desktop: State<'_, Desktop>,
    id: String,
    template: TemplateRequest,
) -> Answer<Template> {
    Ok(desktop
        .client
        .update_template(self::id("id", &id)?, template_request(template)?)
        .await?)
}

#[tauri::command]
pub async fn delete_template(desktop: State<'_, Desktop>, id: String) -> Answer<()> {
    Ok(desktop.client.delete_template(self::id("id", &id)?).await?)
}

// ----- conversation actions -----

#[tauri::command]
pub async fn take(desktop: State<'_, Desktop>, id: String) -> Answer<Conversation> {
    Ok(desktop.client.take(self::id("id", &id)?).await?)
}

#[tauri::command]
pub async fn transfer(desktop: State<'_, Desktop>, id: String, extension: String) -> Answer<()> {
    Ok(desktop
        .client
        .transfer(self::id("id", &id)?, &extension)
        .await?)
}

#[tauri::command]
pub async fn resolve(desktop: State<'_, Desktop>, id: String) -> Answer<Conversation> {
    Ok(desktop.client.resolve(self::id("id", &id)?).await?)
}

#[tauri::command]
pub async fn archive(desktop: State<'_, Desktop>, id: String) -> Answer<Conversation> {
    Ok(desktop.client.archive(self::id("id", &id)?).await?)
}

#[tauri::command]
pub async fn unarchive(desktop: State<'_, Desktop>, id: String) -> Answer<Conversation> {
    Ok(desktop.client.unarchive(self::id("id", &id)?).await?)
}

#[tauri::command]
pub async fn delete_conversation(desktop: State<'_, Desktop>, id: String) -> Answer<()> {
    Ok(desktop.client.delete(self::id("id", &id)?).await?)
}

#[tauri::command]
pub async fn end_session(desktop: State<'_, Desktop>, id: String) -> Answer<()> {
    Ok(desktop.client.end_session(self::id("id", &id)?).await?)
}

#[tauri::command]
pub async fn block(
    desktop: State<'_, Desktop>,
    id: String,
    duration_s: Option<i64>,
    reason: String,
) -> Answer<()> {
    if duration_s.is_some_and(|d| d <= 0) {
        return Err(CommandError::bad_input(
            "durationS",
            "a block lasts a positive number of seconds (or leave it empty for no end)",
        ));
    }
    Ok(desktop
        .client
        .block(self::id("id", &id)?, duration_s, &reason)
        .await?)
}

#[tauri::command]
pub async fn start_internal_chat(
    desktop: State<'_, Desktop>,
    extensions: Vec<String>,
    title: Option<String>,
) -> Answer<Conversation> {
    Ok(desktop
        .client
        .start_internal_chat(extensions, title)
        .await?)
}

// ----- reaching customers: WhatsApp templates, chats started by the agent -----

/// The channels a chat can be started on (enabled SMS and WhatsApp ones); online.
#[tauri::command]
pub async fn channels(desktop: State<'_, Desktop>) -> Answer<Vec<ChannelSummary>> {
    Ok(desktop.client.channels().await?)
}

/// A WhatsApp channel's approved templates, every language (the UI filters as the agent
/// types); online.
#[tauri::command]
pub async fn whatsapp_templates(
    desktop: State<'_, Desktop>,
    channel_id: String,
) -> Answer<Vec<WhatsAppTemplate>> {
    Ok(desktop
        .client
        .whatsapp_templates(&channel_id, None, None)
        .await?)
}

/// Send an approved WhatsApp template in a chat; the same `clientId` for a retry of the same
/// values.
#[tauri::command]
pub async fn send_whatsapp_template(
    desktop: State<'_, Desktop>,
    conversation_id: String,
    client_id: String,
    template: TemplateChoice,
) -> Answer<Message> {
    Ok(desktop
        .client
        .send_whatsapp_template(
            id("conversationId", &conversation_id)?,
            id("clientId", &client_id)?,
            template,
        )
        .await?)
}

/// Start a chat with a customer (SMS text or WhatsApp template), or write in their open one.
#[tauri::command]
pub async fn start_conversation(
    desktop: State<'_, Desktop>,
    request: StartConversationRequest,
) -> Answer<StartedChat> {
    Ok(desktop.client.start_conversation(request).await?)
}

// ----- contacts -----

#[tauri::command]
pub async fn contact_history(
    desktop: State<'_, Desktop>,
    contact_id: String,
) -> Answer<switchboard_protocol::ContactHistory> {
    Ok(desktop
        .client
        .contact_history(id("contactId", &contact_id)?)
        .await?)
}

#[tauri::command]
pub async fn add_contact_from_conversation(
    desktop: State<'_, Desktop>,
    conversation_id: String,
    name: String,
    emails: Vec<String>,
) -> Answer<switchboard_protocol::Contact> {
    if name.trim().is_empty() {
        return Err(CommandError::bad_input("name", "a contact needs a name"));
    }
    Ok(desktop
        .client
        .add_contact_from_conversation(id("conversationId", &conversation_id)?, &name, emails)
        .await?)
}

/// Only these schemes leave the app, through the OS handler (dialler, mail, messages).
pub fn link_allowed(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["tel:", "mailto:", "sms:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len())
        && !url.chars().any(char::is_control)
}

#[tauri::command]
pub fn open_link(url: String) -> Answer<()> {
    if !link_allowed(&url) {
        return Err(CommandError::bad_input(
            "url",
            "only tel:, mailto: and sms: links can be opened",
        ));
    }
    open::that_detached(url.trim()).map_err(|e| CommandError {
        code: ErrorCode::NoHandler,
        message: format!("No app on this computer opens {url}: {e}"),
    })
}

// ----- settings and the desktop -----

/// The queues I am a member of (for a sound per queue in the settings); online only.
#[tauri::command]
pub async fn my_queues(
    desktop: State<'_, Desktop>,
) -> Answer<Vec<switchboard_protocol::QueueSummary>> {
    Ok(desktop.client.my_queues().await?)
}

#[tauri::command]
pub async fn settings(desktop: State<'_, Desktop>) -> Answer<Settings> {
    let stored = desktop.client.preference(crate::settings::KEY).await?;
    let settings = Settings::from_stored(stored.as_deref());
    desktop.alerts.set_settings(settings.clone());
    Ok(settings)
}

#[tauri::command]
pub async fn save_settings(desktop: State<'_, Desktop>, settings: Settings) -> Answer<()> {
    let text = settings
        .validated()
        .map_err(|(field, detail)| CommandError::bad_input(field, detail))?;
    desktop
        .client
        .set_preference(crate::settings::KEY, &text)
        .await?;
    desktop.alerts.set_settings(settings);
    Ok(())
}

#[tauri::command]
pub fn set_active_conversation(desktop: State<'_, Desktop>, id: Option<String>) -> Answer<()> {
    let id = id.map(|i| self::id("id", &i)).transpose()?;
    desktop.alerts.set_active(id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os_default() -> tauri::Result<PathBuf> {
        Ok(PathBuf::from(
            "/home/agent/.local/share/com.switchboard.desktop",
        ))
    }

    #[test]
    fn override_from_environment_wins_over_os_default() {
        // Given an override, when resolving, then the OS default is not used.
        let dir = resolve_data_dir(Some("/tmp/switchboard-test".into()), os_default);
        assert_eq!(
            dir.ok(),
            Some(PathBuf::from("/tmp/switchboard-test")),
            "an explicit SWITCHBOARD_DATA_DIR must be honoured as given"
        );
    }

    #[test]
    fn empty_override_falls_back_to_os_default() {
        // `SWITCHBOARD_DATA_DIR=` in a shell sets an empty value; that means "not set".
        let dir = resolve_data_dir(Some(OsString::new()), os_default);
        assert_eq!(
            dir.ok(),
            os_default().ok(),
            "an empty override must not become the cwd"
        );
    }

    #[test]
    fn only_call_mail_and_sms_links_leave_the_app() {
        for ok in [
            "tel:+5511987654321",
            "mailto:ana@example.com",
            "SMS:+15005550006",
        ] {
            assert!(link_allowed(ok), "{ok}");
        }
        for bad in [
            "https://example.com",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "tel:",
            "tel:+55\n--evil",
        ] {
            assert!(!link_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn only_files_the_agent_handed_over_may_be_sent() {
        let files = OfferedFiles::default();
        files.offer([PathBuf::from("/home/ana/boleto.pdf")]);
        assert_eq!(
            files
                .require("files", vec!["/home/ana/boleto.pdf".into()])
                .ok(),
            Some(vec![PathBuf::from("/home/ana/boleto.pdf")])
        );
        let error = files
            .require(
                "files",
                vec![
                    "/home/ana/boleto.pdf".into(),
                    "/home/ana/.ssh/id_ed25519".into(),
                ],
            )
            .expect_err("never offered");
        assert_eq!(error.code, "bad_input");
        assert!(
            error
                .message
                .starts_with("files: /home/ana/.ssh/id_ed25519 was not chosen"),
            "{}",
            error.message
        );
        assert!(
            files.require("files", Vec::new()).is_ok(),
            "no files, nothing to check"
        );
    }

    #[test]
    fn dropped_file_names_are_decoded_and_required() {
        assert_eq!(
            dropped_file_name(Some("Relat%C3%B3rio%20final.pdf")).ok(),
            Some("Relatório final.pdf".to_string())
        );
        for missing in [None, Some(""), Some("%20%20")] {
            let error = dropped_file_name(missing).expect_err("no name");
            assert_eq!(error.code, "bad_input");
            assert!(
                error.message.starts_with(FILENAME_HEADER),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn a_template_needs_every_field_and_the_error_names_the_empty_one() {
        let full = || TemplateRequest {
            name: "Boleto".into(),
            body: "Seu boleto vence amanhã.".into(),
            category: "Financeiro".into(),
            language: "pt-BR".into(),
        };
        assert!(template_request(full()).is_ok());
        type Blank = fn(&mut TemplateRequest);
        let blanks: [(&str, Blank); 4] = [
            ("name", |t| t.name = " ".into()),
            ("body", |t| t.body = String::new()),
            ("category", |t| t.category = "\t".into()),
            ("language", |t| t.language = String::new()),
        ];
        for (field, blank) in blanks {
            let mut template = full();
            blank(&mut template);
            let error = template_request(template).expect_err("incomplete");
            assert_eq!(error.code, "bad_input");
            assert!(error.message.starts_with(field), "{}", error.message);
        }
    }

    #[test]
    fn missing_os_dir_reports_a_code_and_how_to_fix_it() {
        let error = resolve_data_dir(None, || Err(tauri::Error::UnknownPath))
            .expect_err("without an override or OS folder there is no data dir");
        assert_eq!(error.code, "data_dir_unavailable");
        assert!(
            error.message.contains(DATA_DIR_ENV),
            "the message should tell the user which variable fixes it: {}",
            error.message
        );
    }
}

// ----- administration (system owners; the server checks every call) -----

#[tauri::command]
pub async fn admin_agents(desktop: State<'_, Desktop>) -> Answer<Vec<AdminAgent>> {
    Ok(desktop.client.admin_agents().await?)
}

#[tauri::command]
pub async fn create_agent(
    desktop: State<'_, Desktop>,
    request: AgentRequest,
) -> Answer<AdminAgent> {
    Ok(desktop.client.create_agent(request).await?)
}

#[tauri::command]
pub async fn update_agent(
    desktop: State<'_, Desktop>,
    extension: String,
    request: AgentRequest,
) -> Answer<AdminAgent> {
    Ok(desktop.client.update_agent(&extension, request).await?)
}

#[tauri::command]
pub async fn disable_agent(
    desktop: State<'_, Desktop>,
    extension: String,
    transfer_to: Option<String>,
) -> Answer<AdminAgent> {
    let transfer_to = transfer_to.filter(|to| !to.trim().is_empty());
    Ok(desktop
        .client
        .disable_agent(&extension, transfer_to)
        .await?)
}

#[tauri::command]
pub async fn enable_agent(desktop: State<'_, Desktop>, extension: String) -> Answer<AdminAgent> {
    Ok(desktop.client.enable_agent(&extension).await?)
}

#[tauri::command]
pub async fn set_temporary_password(
    desktop: State<'_, Desktop>,
    extension: String,
    password: String,
) -> Answer<AdminAgent> {
    Ok(desktop
        .client
        .set_temporary_password(&extension, &password)
        .await?)
}

#[tauri::command]
pub async fn audit(
    desktop: State<'_, Desktop>,
    filter: Option<AuditFilter>,
    after: Option<String>,
) -> Answer<AuditPage> {
    let filter = filter.unwrap_or_default();
    Ok(desktop.client.audit(&filter, after.as_deref()).await?)
}

#[tauri::command]
pub async fn admin_queues(desktop: State<'_, Desktop>) -> Answer<Vec<AdminQueue>> {
    Ok(desktop.client.admin_queues().await?)
}

#[tauri::command]
pub async fn create_queue(
    desktop: State<'_, Desktop>,
    request: QueueRequest,
) -> Answer<AdminQueue> {
    Ok(desktop.client.create_queue(request).await?)
}

#[tauri::command]
pub async fn update_queue(
    desktop: State<'_, Desktop>,
    id: String,
    request: QueueRequest,
) -> Answer<AdminQueue> {
    Ok(desktop.client.update_queue(&id, request).await?)
}

#[tauri::command]
pub async fn delete_queue(
    desktop: State<'_, Desktop>,
    id: String,
    move_to: Option<String>,
) -> Answer<()> {
    let move_to = move_to.filter(|to| !to.trim().is_empty());
    Ok(desktop.client.delete_queue(&id, move_to).await?)
}

#[tauri::command]
pub async fn admin_channels(desktop: State<'_, Desktop>) -> Answer<Vec<AdminChannel>> {
    Ok(desktop.client.admin_channels().await?)
}

#[tauri::command]
pub async fn create_channel(
    desktop: State<'_, Desktop>,
    request: ChannelRequest,
) -> Answer<AdminChannel> {
    Ok(desktop.client.create_channel(request).await?)
}

#[tauri::command]
pub async fn update_channel(
    desktop: State<'_, Desktop>,
    id: String,
    request: ChannelRequest,
) -> Answer<AdminChannel> {
    Ok(desktop.client.update_channel(&id, request).await?)
}

#[tauri::command]
pub async fn set_channel_enabled(
    desktop: State<'_, Desktop>,
    id: String,
    enabled: bool,
) -> Answer<AdminChannel> {
    Ok(desktop.client.set_channel_enabled(&id, enabled).await?)
}

#[tauri::command]
pub async fn check_channel(desktop: State<'_, Desktop>, id: String) -> Answer<ChannelCheck> {
    Ok(desktop.client.check_channel(&id).await?)
}
