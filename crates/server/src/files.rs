//! Attachment files on disk (SQLite mode keeps them under `data_dir/attachments`).
//!
//! Uploads stream to a temporary file while their size is counted, so an oversized upload is
//! cut off at the limit and never fills the disk or memory. What is needed to decide the type
//! (the first and last bytes, whether it is all text) is gathered on the way. Accepted files
//! are renamed into place under their id; images get a small JPEG thumbnail.

use std::io::{Read as _, Seek as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use switchboard_domain::attachments::{
    classify, classify_received, with_extension, Content, FileKind, Refusal,
};
use tokio::io::AsyncWriteExt as _;
use uuid::Uuid;

const HEAD_BYTES: usize = 64 * 1024;
const TAIL_BYTES: usize = 1024;
/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIZE: u32 = 320;
/// The most pixels an image may have to get a thumbnail (about 40 megapixels, e.g.
/// 7,700 × 5,200). Bigger images are kept as files, without a thumbnail: decoding one would
/// take hundreds of megabytes, and a small PNG may claim billions of pixels.
pub const MAX_THUMBNAIL_PIXELS: u64 = 40_000_000;
/// The most memory one image decode may allocate.
const MAX_DECODE_ALLOC: u64 = 4 * MAX_THUMBNAIL_PIXELS + 64 * 1024 * 1024;
/// The most entries a ZIP file (an Office document) may list in its central directory.
/// Real documents have dozens to a few thousand; reading a directory of millions would cost
/// memory and time before the type is even known.
pub const MAX_ZIP_ENTRIES: u64 = 10_000;
/// Legacy Office files are compound files whose type is in their directory: read them whole
/// (they are bounded by the upload limit).
const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("{0}")]
    Refused(Refusal),
    /// An Office document (ZIP) whose directory lists more than [`MAX_ZIP_ENTRIES`] parts.
    #[error("The document holds more than {limit} parts, more than any real Office document; it cannot be sent.")]
    TooManyParts { limit: u64 },
    /// Less than the configured minimum is free on the disk holding the files.
    #[error("the server's disk is nearly full ({free} bytes free, {minimum} must stay free)")]
    DiskFull { free: u64, minimum: u64 },
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    #[error("storage failure: {0}")]
    Io(#[from] std::io::Error),
}

/// Where attachment files live.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
    /// Checking a file's type and making its thumbnail run on blocking threads, this many at
    /// once: a burst of large images must not take every core or gigabytes together.
    decodes: Arc<tokio::sync::Semaphore>,
    /// Uploads are refused, before anything is written, while less than this is free.
    min_free_bytes: u64,
}

/// How many files are classified and thumbnailed at once: one per core, at least two.
fn default_decode_slots() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2)
}

/// Whether a thumbnail was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Thumbnail {
    Made,
    /// The image is larger than the pixel budget; it is kept without a thumbnail.
    TooLarge,
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
        crate::private::create_dir_all(data_dir)?;
        let root = data_dir.join("attachments");
        for sub in ["tmp", "files", "thumbs"] {
            crate::private::create_dir_all(&root.join(sub))?;
        }
        Ok(FileStore {
            root,
            decodes: Arc::new(tokio::sync::Semaphore::new(default_decode_slots())),
            min_free_bytes: 0,
        })
    }

    /// The same store, refusing uploads while less than `bytes` is free on its disk.
    pub fn with_min_free_bytes(mut self, bytes: u64) -> Self {
        self.min_free_bytes = bytes;
        self
    }

    /// Refuse to write while the disk holding the files has less than the minimum free.
    fn check_free_space(&self) -> Result<(), UploadError> {
        if self.min_free_bytes == 0 {
            return Ok(());
        }
        match free_bytes(&self.root)? {
            Some(free) if free < self.min_free_bytes => Err(UploadError::DiskFull {
                free,
                minimum: self.min_free_bytes,
            }),
            _ => Ok(()),
        }
    }

    /// The same store with at most `slots` files classified and thumbnailed at once.
    pub fn with_decode_slots(mut self, slots: usize) -> Self {
        self.decodes = Arc::new(tokio::sync::Semaphore::new(slots.max(1)));
        self
    }

    pub fn path(&self, id: Uuid) -> PathBuf {
        let name = id.simple().to_string();
        self.root
            .join("files")
            .join(&name[name.len() - 2..])
            .join(name)
    }

    /// Delete a stored file and its thumbnail; what is already gone is no error.
    pub fn remove(&self, id: Uuid) -> std::io::Result<()> {
        for path in [self.path(id), self.thumbnail_path(id)] {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
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
        let given = filename.map(str::to_string);
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
        self.check_free_space()?;
        let id = Uuid::now_v7();
        let temp = self.root.join("tmp").join(format!("{}.part", id.simple()));
        // Whatever happens, the temporary file goes: accepted files were renamed away from it.
        let _cleanup = TempFile(temp.clone());
        let mut file = tokio::fs::OpenOptions::from(crate::private::options())
            .write(true)
            .create_new(true)
            .open(&temp)
            .await?;
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
        let slot = self
            .decodes
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| UploadError::Interrupted(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let decided = decide(&store, id, &temp, seen);
            drop(slot);
            decided
        })
        .await
        .map_err(|e| UploadError::Interrupted(e.to_string()))?
    }

    /// An upload from an agent or a visitor: the content must be an accepted type and the
    /// name's extension must agree with it.
    fn accept(
        &self,
        id: Uuid,
        temp: &Path,
        filename: &str,
        seen: Observer,
    ) -> Result<Accepted, UploadError> {
        let kind = inspect(temp, &seen, |content| classify(filename, content))?;
        self.keep_kind(id, temp, kind, seen.size)
    }

    /// Thumbnail images, then move the file into place.
    fn keep_kind(
        &self,
        id: Uuid,
        temp: &Path,
        kind: FileKind,
        size: u64,
    ) -> Result<Accepted, UploadError> {
        let has_thumbnail = if kind.is_image() {
            match self.thumbnail(temp, id) {
                Ok(Thumbnail::Made) => true,
                Ok(Thumbnail::TooLarge) => false,
                // HEIF and some TIFF variants cannot be decoded here: they still download.
                Err(_) if matches!(kind, FileKind::Heif | FileKind::Tiff) => false,
                Err(_) => return Err(UploadError::Refused(Refusal::Damaged { kind })),
            }
        } else {
            false
        };
        self.keep(id, temp, kind.mime().to_string(), size, has_thumbnail)
    }

    /// A file a customer sent: its content decides the type, and the name carries that
    /// type's extension whatever the provider called it.
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
            let stem = t.mime_type().split('/').next().unwrap_or("media");
            let name = with_extension(filename.unwrap_or(stem), &media_extensions(t));
            let mime = t.mime_type().to_string();
            return Ok((self.keep(id, temp, mime, seen.size, false)?, name));
        }
        let (kind, name) = inspect(temp, &seen, |content| classify_received(filename, content))?;
        Ok((self.keep_kind(id, temp, kind, seen.size)?, name))
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
            crate::private::create_dir_all(parent)?;
        }
        std::fs::rename(temp, &target)?;
        Ok(Accepted {
            id,
            mime,
            size,
            has_thumbnail,
        })
    }

    /// A thumbnail of an image within the pixel budget; larger images get none, and no
    /// decode allocates more than [`MAX_DECODE_ALLOC`].
    fn thumbnail(&self, source: &Path, id: Uuid) -> Result<Thumbnail, image::ImageError> {
        let limits = || {
            let mut limits = image::Limits::default();
            limits.max_image_width = Some(20_000);
            limits.max_image_height = Some(20_000);
            limits.max_alloc = Some(MAX_DECODE_ALLOC);
            limits
        };
        // The header says how large the picture is; a decompression bomb stops here.
        let mut header = image::ImageReader::open(source)?.with_guessed_format()?;
        header.limits(limits());
        let (width, height) = match header.into_dimensions() {
            Ok(dimensions) => dimensions,
            Err(image::ImageError::Limits(_)) => return Ok(Thumbnail::TooLarge),
            Err(err) => return Err(err),
        };
        if u64::from(width) * u64::from(height) > MAX_THUMBNAIL_PIXELS {
            return Ok(Thumbnail::TooLarge);
        }
        let mut reader = image::ImageReader::open(source)?.with_guessed_format()?;
        reader.limits(limits());
        let picture = match reader.decode() {
            Ok(picture) => picture,
            Err(image::ImageError::Limits(_)) => return Ok(Thumbnail::TooLarge),
            Err(err) => return Err(err),
        };
        let thumb = picture
            .thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
            .into_rgb8();
        let mut jpeg = std::io::Cursor::new(Vec::new());
        thumb.write_to(&mut jpeg, image::ImageFormat::Jpeg)?;
        crate::private::write(&self.thumbnail_path(id), jpeg.get_ref())?;
        Ok(Thumbnail::Made)
    }
}

/// The bytes an unprivileged process may still write on the file system holding `path`
/// (`statvfs`'s available blocks), or `None` where that cannot be asked.
#[cfg(unix)]
fn free_bytes(path: &Path) -> std::io::Result<Option<u64>> {
    let stats = rustix::fs::statvfs(path).map_err(std::io::Error::from)?;
    Ok(Some(stats.f_bavail.saturating_mul(stats.f_frsize)))
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> std::io::Result<Option<u64>> {
    Ok(None)
}

/// What the classification needs from a stored upload: legacy Office files read whole, the
/// Office document a ZIP holds (with its directory size checked first).
fn inspect<T>(
    temp: &Path,
    seen: &Observer,
    decide: impl FnOnce(Content<'_>) -> Result<T, Refusal>,
) -> Result<T, UploadError> {
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
        office_document_in(temp, MAX_ZIP_ENTRIES)?
    } else {
        None
    };
    decide(Content {
        head,
        tail: &seen.tail,
        size: seen.size,
        is_utf8_text: seen.is_utf8_text,
        office_document,
    })
    .map_err(UploadError::Refused)
}

/// The extensions a customer's voice note or video may carry, the usual one first.
fn media_extensions(t: infer::Type) -> Vec<&'static str> {
    let known: &[&str] = match t.mime_type() {
        "audio/mpeg" => &["mp3"],
        "audio/ogg" | "audio/opus" => &["ogg", "oga", "opus"],
        "audio/m4a" | "audio/x-m4a" | "audio/mp4" => &["m4a", "mp4"],
        "audio/aac" => &["aac"],
        "audio/amr" => &["amr"],
        "audio/x-wav" | "audio/wav" => &["wav"],
        "video/mp4" => &["mp4", "m4v"],
        "video/3gpp" => &["3gp"],
        "video/quicktime" => &["mov"],
        "video/webm" => &["webm"],
        _ => &[],
    };
    if known.is_empty() {
        vec![t.extension()]
    } else {
        known.to_vec()
    }
}

/// The Office document a ZIP file holds, from its central directory. A truncated or broken
/// archive has no readable directory and holds nothing.
/// An archive whose directory lists more than `max_entries` is refused before its directory
/// is read.
fn office_document_in(path: &Path, max_entries: u64) -> Result<Option<FileKind>, UploadError> {
    let mut file = std::fs::File::open(path)?;
    if zip_entry_count(&mut file)?.is_some_and(|n| n > max_entries) {
        return Err(UploadError::TooManyParts { limit: max_entries });
    }
    file.rewind()?;
    let Ok(archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(None);
    };
    if archive.len() as u64 > max_entries {
        return Err(UploadError::TooManyParts { limit: max_entries });
    }
    Ok(switchboard_domain::attachments::office_document(
        archive.file_names(),
    ))
}

/// The number of entries a ZIP file's end-of-central-directory record announces (ZIP64's
/// when the classic field is saturated), or `None` when there is no such record.
fn zip_entry_count(file: &mut std::fs::File) -> std::io::Result<Option<u64>> {
    use std::io::SeekFrom;
    const EOCD: &[u8; 4] = b"PK\x05\x06";
    const ZIP64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
    const ZIP64_EOCD: &[u8; 4] = b"PK\x06\x06";
    let size = file.metadata()?.len();
    // The record is 22 bytes plus a comment of at most 65,535.
    let window = size.min(22 + 65_535);
    file.seek(SeekFrom::Start(size - window))?;
    let mut tail = vec![0; window as usize];
    file.read_exact(&mut tail)?;
    let Some(at) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| &tail[i..i + 4] == EOCD)
    else {
        return Ok(None);
    };
    let le16 = |b: &[u8]| u64::from(u16::from_le_bytes([b[0], b[1]]));
    let entries = le16(&tail[at + 10..]);
    if entries != 0xFFFF || at < 20 || &tail[at - 20..at - 16] != ZIP64_LOCATOR {
        return Ok(Some(entries));
    }
    let mut offset = [0u8; 8];
    offset.copy_from_slice(&tail[at - 12..at - 4]);
    file.seek(SeekFrom::Start(u64::from_le_bytes(offset)))?;
    let mut record = [0u8; 40];
    file.read_exact(&mut record)?;
    if &record[..4] != ZIP64_EOCD {
        return Ok(Some(entries));
    }
    let mut count = [0u8; 8];
    count.copy_from_slice(&record[32..40]);
    Ok(Some(u64::from_le_bytes(count)))
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

    #[tokio::test]
    async fn files_wait_for_a_free_decode_slot() {
        // Given: a store with one decode slot, which something else holds.
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap().with_decode_slots(1);
        let held = store.decodes.clone().acquire_owned().await.unwrap();
        // When: a file arrives.
        let receiving = store.clone();
        let upload = tokio::spawn(async move {
            let chunks =
                futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"hello"))]);
            receiving.receive("a.txt", chunks, 100).await
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        // Then: it is classified only once the slot is free.
        assert!(!upload.is_finished(), "the decode waited for the slot");
        drop(held);
        let accepted = tokio::time::timeout(std::time::Duration::from_secs(10), upload)
            .await
            .expect("the upload finished once the slot was free")
            .unwrap()
            .unwrap();
        assert_eq!(accepted.size, 5);
    }

    #[test]
    fn zip_directories_are_counted_from_their_end_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..12 {
            zip.start_file(format!("{i}"), zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        zip.set_comment("a comment pushes the record away from the end");
        zip.finish().unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        assert_eq!(zip_entry_count(&mut file).unwrap(), Some(12));
        assert!(matches!(
            office_document_in(&path, 11),
            Err(UploadError::TooManyParts { limit: 11 })
        ));
        assert!(matches!(office_document_in(&path, 12), Ok(None)));
    }

    #[test]
    fn voice_notes_keep_their_usual_extensions() {
        let ogg = infer::get(b"OggS\0\x02\0\0\0\0\0\0\0\0").expect("an Ogg stream");
        assert_eq!(media_extensions(ogg)[0], "ogg");
        assert!(media_extensions(ogg).contains(&"opus"));
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
