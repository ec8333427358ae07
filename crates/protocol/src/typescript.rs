//! The TypeScript side of the contract: `web/protocol/*.ts` at the repository root, generated
//! from this crate's types by ts-rs and checked in, so the agent UI and the widget compile
//! against the Rust types instead of copies of them.
//!
//! The test below generates the files into a temporary folder and fails when the checked-in
//! ones differ, naming each file. With `SWITCHBOARD_WRITE_TS=1` it rewrites the checked-in
//! folder instead (see [`REGENERATE`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::TS;

use super::*;

/// The command that rewrites `web/protocol/` after a change to this crate's types.
const REGENERATE: &str =
    "SWITCHBOARD_WRITE_TS=1 cargo nextest run -p switchboard-protocol typescript";

/// First line of every generated file (replacing ts-rs's own note, to say how to regenerate).
fn header() -> String {
    format!("// Generated from crates/protocol by ts-rs. Do not edit: run `{REGENERATE}`.\n")
}

/// Every type exported to TypeScript, with whatever it refers to. A type the UI or the widget
/// needs goes here (types it contains follow by themselves).
macro_rules! exported {
    ($($ty:ty),* $(,)?) => {
        fn export_every_type(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
            $( <$ty>::export_all(cfg)?; )*
            Ok(())
        }
    };
}

exported!(
    // agents and conversations
    Agent,
    AgentList,
    Conversation,
    ConversationList,
    Message,
    MessagePage,
    HistoryPage,
    QueueList,
    // requests
    LoginRequest,
    LoginResponse,
    PresenceRequest,
    SendMessageRequest,
    TransferRequest,
    WhatsAppTemplateList,
    SendTemplateRequest,
    ChannelList,
    StartConversationRequest,
    StartedConversation,
    ReadRequest,
    InternalChatRequest,
    // administration
    AdminAgentList,
    AdminQueueList,
    AdminChannelList,
    QueueRequest,
    DeleteQueueRequest,
    ChannelRequest,
    ChannelCheck,
    AgentRequest,
    DisableAgentRequest,
    PasswordRequest,
    ChangePasswordRequest,
    AuditPage,
    AuditFilter,
    // errors
    ErrorResponse,
    ErrorCode,
    // sync
    SyncResponse,
    RemovedData,
    MessageStatusData,
    PresenceData,
    IdData,
    // contacts
    Contact,
    ContactRequest,
    ContactList,
    FromIdentityRequest,
    ContactHistory,
    // templates
    Template,
    TemplateRequest,
    TemplateList,
    CategoryList,
    LanguageList,
    RenderRequest,
    RenderResponse,
    // live-chat visitors and blocks
    VisitorConfig,
    VisitorSessionRequest,
    VisitorSession,
    VisitorPage,
    VisitorSendRequest,
    BlockRequest,
    BlockList,
    VisitorInfo,
);

/// `web/protocol/` in this checkout.
fn checked_in_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/protocol")
}

/// The generated files by name: one per type, and `index.ts` re-exporting them all.
fn generate() -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("a temporary folder for the generated bindings");
    let cfg = ts_rs::Config::new()
        // JSON numbers: cursors and sizes stay far below 2^53.
        .with_large_int("number")
        .with_out_dir(dir.path());
    export_every_type(&cfg).expect("ts-rs exports every type");

    let mut files = ts_files(dir.path());
    for text in files.values_mut() {
        let body = text
            .split_once('\n')
            .map_or(text.as_str(), |(_ts_rs_note, rest)| rest);
        *text = header() + body;
    }
    let mut index = header();
    for name in files.keys() {
        let ty = name.trim_end_matches(".ts");
        index.push_str(&format!("export type {{ {ty} }} from \"./{ty}\";\n"));
    }
    files.insert("index.ts".into(), index);
    files
}

/// The `.ts` files directly in `dir`, by name.
fn ts_files(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ts"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("a readable generated file");
            (name, text)
        })
        .collect()
}

/// What differs between the checked-in files and freshly generated ones, one line per file.
fn differences(
    checked_in: &BTreeMap<String, String>,
    generated: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, text) in generated {
        match checked_in.get(name) {
            None => problems.push(format!("web/protocol/{name} is missing")),
            Some(old) if old != text => {
                problems.push(format!("web/protocol/{name} is out of date"))
            }
            Some(_) => {}
        }
    }
    for name in checked_in.keys() {
        if !generated.contains_key(name) {
            problems.push(format!(
                "web/protocol/{name} is generated from no type any more"
            ));
        }
    }
    problems
}

fn write(dir: &Path, generated: &BTreeMap<String, String>) {
    std::fs::create_dir_all(dir).expect("web/protocol can be created");
    for name in ts_files(dir).keys() {
        if !generated.contains_key(name) {
            std::fs::remove_file(dir.join(name)).expect("a stale binding can be removed");
        }
    }
    for (name, text) in generated {
        std::fs::write(dir.join(name), text).expect("a binding can be written");
    }
}

#[test]
fn typescript_bindings_match_the_rust_types() {
    // Given the types as they are now, when their bindings are generated afresh,
    let generated = generate();
    let dir = checked_in_dir();
    if std::env::var_os("SWITCHBOARD_WRITE_TS").is_some_and(|v| v == "1") {
        write(&dir, &generated);
        return;
    }
    // then they are exactly the checked-in ones, or the UI and the widget compile against a
    // contract the server no longer speaks.
    let problems = differences(&ts_files(&dir), &generated);
    assert!(
        problems.is_empty(),
        "the TypeScript bindings do not match crates/protocol:\n  {}\nRun `{REGENERATE}` and \
         commit web/protocol/ (then `npm run build` in ui/ and widget/ shows what the change \
         breaks there).",
        problems.join("\n  ")
    );
}

/// The fields of a struct's TypeScript declaration, each with whether it is optional (`?:`).
fn ts_fields(decl: &str) -> BTreeMap<String, bool> {
    // Drop the doc comments, then split `{ a: T, b?: U, }` at the top level.
    let mut text = String::new();
    let mut rest = decl;
    while let Some(start) = rest.find("/**") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    let body = &text[text.find('{').expect("a struct") + 1..text.rfind('}').expect("a struct")];
    let mut fields = BTreeMap::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, ch) in body.char_indices().chain([(body.len(), ',')]) {
        match ch {
            '<' | '{' | '(' | '[' => depth += 1,
            '>' | '}' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                if let Some((name, _)) = body[start..i].split_once(':') {
                    let name = name.trim();
                    let optional = name.ends_with('?');
                    fields.insert(name.trim_end_matches('?').to_owned(), optional);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    fields
}

/// Checks that a field is optional in TypeScript exactly when `empty` (every `Option` `None`,
/// every skippable list empty) leaves it out of the JSON.
fn assert_optional_as_serialised<T: TS + Serialize + 'static>(empty: &T) {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let decl = T::decl(&cfg);
    let json = serde_json::to_value(empty).expect("serialisable");
    let written = json.as_object().expect("a JSON object");
    let fields = ts_fields(&decl);
    for name in written.keys() {
        assert!(
            fields.contains_key(name),
            "the JSON has `{name}`, TypeScript has not\n{decl}"
        );
    }
    for (name, optional) in &fields {
        assert_eq!(
            *optional,
            !written.contains_key(name),
            "{}.{name}: optional in TypeScript must mean left out of the JSON (\
             `#[serde(default, skip_serializing_if = ...)]`)\n{decl}\n{json}",
            T::ident(&cfg)
        );
    }
}

#[test]
fn optional_fields_are_the_ones_serde_leaves_out() {
    let at = chrono::DateTime::<Utc>::UNIX_EPOCH;
    let id = Uuid::nil();
    let message = Message {
        id,
        conversation_id: id,
        client_id: None,
        direction: Direction::Inbound,
        author: Author::System,
        body: String::new(),
        attachments: vec![],
        status: MessageStatus::Sent,
        error: None,
        sms: None,
        created_at: at,
    };
    assert_optional_as_serialised(&message);
    assert_optional_as_serialised(&Conversation {
        id,
        channel: ChannelKind::Sms,
        channel_id: String::new(),
        status: ConversationStatus::Queued,
        queue_id: None,
        owner: None,
        contact: ConversationContact {
            id: None,
            display_name: String::new(),
            known: false,
            identity: None,
        },
        last_message: None,
        unread: 0,
        archived: false,
        title: None,
        participants: vec![],
        reply_window_ends_at: None,
        opted_out_at: None,
        created_at: at,
        updated_at: at,
    });
    assert_optional_as_serialised(&ConversationContact {
        id: None,
        display_name: String::new(),
        known: false,
        identity: None,
    });
    assert_optional_as_serialised(&HistoryEntry {
        conversation_id: id,
        channel: ChannelKind::Sms,
        channel_id: String::new(),
        queue_id: None,
        status: ConversationStatus::Open,
        handled_by: None,
        outcome: String::new(),
        messages: 0,
        last_message: None,
        started_at: at,
        ended_at: None,
    });
    assert_optional_as_serialised(&Template {
        id,
        name: String::new(),
        body: String::new(),
        category: String::new(),
        language: String::new(),
        updated_by: None,
        updated_at: at,
    });
    assert_optional_as_serialised(&VisitorMessage {
        id,
        client_id: None,
        author: String::new(),
        agent_name: None,
        body: String::new(),
        attachments: vec![],
        created_at: at,
        cursor: 0,
    });
    assert_optional_as_serialised(&VisitorSession {
        token: String::new(),
        visitor_id: id,
        name: None,
        ended: false,
    });
    assert_optional_as_serialised(&VisitorConfig {
        greeting: String::new(),
        offline_text: None,
        ask_name: false,
        ask_email: false,
        max_attachment_bytes: 0,
        accepted_extensions: vec![],
        max_message_chars: None,
    });
    assert_optional_as_serialised(&MessageStatusData {
        id,
        conversation_id: id,
        status: MessageStatus::Failed,
        error: None,
    });
    assert_optional_as_serialised(&SyncResponse {
        reset: false,
        events: vec![],
        cursor: 0,
        more: false,
    });
    assert_optional_as_serialised(&ConversationList {
        conversations: vec![],
        next: None,
    });
}
