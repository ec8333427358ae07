//! Attachment files on disk (SQLite mode keeps them under `data_dir/attachments`).
//!
//! Uploads stream to a temporary file while their size is counted, so an oversized upload is
//! cut off at the limit and never fills the disk or memory. What is needed to decide the type
//! (the first and last bytes, whether it is all text) is gathered on the way. Accepted files
//! are renamed into place under their id; images get a small JPEG thumbnail.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use switchboard_domain::attachments::{classify, Content, FileKind, Refusal};
use tokio::io::AsyncWriteExt as _;
use uuid::Uuid;

const HEAD_BYTES: usize = 64 * 1024;
const TAIL_BYTES: usize = 1024;
/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIZE: u32 = 320;
/// Legacy Office files are compound files whose type is in their directory: read them whole
/// (they are bounded by the upload limit).
const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("{0}")]
    Refused(Refusal),
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    #[error("storage failure: {0}")]
    Io(#[from] std::io::Error),
}

/// Where attachment files live.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// An upload that passed the checks, waiting in its temporary file.
#[derive(Debug)]
pub struct Accepted {
    pub id: Uuid,
    pub mime: String,
    pub size: u64,
    pub has_thumbnail: bool,
}

/// Counts, keeps the first and last bytes, and checks UTF-8 as chunks go by.
#[derive(Debug, Clone)]
struct Observer {
    size: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
    utf8_pending: Vec<u8>,
    is_utf8_text: bool,
}

impl Observer {
    fn new() -> Self {
        Observer {
            size: 0,
            head: Vec::new(),
            tail: Vec::new(),
            utf8_pending: Vec::new(),
            is_utf8_text: true,
        }
    }

    fn see(&mut self, chunk: &[u8]) {
        self.size += chunk.len() as u64;
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.tail.extend_from_slice(chunk);
        if self.tail.len() > TAIL_BYTES {
            self.tail.drain(..self.tail.len() - TAIL_BYTES);
        }
        if self.is_utf8_text {
            self.check_utf8(chunk);
        }
    }

    fn check_utf8(&mut self, chunk: &[u8]) {
        if chunk.contains(&0) {
            self.is_utf8_text = false;
            return;
        }
        let mut buf = std::mem::take(&mut self.utf8_pending);
        buf.extend_from_slice(chunk);
        match std::str::from_utf8(&buf) {
            Ok(_) => {}
            // A character split across chunks: keep its start for the next one.
            Err(e) if e.error_len().is_none() => {
                self.utf8_pending = buf[e.valid_up_to()..].to_vec()
            }
            Err(_) => self.is_utf8_text = false,
        }
    }

    fn finish(&mut self) {
        if !self.utf8_pending.is_empty() {
            self.is_utf8_text = false;
        }
    }
}

impl FileStore {
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("attachments");
        for sub in ["tmp", "files", "thumbs"] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        Ok(FileStore { root })
    }

    pub fn path(&self, id: Uuid) -> PathBuf {
        let name = id.simple().to_string();
        self.root
            .join("files")
            .join(&name[name.len() - 2..])
            .join(name)
    }

    pub fn thumbnail_path(&self, id: Uuid) -> PathBuf {
        self.root
            .join("thumbs")
            .join(format!("{}.jpg", id.simple()))
    }

    /// Receive one upload: stream it to disk within `max` bytes, decide its type from its
    /// content and name, and store it (with a thumbnail for images). Nothing is left behind
    /// when it is refused.
    pub async fn receive<S, E>(
        &self,
        filename: &str,
        chunks: S,
        max: u64,
    ) -> Result<Accepted, UploadError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let name = filename.to_string();
        self.receive_with(chunks, max, move |store, id, temp, seen| {
            store.accept(id, temp, &name, seen)
        })
        .await
    }

    /// Receive a file a customer sent through a provider. Providers vouch for the type less
    /// than a file name would, so the content alone decides it; besides the accepted document
    /// and image types, customers' voice notes and videos are kept too. Returns the file and
    /// the name to show (the provider's, or one made from the type).
    pub async fn receive_media<S, E>(
        &self,
        filename: Option<&str>,
        chunks: S,
        max: u64,
    ) -> Result<(Accepted, String), UploadError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let given = filename.map(switchboard_domain::attachments::sanitize_filename);
        let named = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let out = named.clone();
        let accepted = self
            .receive_with(chunks, max, move |store, id, temp, seen| {
                let (accepted, name) = store.accept_media(id, temp, given.as_deref(), seen)?;
                *out.lock().unwrap_or_else(|p| p.into_inner()) = name;
                Ok(accepted)
            })
            .await?;
        let name = named.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok((accepted, name))
    }

    async fn receive_with<S, E, F>(
        &self,
        mut chunks: S,
        max: u64,
        decide: F,
    ) -> Result<Accepted, UploadError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
        F: FnOnce(&FileStore, Uuid, &Path, Observer) -> Result<Accepted, UploadError>
            + Send
            + 'static,
    {
        use futures_util::StreamExt as _;
        let id = Uuid::now_v7();
        let temp = self.root.join("tmp").join(format!("{}.part", id.simple()));
        // Whatever happens, the temporary file goes: accepted files were renamed away from it.
        let _cleanup = TempFile(temp.clone());
        let mut file = tokio::fs::File::create(&temp).await?;
        let mut seen = Observer::new();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| UploadError::Interrupted(e.to_string()))?;
            if seen.size + chunk.len() as u64 > max {
                return Err(UploadError::TooLarge { max });
            }
            seen.see(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        seen.finish();

        let store = self.clone();
        tokio::task::spawn_blocking(move || decide(&store, id, &temp, seen))
            .await
            .map_err(|e| UploadError::Interrupted(e.to_string()))?
    }

    fn accept(
        &self,
        id: Uuid,
        temp: &Path,
        filename: &str,
        seen: Observer,
    ) -> Result<Accepted, UploadError> {
        let whole;
        let head = if seen.head.starts_with(&OLE_SIGNATURE) && seen.size > seen.head.len() as u64 {
            let mut buf = Vec::with_capacity(seen.size as usize);
            std::fs::File::open(temp)?.read_to_end(&mut buf)?;
            whole = buf;
            &whole[..]
        } else {
            &seen.head[..]
        };
        let office_document = if seen.head.starts_with(b"PK\x03\x04") {
            office_document_in(temp)
        } else {
            None
        };
        let kind = classify(
            filename,
            Content {
                head,
                tail: &seen.tail,
                size: seen.size,
                is_utf8_text: seen.is_utf8_text,
                office_document,
            },
        )
        .map_err(UploadError::Refused)?;
        let has_thumbnail = if kind.is_image() {
            match self.thumbnail(temp, id) {
                Ok(()) => true,
                // HEIF and some TIFF variants cannot be decoded here: they still download.
                Err(_) if matches!(kind, FileKind::Heif | FileKind::Tiff) => false,
                Err(_) => return Err(UploadError::Refused(Refusal::Damaged { kind })),
            }
        } else {
            false
        };
        self.keep(id, temp, kind.mime().to_string(), seen.size, has_thumbnail)
    }

    fn accept_media(
        &self,
        id: Uuid,
        temp: &Path,
        filename: Option<&str>,
        seen: Observer,
    ) -> Result<(Accepted, String), UploadError> {
        let detected = infer::get(&seen.head);
        if let Some(t) = detected.filter(|t| {
            matches!(
                t.matcher_type(),
                infer::MatcherType::Audio | infer::MatcherType::Video
            )
        }) {
            let name = filename.map(str::to_string).unwrap_or_else(|| {
                format!(
                    "{}.{}",
                    t.mime_type().split('/').next().unwrap_or("media"),
                    t.extension()
                )
            });
            let mime = t.mime_type().to_string();
            return Ok((self.keep(id, temp, mime, seen.size, false)?, name));
        }
        // Documents and images: the same checks as uploads, under a name that matches the
        // content (the provider's name when it agrees).
        let extension = detected
            .map(|t| t.extension().to_string())
            .or_else(|| filename.and_then(switchboard_domain::attachments::extension))
            .unwrap_or_else(|| "txt".into());
        let name = match filename {
            Some(name) if switchboard_domain::attachments::extension(name).is_some() => {
                name.to_string()
            }
            _ => format!("file.{extension}"),
        };
        match self.accept(id, temp, &name, seen.clone()) {
            Ok(accepted) => Ok((accepted, name)),
            // The provider's name disagreed with the content: name it after the content.
            Err(UploadError::Refused(Refusal::Mismatch { detected, .. })) => {
                let name = format!("file.{}", detected.extensions()[0]);
                let accepted = self.accept(id, temp, &name, seen)?;
                Ok((accepted, name))
            }
            Err(other) => Err(other),
        }
    }

    /// Move an accepted upload into place under its id.
    fn keep(
        &self,
        id: Uuid,
        temp: &Path,
        mime: String,
        size: u64,
        has_thumbnail: bool,
    ) -> Result<Accepted, UploadError> {
        let target = self.path(id);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(temp, &target)?;
        Ok(Accepted {
            id,
            mime,
            size,
            has_thumbnail,
        })
    }

    fn thumbnail(&self, source: &Path, id: Uuid) -> Result<(), image::ImageError> {
        let mut reader = image::ImageReader::open(source)?.with_guessed_format()?;
        let mut limits = image::Limits::default();
        // Refuse decompression bombs: a 25 MB file may claim gigapixels.
        limits.max_image_width = Some(20_000);
        limits.max_image_height = Some(20_000);
        limits.max_alloc = Some(512 * 1024 * 1024);
        reader.limits(limits);
        let picture = reader.decode()?;
        let thumb = picture
            .thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
            .into_rgb8();
        thumb.save_with_format(self.thumbnail_path(id), image::ImageFormat::Jpeg)
    }
}

/// The Office document a ZIP file holds, from its central directory. A truncated or broken
/// archive has no readable directory and holds nothing.
fn office_document_in(path: &Path) -> Option<FileKind> {
    let file = std::fs::File::open(path).ok()?;
    let archive = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    switchboard_domain::attachments::office_document(archive.file_names())
}

/// Removes a temporary upload when the upload ends, however it ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_split_across_chunks_is_still_text() {
        let text = "ação".as_bytes();
        let mut seen = Observer::new();
        seen.see(&text[..2]);
        seen.see(&text[2..]);
        seen.finish();
        assert!(seen.is_utf8_text);
        let mut broken = Observer::new();
        broken.see(&text[..2]);
        broken.finish();
        assert!(
            !broken.is_utf8_text,
            "a file ending mid-character is not text"
        );
    }

    #[test]
    fn head_and_tail_are_bounded() {
        let mut seen = Observer::new();
        for _ in 0..100 {
            seen.see(&[b'a'; 4096]);
        }
        assert_eq!(seen.head.len(), HEAD_BYTES);
        assert_eq!(seen.tail.len(), TAIL_BYTES);
        assert_eq!(seen.size, 409_600);
    }
}
