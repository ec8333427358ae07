//! Every error code on the wire, in one list: the `code` of the contract's
//! `{"error": {"code", "message"}}` (CONTRACT §4) that the server answers, and the codes the
//! desktop client crate and the desktop shell hand the UI. Callers branch on the code, never on
//! the message.
//!
//! A spelling that drifted and was unified stays readable through `#[serde(alias)]`, so an
//! older peer's code still parses to the same variant. A code this build does not know parses
//! to [`ErrorCode::Unknown`] instead of failing, so the message still reaches a person.

use serde::{Deserialize, Serialize};

/// One table makes the enum, its wire strings ([`ErrorCode::as_str`]) and [`ErrorCode::ALL`];
/// a test checks that each string is exactly what serde writes.
macro_rules! error_codes {
    ($($(#[$meta:meta])* $variant:ident => $wire:literal,)*) => {
        /// A stable snake_case error code (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$meta])* $variant,)*
            /// A code this build does not know (a newer peer's, or an answer that was not the
            /// contract's error shape); the message says what happened.
            #[serde(other)]
            Unknown,
        }

        impl ErrorCode {
            /// Every code, `Unknown` last.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)* ErrorCode::Unknown];

            /// The code as it is written on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::Unknown => "unknown",
                }
            }
        }
    };
}

error_codes! {
    // ----- who you are -----
    /// 401: no bearer token, or its session ended (logged out, expired, agent gone).
    Unauthorized => "unauthorized",
    /// 401: the login name or password is wrong. The desktop client once said
    /// `wrong_credentials`.
    #[serde(alias = "wrong_credentials")]
    InvalidCredentials => "invalid_credentials",
    /// 401: a live-chat visitor's token is missing, unknown or expired.
    InvalidToken => "invalid_token",
    /// 429: too many attempts (sign-in, webhooks, a visitor's messages); wait and retry.
    RateLimited => "rate_limited",
    /// 400: the login name is longer than any extension or e-mail address can be.
    InvalidLogin => "invalid_login",
    /// 429: this agent or visitor already holds as many live streams as a node allows
    /// (`[server.limits] streams_per_agent`, `streams_per_visitor`); close one first.
    TooManyStreams => "too_many_streams",
    /// 403: the agent's role does not allow this (templates, blocks).
    Forbidden => "forbidden",

    // ----- what you asked for -----
    /// 404: nothing with that id, or not visible to you (the two look the same on purpose).
    NotFound => "not_found",
    /// 404: no agent has the extension named (transfer, internal chats).
    AgentNotFound => "agent_not_found",
    /// 404: no channel with that id is configured (webhooks, live chat).
    UnknownChannel => "unknown_channel",
    /// 404: the attachment has no thumbnail; download the file instead.
    NoThumbnail => "no_thumbnail",
    /// 405: the address does not accept that method.
    MethodNotAllowed => "method_not_allowed",

    // ----- the request itself -----
    /// 400: the JSON body is malformed or has wrong or missing fields.
    InvalidJson => "invalid_json",
    /// 400: a query-string value cannot be read.
    InvalidQuery => "invalid_query",
    /// 415: the body is not sent as `application/json`.
    UnsupportedMediaType => "unsupported_media_type",
    /// 413: the whole request body is over the server's JSON limit.
    PayloadTooLarge => "payload_too_large",
    /// 400: `limit` is 0 or above the maximum of that list.
    InvalidLimit => "invalid_limit",
    /// 400: `after` or `before` is not a cursor this server handed out for that list.
    InvalidCursor => "invalid_cursor",
    /// 400: `view` is neither `recent` nor `archived`.
    InvalidView => "invalid_view",
    /// 400: an update request's version, platform or architecture cannot be read.
    InvalidVersion => "invalid_version",

    // ----- administration -----
    /// 400: one of an agent's fields is wrong (the message names it and says why).
    InvalidAgent => "invalid_agent",
    /// 409: another agent already has that extension or e-mail.
    AgentTaken => "agent_taken",
    /// 400: one of a queue's fields is wrong (the message names it and says why).
    InvalidQueue => "invalid_queue",
    /// 404: no queue with that id, or none the caller may change.
    QueueNotFound => "queue_not_found",
    /// 409: another queue already has that id.
    QueueTaken => "queue_taken",
    /// 409: the queue has channels routed to it, or chats waiting and no `move_to`.
    QueueInUse => "queue_in_use",
    /// 409: the entry is declared in the configuration file, which rules it; change it there.
    Provisioned => "provisioned",
    /// 403: the agent signed in with a temporary password and must choose a new one first
    /// (`PUT /me/password`).
    PasswordChangeRequired => "password_change_required",
    /// 400: the current password given is wrong, or the new one is too short.
    InvalidPassword => "invalid_password",
    /// 422: a channel's settings are wrong (the message names each field).
    InvalidChannel => "invalid_channel",
    /// 409: another channel already has the id.
    ChannelTaken => "channel_taken",

    // ----- messages and files -----
    /// 400: a message with neither text nor files.
    EmptyMessage => "empty_message",
    /// 413: a message's text is over the limit (1 MiB).
    BodyTooLarge => "body_too_large",
    /// 400: a reply names an attachment that is not the sender's unsent upload.
    UnknownAttachment => "unknown_attachment",
    /// 400: the upload is not valid multipart data, or was cut off.
    InvalidUpload => "invalid_upload",
    /// 400: the multipart upload has no field named `file`.
    MissingFile => "missing_file",
    /// 400: the uploaded file is empty.
    EmptyFile => "empty_file",
    /// 413: a file is over the server's attachment limit. The desktop client once said
    /// `too_large` for a dropped file.
    #[serde(alias = "too_large")]
    FileTooLarge => "file_too_large",
    /// 415: the file's type is not accepted (checked by content, not only by name).
    UnsupportedFileType => "unsupported_file_type",
    /// 409: this `client_id` was already used for a different message; generate a new one.
    ClientIdReused => "client_id_reused",
    /// 409: `…/resend` of a message that is not a reply whose delivery failed.
    NotResendable => "not_resendable",

    // ----- conversations -----
    /// 409: another agent owns the chat (CONTRACT §4).
    AlreadyTaken => "already_taken",
    /// 409: the chat is resolved; the customer's next message opens a new one.
    ConversationResolved => "conversation_resolved",
    /// 409: an open chat must be resolved or transferred before it is deleted.
    ConversationOpen => "conversation_open",
    /// 400: a transfer to the agent who already owns the chat.
    TransferToSelf => "transfer_to_self",
    /// 422: internal chats have no owner, no queue, no customer and cannot be resolved.
    InternalChat => "internal_chat",
    /// 422: only live-chat conversations can do this (end session, block, typing, visitor).
    NotLivechat => "not_livechat",
    /// 422: the reply window of WhatsApp or Messenger is closed (CONTRACT §4, §9).
    ReplyWindowClosed => "reply_window_closed",
    /// 422: the SMS customer opted out (texted STOP); nothing is sent until they text START.
    OptedOut => "opted_out",
    /// 409: an administrator disabled the conversation's channel; nothing is sent on it.
    ChannelDisabled => "channel_disabled",
    /// 409/502: a WhatsApp channel's templates cannot be synced (no `waba_id`, or Meta refused).
    TemplatesUnavailable => "templates_unavailable",
    /// 400: an internal chat's title is over 200 characters.
    InvalidTitle => "invalid_title",
    /// 400: an internal chat names no colleague other than the caller.
    NoParticipants => "no_participants",
    /// 400: a chat to start names no customer this channel can reach (no contact or address,
    /// not a phone number, a contact without one).
    InvalidRecipient => "invalid_recipient",
    /// 400: a block's `duration_s` is not a positive number of seconds of at most ten years.
    InvalidDuration => "invalid_duration",

    // ----- directory -----
    /// 400: a contact's name, e-mails, phones or identities are not valid (the message says
    /// which).
    InvalidContact => "invalid_contact",
    /// 400: a live-chat visitor's `name` or `email` is not valid (the message names the
    /// field), so the widget can point at it.
    InvalidVisitorDetails => "invalid_visitor_details",
    /// 409: one of the identities already belongs to another contact.
    IdentityTaken => "identity_taken",
    /// 409: the conversation's sender already is a contact.
    ContactExists => "contact_exists",
    /// 400: a template's name, body, category or language is not valid.
    InvalidTemplate => "invalid_template",

    // ----- live chat and providers -----
    /// 403: the visitor's address is blocked (the widget shows the message).
    Blocked => "blocked",
    /// 403: the page's origin is not in the channel's `allowed_origins`.
    OriginNotAllowed => "origin_not_allowed",
    /// 401: a webhook's provider signature does not match.
    InvalidSignature => "invalid_signature",
    /// 403: a webhook subscription's verify token does not match.
    VerificationFailed => "verification_failed",
    /// 400: a webhook body cannot be read.
    InvalidPayload => "invalid_payload",
    /// 400: an inbound message has an empty sender address.
    InvalidSender => "invalid_sender",
    /// 409: the provider message id is already stored.
    DuplicateMessage => "duplicate_message",
    /// 403: a media link's signature is wrong or it expired.
    InvalidLink => "invalid_link",

    // ----- the server's own failure -----
    /// 500: the server failed; it logged why.
    Internal => "internal",
    /// 503 from `/readyz`: the database does not answer (yet); the process itself is up.
    NotReady => "not_ready",
    /// 503: the server holds its maximum of connections (`[server.limits] max_connections`);
    /// retry in a moment.
    Busy => "busy",
    /// 507: the disk holding the server's files is nearly full (below
    /// `[server.files] min_free_bytes`); uploads are refused before anything is written until
    /// an operator frees space.
    StorageFull => "storage_full",

    // ----- the desktop client's own (never on HTTP) -----
    /// Nothing answered at the server address.
    Unreachable => "unreachable",
    /// Something answered, but it is not a Switchboard server.
    NotSwitchboard => "not_switchboard",
    /// The address typed cannot be a server URL.
    InvalidServerUrl => "invalid_server_url",
    /// The stored session stopped working; sign in again.
    SessionExpired => "session_expired",
    /// A call that needs a signed-in agent came before signing in.
    NotSignedIn => "not_signed_in",
    /// The server failed (5xx) or answered something unreadable.
    ServerFailure => "server_failure",
    /// The local cache was written by a newer version of the app.
    CacheTooNew => "cache_too_new",
    /// The local cache could not be opened, read or written.
    CacheFailure => "cache_failure",
    /// The operating system's keychain failed.
    KeychainFailure => "keychain_failure",
    /// A local file (an attachment to send, a download, a thumbnail) could not be used. The
    /// desktop shell once said `file_unreadable` for a thumbnail it could not read.
    #[serde(alias = "file_unreadable")]
    FileUnusable => "file_unusable",

    // ----- the desktop shell's own (src-tauri to the UI) -----
    /// An argument from the page the shell cannot use (an id that is not one, a link other than
    /// tel:, mailto: or sms:, a sound that cannot play); the message names it.
    BadInput => "bad_input",
    /// The app found no folder for its data; set `SWITCHBOARD_DATA_DIR`.
    DataDirUnavailable => "data_dir_unavailable",
    /// No app on this computer opens the file or link.
    NoHandler => "no_handler",
    /// The native file dialog could not open or gave no answer; try again.
    DialogUnavailable => "dialog_unavailable",
    /// The app's update could not be installed (none downloaded, or the installer failed);
    /// this version keeps running.
    UpdateFailed => "update_failed",
}

impl ErrorCode {
    /// The code for a wire string, accepting the old spellings; anything else is `Unknown`.
    pub fn from_wire(code: &str) -> ErrorCode {
        use serde::de::IntoDeserializer;
        let wire: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            code.into_deserializer();
        ErrorCode::deserialize(wire).unwrap_or(ErrorCode::Unknown)
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::from_wire(code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the wire spelling (old spellings are not equal; parse them first).
impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_code_is_written_on_the_wire_as_its_snake_case_string() {
        for code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(
                wire,
                code.as_str(),
                "{code:?} must serialise as its as_str()"
            );
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code:?}: codes are snake_case"
            );
            let back: ErrorCode = serde_json::from_value(wire).unwrap();
            assert_eq!(back, *code, "{code:?} must read back as itself");
            assert_eq!(ErrorCode::from_wire(code.as_str()), *code);
        }
    }

    #[test]
    fn codes_are_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} is listed twice");
        }
    }

    #[test]
    fn unified_codes_still_accept_their_old_spellings() {
        let table = [
            ("wrong_credentials", ErrorCode::InvalidCredentials),
            ("too_large", ErrorCode::FileTooLarge),
            ("file_unreadable", ErrorCode::FileUnusable),
        ];
        for (old, code) in table {
            let parsed: ErrorCode = serde_json::from_str(&format!("\"{old}\"")).unwrap();
            assert_eq!(parsed, code, "{old} must still parse");
            assert_eq!(ErrorCode::from_wire(old), code);
            assert_ne!(
                serde_json::to_value(code).unwrap(),
                old,
                "the unified spelling is written, not {old}"
            );
        }
    }

    #[test]
    fn codes_the_contract_names_keep_their_spelling() {
        let table = [
            (ErrorCode::AlreadyTaken, "already_taken"),
            (ErrorCode::ReplyWindowClosed, "reply_window_closed"),
            (ErrorCode::NotFound, "not_found"),
        ];
        for (code, wire) in table {
            assert_eq!(serde_json::to_value(code).unwrap(), wire);
        }
    }

    #[test]
    fn a_code_this_build_does_not_know_is_unknown_not_an_error() {
        let body: crate::ErrorResponse =
            serde_json::from_str(r#"{"error":{"code":"brand_new_code","message":"Hi."}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
        assert_eq!(
            body.error.message, "Hi.",
            "the sentence still reaches a person"
        );
        assert_eq!(ErrorCode::from_wire("brand_new_code"), ErrorCode::Unknown);
    }
}
