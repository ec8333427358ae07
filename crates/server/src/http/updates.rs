//! The desktop app's update feed (`updates.rs`): Tauri's updater asks with its platform and
//! version and downloads the installer, both with the agent's token.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use switchboard_protocol::{AppUpdate, ErrorCode};

use super::attachments::serve_file;
use super::error::{ApiError, ApiResult};
use super::extract::CurrentAgent;
use super::{AppState, API_PREFIX};
use crate::updates::{Bundle, Request};

#[derive(Debug, Deserialize)]
pub(super) struct Installed {
    /// How the app was installed (`deb`, `rpm`, `appimage`, `nsis`, `msi`, `app`, `unknown`).
    bundle_type: Option<String>,
}

/// 200 with the newest update for the asking app, or 204 when there is none.
pub(super) async fn check(
    State(state): State<AppState>,
    _me: CurrentAgent,
    Path((target, arch, current)): Path<(String, String, String)>,
    Query(installed): Query<Installed>,
) -> ApiResult<Response> {
    let invalid = |what: &str| {
        ApiError::bad_request(
            ErrorCode::InvalidVersion,
            format!("{what}; the app asks /updates/{{target}}/{{arch}}/{{current_version}}?bundle_type=deb, e.g. /updates/linux/x86_64/1.2.0?bundle_type=deb"),
        )
    };
    if !matches!(target.as_str(), "linux" | "windows" | "darwin") {
        return Err(invalid(&format!(
            "{target:?} is not a platform (linux, windows or darwin)"
        )));
    }
    if !matches!(
        arch.as_str(),
        "x86_64" | "aarch64" | "i686" | "armv7" | "riscv64"
    ) {
        return Err(invalid(&format!(
            "{arch:?} is not an architecture (x86_64, aarch64, i686, armv7)"
        )));
    }
    let current = semver::Version::parse(&current)
        .map_err(|_| invalid(&format!("{current:?} is not a version like 1.2.0")))?;
    let request = Request {
        target,
        arch,
        bundle: installed.bundle_type.as_deref().and_then(Bundle::parse),
        current,
    };
    let updates = state.updates.clone();
    let offer = tokio::task::spawn_blocking(move || updates.offer(&request))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|error| {
            tracing::error!(%error, dir = %state.updates.dir().display(), "the update folder cannot be read");
            ApiError::internal()
        })?;
    let Some(offer) = offer else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let file: String = form_urlencoded::byte_serialize(offer.file.as_bytes()).collect();
    let url = format!(
        "{}{API_PREFIX}/updates/files/{}/{}",
        state.channels.public_url,
        offer.version,
        file.replace('+', "%20")
    );
    Ok(Json(AppUpdate {
        version: offer.version.to_string(),
        notes: offer.notes,
        pub_date: offer
            .pub_date
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        url,
        signature: offer.signature,
    })
    .into_response())
}

/// The installer the feed offered.
pub(super) async fn download(
    State(state): State<AppState>,
    _me: CurrentAgent,
    Path((version, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let path = state
        .updates
        .installer(&version, &file)
        .ok_or_else(|| ApiError::not_found("update installer"))?;
    serve_file(path, "application/octet-stream", Some(&file)).await
}
