//! Checking a file before it is attached, with the server's own rules (type from content,
//! size limit), so the agent hears why a file cannot go before any upload starts.
//!
//! The server checks again on upload; this is the early, local answer.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;
use switchboard_domain::attachments::{classify, extension, Content, FileKind};

/// The contract's default `server.max_attachment_bytes` (25 MiB), used until the server has
/// said its own limit.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 26_214_400;

/// What the local check found; `refusal` is `None` when the file may be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    pub path: String,
    pub filename: String,
    pub size: u64,
    /// The accepted type's MIME, when the content was recognised.
    pub mime: Option<String>,
    pub image: bool,
    /// Why the file cannot be sent, for a person (names the file).
    pub refusal: Option<String>,
}

/// The rules the UI can apply before it even reads a dropped file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRules {
    pub max_bytes: u64,
    /// Lower-case extensions without the dot.
    pub extensions: Vec<String>,
}

impl AttachmentRules {
    pub fn new(max_bytes: u64) -> AttachmentRules {
        AttachmentRules {
            max_bytes,
            extensions: FileKind::ALL
                .iter()
                .flat_map(|kind| kind.extensions().iter().map(|e| e.to_string()))
                .collect(),
        }
    }
}

const HEAD_BYTES: usize = 64 * 1024;
const TAIL_BYTES: u64 = 1024;
const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// A size in a short human form for refusals (`29 B`, `2.9 KB`, `820 KB`, `25 MB`), in the
/// binary units the server and the live-chat widget use, so every limit reads the same.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let shown = if unit == 0 || value >= 10.0 {
        format!("{}", value.round())
    } else {
        let tenths = format!("{value:.1}");
        tenths.strip_suffix(".0").unwrap_or(&tenths).to_string()
    };
    format!("{shown} {}", UNITS[unit])
}

/// Check one file against the size limit and the accepted types (read from its content).
pub fn check(path: &Path, max_bytes: u64) -> FileCheck {
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let mut answer = FileCheck {
        path: path.display().to_string(),
        filename: filename.clone(),
        size: 0,
        mime: None,
        image: false,
        refusal: None,
    };
    let refuse = |mut answer: FileCheck, why: String| {
        answer.refusal = Some(format!("{filename}: {why}"));
        answer
    };
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => return refuse(answer, format!("it cannot be read ({e}).")),
    };
    let size = match file.metadata() {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => return refuse(answer, "it is a folder, not a file.".into()),
        Err(e) => return refuse(answer, format!("it cannot be read ({e}).")),
    };
    answer.size = size;
    if size > max_bytes {
        return refuse(
            answer,
            format!(
                "it is {}; the server accepts files up to {}.",
                human_size(size),
                human_size(max_bytes)
            ),
        );
    }
    match read_content(&mut file, size) {
        Ok(content) => {
            let office_document = content
                .head
                .starts_with(b"PK\x03\x04")
                .then(|| {
                    // The server reads the archive's directory; here the name must agree.
                    extension(&filename).and_then(|e| FileKind::from_extension(&e))
                })
                .flatten()
                .filter(|k| matches!(k, FileKind::Docx | FileKind::Xlsx | FileKind::Pptx));
            let verdict = classify(
                &filename,
                Content {
                    head: &content.head,
                    tail: &content.tail,
                    size,
                    is_utf8_text: content.is_utf8_text,
                    office_document,
                },
            );
            match verdict {
                Ok(kind) => {
                    answer.mime = Some(kind.mime().to_string());
                    answer.image = kind.is_image();
                    answer
                }
                Err(refusal) => refuse(answer, refusal.to_string()),
            }
        }
        Err(e) => refuse(answer, format!("it cannot be read ({e}).")),
    }
}

struct Sample {
    head: Vec<u8>,
    tail: Vec<u8>,
    is_utf8_text: bool,
}

fn read_content(file: &mut std::fs::File, size: u64) -> std::io::Result<Sample> {
    let mut head = vec![0; HEAD_BYTES.min(size as usize)];
    file.read_exact(&mut head)?;
    // Legacy Office files are compound files typed by their directory: read them whole, as
    // the server does. So is plain text, whose every byte must be text.
    let whole = head.starts_with(&OLE_SIGNATURE) || !looks_binary(&head);
    if whole && size > head.len() as u64 {
        file.read_to_end(&mut head)?;
    }
    let tail_len = TAIL_BYTES.min(size);
    let mut tail = vec![0; tail_len as usize];
    file.seek(SeekFrom::Start(size - tail_len))?;
    file.read_exact(&mut tail)?;
    let is_utf8_text =
        whole && !head.contains(&0) && std::str::from_utf8(&head).is_ok() && !head.is_empty();
    Ok(Sample {
        head,
        tail,
        is_utf8_text,
    })
}

/// A NUL byte in the first block: not text, no need to read on.
fn looks_binary(head: &[u8]) -> bool {
    head.contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x10\x49\x44\x41\x54\x78\x9c\x63\xf8\xdf\xc0\x00\x44\x0c\x10\x0a\x00\x2d\xee\x05\xfd\x8b\x3f\x6e\x84\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

    #[test]
    fn accepted_files_pass_with_their_type() {
        let dir = tempfile::tempdir().unwrap();
        let png = check(&write(dir.path(), "photo.png", PNG), 1_000);
        assert_eq!(png.refusal, None);
        assert_eq!(png.mime.as_deref(), Some("image/png"));
        assert!(png.image);
        let txt = check(
            &write(dir.path(), "notes.txt", "olá, mundo".as_bytes()),
            1_000,
        );
        assert_eq!(txt.refusal, None, "UTF-8 text is a TXT");
        assert!(!txt.image);
    }

    #[test]
    fn refusals_name_the_file_and_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (write(dir.path(), "big.png", PNG), 10, "up to"),
            (
                write(dir.path(), "setup.exe", b"MZ\x90\0\x03\0\0\0"),
                1_000,
                "cannot be sent",
            ),
            (write(dir.path(), "photo.pdf", PNG), 1_000, "rename it"),
            (write(dir.path(), "empty.txt", b""), 1_000, "empty"),
        ];
        for (path, max, why) in cases {
            let answer = check(&path, max);
            let refusal = answer.refusal.unwrap_or_else(|| panic!("{path:?} passed"));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(refusal.starts_with(&name), "{refusal}");
            assert!(refusal.contains(why), "{refusal} should say {why:?}");
        }
        let missing = check(&dir.path().join("gone.pdf"), 1_000);
        assert!(missing.refusal.unwrap().contains("cannot be read"));
    }

    #[test]
    fn sizes_read_in_binary_units_like_the_servers_limit() {
        assert_eq!(human_size(29), "29 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1 KB");
        assert_eq!(human_size(3_016), "2.9 KB");
        assert_eq!(human_size(840_000), "820 KB");
        assert_eq!(human_size(25 * 1024 * 1024), "25 MB");
        assert_eq!(human_size(1_572_864), "1.5 MB");
    }

    #[test]
    fn rules_list_every_accepted_extension() {
        let rules = AttachmentRules::new(5);
        for ext in ["pdf", "docx", "jpg", "jpeg", "heif", "txt"] {
            assert!(rules.extensions.iter().any(|e| e == ext), "{ext}");
        }
    }
}
