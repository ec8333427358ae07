//! `POST /attachments` (multipart, streamed to disk) and downloads.

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_domain::attachments::sanitize_filename;
use switchboard_protocol::ErrorCode;

use super::error::{ApiError, ApiResult};
use super::extract::{CurrentAgent, ObjectId};
use super::AppState;
use crate::files::UploadError;

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::FileTooLarge,
        format!("Files may be at most {} MB.", max / (1024 * 1024)),
    )
}

pub(super) async fn upload(
    State(state): State<AppState>,
    me: CurrentAgent,
    multipart: Multipart,
) -> ApiResult<Response> {
    let (filename, accepted) = receive_upload(&state, multipart).await?;
    let stored = state
        .engine
        .register_file(
            crate::engine::FileSender::Agent(me.id()),
            filename,
            accepted,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// Read the `file` field of a multipart upload into the file store, checked.
pub(super) async fn receive_upload(
    state: &AppState,
    mut multipart: Multipart,
) -> ApiResult<(String, crate::files::Accepted)> {
    let max = state.max_attachment_bytes;
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(max)
        } else {
            ApiError::bad_request(
                ErrorCode::InvalidUpload,
                format!("The upload is not valid multipart data: {}", e.body_text()),
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        if field.name() != Some("file") {
            continue;
        }
        let sent_name = field.file_name().unwrap_or_default().to_string();
        let filename = sanitize_filename(&sent_name);
        let accepted =
            state
                .files
                .receive(&filename, field, max)
                .await
                .map_err(|err| match err {
                    UploadError::TooLarge { max } => too_large(max),
                    UploadError::Refused(refusal) => {
                        if refusal == switchboard_domain::attachments::Refusal::Empty {
                            ApiError::new(
                                StatusCode::BAD_REQUEST,
                                ErrorCode::EmptyFile,
                                refusal.to_string(),
                            )
                        } else {
                            ApiError::new(
                                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                                ErrorCode::UnsupportedFileType,
                                refusal.to_string(),
                            )
                        }
                    }
                    refused @ UploadError::TooManyParts { .. } => ApiError::new(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        ErrorCode::UnsupportedFileType,
                        refused.to_string(),
                    ),
                    UploadError::DiskFull { free, minimum } => {
                        tracing::error!(
                            free,
                            minimum,
                            "an upload was refused: the disk is nearly full"
                        );
                        ApiError::from(crate::engine::Error::StorageFull {
                            free_mib: free / (1024 * 1024),
                            minimum_mib: minimum.div_ceil(1024 * 1024),
                        })
                    }
                    UploadError::Interrupted(why) => ApiError::bad_request(
                        ErrorCode::InvalidUpload,
                        format!("The upload was interrupted: {why}"),
                    ),
                    UploadError::Io(err) => {
                        tracing::error!(error = %err, "storing an upload failed");
                        ApiError::internal()
                    }
                })?;
        return Ok((filename, accepted));
    }
    Err(ApiError::bad_request(
        ErrorCode::MissingFile,
        "Send the file as a multipart/form-data field named \"file\".",
    ))
}

/// `Content-Disposition` with the name as sent, safely encoded (RFC 6266 / 5987).
fn disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

pub(super) async fn serve_file(
    path: std::path::PathBuf,
    content_type: &str,
    filename: Option<&str>,
) -> ApiResult<Response> {
    let file = tokio::fs::File::open(&path).await.map_err(|err| {
        tracing::error!(error = %err, path = %path.display(), "attachment file missing");
        ApiError::not_found("attachment")
    })?;
    let length = file.metadata().await.map(|m| m.len()).ok();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    if let Some(name) = filename {
        headers.insert(header::CONTENT_DISPOSITION, disposition(name));
    }
    Ok(response)
}

pub(super) async fn download(
    State(state): State<AppState>,
    me: CurrentAgent,
    ObjectId(id): ObjectId,
) -> ApiResult<Response> {
    let row = state.engine.attachment_for(me.id(), id).await?;
    serve_file(state.files.path(id), &row.mime, Some(&row.filename)).await
}

pub(super) async fn thumbnail(
    State(state): State<AppState>,
    me: CurrentAgent,
    ObjectId(id): ObjectId,
) -> ApiResult<Response> {
    let row = state.engine.attachment_for(me.id(), id).await?;
    if !row.has_thumbnail {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NoThumbnail,
            "This attachment has no thumbnail; download the file instead.",
        ));
    }
    serve_file(state.files.thumbnail_path(id), "image/jpeg", None).await
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn download_names_are_quoted_safely() {
        assert_eq!(
            disposition("relatório \"final\".pdf").to_str().unwrap(),
            "attachment; filename=\"relat_rio _final_.pdf\"; filename*=UTF-8''relat%C3%B3rio%20%22final%22.pdf"
        );
    }
}
