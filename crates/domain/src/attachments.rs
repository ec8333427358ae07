//! Which files agents and customers may exchange (SPEC §3), decided by their content: the
//! bytes must be one of the accepted types and agree with the file name's extension.

use std::fmt;

/// An accepted file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    Doc,
    Docx,
    Ppt,
    Pptx,
    Xls,
    Xlsx,
    Txt,
    Rtf,
    Jpeg,
    Png,
    Gif,
    Bmp,
    Webp,
    Tiff,
    Heif,
}

impl FileKind {
    pub const ALL: [FileKind; 16] = [
        FileKind::Pdf,
        FileKind::Doc,
        FileKind::Docx,
        FileKind::Ppt,
        FileKind::Pptx,
        FileKind::Xls,
        FileKind::Xlsx,
        FileKind::Txt,
        FileKind::Rtf,
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Gif,
        FileKind::Bmp,
        FileKind::Webp,
        FileKind::Tiff,
        FileKind::Heif,
    ];

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Doc => "application/msword",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Ppt => "application/vnd.ms-powerpoint",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Txt => "text/plain; charset=utf-8",
            FileKind::Rtf => "application/rtf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Gif => "image/gif",
            FileKind::Bmp => "image/bmp",
            FileKind::Webp => "image/webp",
            FileKind::Tiff => "image/tiff",
            FileKind::Heif => "image/heif",
        }
    }

    /// File name extensions that may carry this type, lower case.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Doc => &["doc"],
            FileKind::Docx => &["docx"],
            FileKind::Ppt => &["ppt"],
            FileKind::Pptx => &["pptx"],
            FileKind::Xls => &["xls"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Txt => &["txt"],
            FileKind::Rtf => &["rtf"],
            FileKind::Jpeg => &["jpg", "jpeg", "jfif"],
            FileKind::Png => &["png"],
            FileKind::Gif => &["gif"],
            FileKind::Bmp => &["bmp"],
            FileKind::Webp => &["webp"],
            FileKind::Tiff => &["tif", "tiff"],
            FileKind::Heif => &["heif", "heic"],
        }
    }

    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileKind::Jpeg
                | FileKind::Png
                | FileKind::Gif
                | FileKind::Bmp
                | FileKind::Webp
                | FileKind::Tiff
                | FileKind::Heif
        )
    }

    /// The type a stored MIME type names, for files sniffed earlier.
    pub fn from_mime(mime: &str) -> Option<FileKind> {
        Self::ALL.into_iter().find(|k| k.mime() == mime)
    }

    /// The type a lower-case extension names.
    pub fn from_extension(ext: &str) -> Option<FileKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.extensions().contains(&ext))
    }
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// The content is not an accepted type (`detected` says what it is, when known).
    Unsupported {
        detected: Option<String>,
    },
    /// The content is an accepted type, but the name says something else.
    Mismatch {
        extension: String,
        detected: FileKind,
    },
    /// The name's extension is not an accepted type, or missing.
    BadExtension {
        extension: Option<String>,
    },
    /// The file is cut short or broken.
    Damaged {
        kind: FileKind,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accepted = "PDF, DOC, DOCX, PPT, PPTX, XLS, XLSX, TXT, RTF, JPG, PNG, GIF, BMP, WEBP, TIFF or HEIF";
        match self {
            Refusal::Empty => write!(f, "The file is empty."),
            Refusal::Unsupported { detected: Some(d) } => {
                write!(f, "This file is {d}, which cannot be sent. Accepted: {accepted}.")
            }
            Refusal::Unsupported { detected: None } => {
                write!(f, "This file's content is not an accepted type. Accepted: {accepted}.")
            }
            Refusal::Mismatch { extension, detected } => write!(
                f,
                "The file is named .{extension} but its content is {}; rename it to .{} or send the right file.",
                detected.extensions()[0].to_uppercase(),
                detected.extensions()[0]
            ),
            Refusal::BadExtension { extension: Some(e) } => {
                write!(f, "Files ending in .{e} cannot be sent. Accepted: {accepted}.")
            }
            Refusal::BadExtension { extension: None } => {
                write!(f, "The file name has no extension. Accepted: {accepted}.")
            }
            Refusal::Damaged { kind } => write!(
                f,
                "The {} file is damaged or incomplete; save it again and retry.",
                kind.extensions()[0].to_uppercase()
            ),
        }
    }
}

/// What the server read of a stored upload.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    /// The first bytes (64 KiB is plenty), or all of a legacy Office file: those are
    /// compound files whose type is only known from their directory.
    pub head: &'a [u8],
    /// The last bytes (1 KiB).
    pub tail: &'a [u8],
    pub size: u64,
    /// Whether the whole file is UTF-8 without NUL bytes (for TXT).
    pub is_utf8_text: bool,
    /// For ZIP files: the Office document their directory holds (`word/document.xml` makes a
    /// DOCX), read by the caller from the whole archive. `None` for other files, and for ZIP
    /// files that are no Office document or cannot be read.
    pub office_document: Option<FileKind>,
}

/// The lower-case extension of a file name.
pub fn extension(filename: &str) -> Option<String> {
    let (stem, ext) = filename.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_lowercase())
}

/// Decide a file's type from its content and name.
pub fn classify(filename: &str, content: Content<'_>) -> Result<FileKind, Refusal> {
    if content.size == 0 {
        return Err(Refusal::Empty);
    }
    let ext = extension(filename);
    let detected = content.office_document.or_else(|| sniff(content.head));
    let kind = match (detected, ext.as_deref()) {
        (Some(kind), _) => kind,
        // Plain text has no signature: trust the name only when every byte is text.
        (None, Some("txt")) if content.is_utf8_text => FileKind::Txt,
        (None, _) => {
            return Err(Refusal::Unsupported {
                detected: infer::get(content.head).map(|t| describe(t.mime_type())),
            })
        }
    };
    match ext {
        None => return Err(Refusal::BadExtension { extension: None }),
        Some(ext) if !kind.extensions().contains(&ext.as_str()) => {
            return Err(match FileKind::from_extension(&ext) {
                Some(_) => Refusal::Mismatch {
                    extension: ext,
                    detected: kind,
                },
                None => Refusal::BadExtension {
                    extension: Some(ext),
                },
            })
        }
        Some(_) => {}
    }
    if is_damaged(kind, content) {
        return Err(Refusal::Damaged { kind });
    }
    Ok(kind)
}

/// One of `infer`'s signature checks.
type Matcher = fn(&[u8]) -> bool;

fn sniff(head: &[u8]) -> Option<FileKind> {
    use infer::{doc, image};
    // Office Open XML documents are recognised from their ZIP directory (`office_document`),
    // which is more reliable than guessing from the first entries.
    let checks: [(Matcher, FileKind); 12] = [
        (infer::archive::is_pdf, FileKind::Pdf),
        (doc::is_doc, FileKind::Doc),
        (doc::is_xls, FileKind::Xls),
        (doc::is_ppt, FileKind::Ppt),
        (infer::archive::is_rtf, FileKind::Rtf),
        (image::is_jpeg, FileKind::Jpeg),
        (image::is_png, FileKind::Png),
        (image::is_gif, FileKind::Gif),
        (image::is_bmp, FileKind::Bmp),
        (image::is_webp, FileKind::Webp),
        (image::is_tiff, FileKind::Tiff),
        (image::is_heif, FileKind::Heif),
    ];
    checks
        .into_iter()
        .find(|(check, _)| check(head))
        .map(|(_, kind)| kind)
}

/// Cut-short files of the types whose end is recognisable.
fn is_damaged(kind: FileKind, content: Content<'_>) -> bool {
    let contains = |needle: &[u8]| content.tail.windows(needle.len()).any(|w| w == needle);
    match kind {
        FileKind::Pdf => !contains(b"%%EOF"),
        // A ZIP container was read whole by the caller to find its document.
        FileKind::Jpeg => !content.tail.ends_with(&[0xFF, 0xD9]) && !contains(&[0xFF, 0xD9]),
        FileKind::Png => !contains(b"IEND"),
        FileKind::Gif => !content.tail.ends_with(b";"),
        _ => false,
    }
}

fn describe(mime: &str) -> String {
    match mime {
        "application/x-executable" | "application/x-elf" => "a program".into(),
        "application/vnd.microsoft.portable-executable" | "application/x-msdownload" => {
            "a Windows program".into()
        }
        "application/x-mach-binary" => "a macOS program".into(),
        "application/zip" => "a ZIP archive".into(),
        other => other.to_string(),
    }
}

/// The Office Open XML document a ZIP archive holds, from the names of its parts.
pub fn office_document<'a>(part_names: impl IntoIterator<Item = &'a str>) -> Option<FileKind> {
    let names: Vec<&str> = part_names.into_iter().collect();
    if !names.contains(&"[Content_Types].xml") {
        return None;
    }
    [
        ("word/document.xml", FileKind::Docx),
        ("xl/workbook.xml", FileKind::Xlsx),
        ("ppt/presentation.xml", FileKind::Pptx),
    ]
    .into_iter()
    .find(|(part, _)| names.contains(part))
    .map(|(_, kind)| kind)
}

/// Whether a character is an invisible format character (Unicode general category `Cf`):
/// bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make
/// `Comprovante\u{202E}fdp.bat` read as "Comprovantetab.pdf", zero-width spaces and joiners,
/// the byte-order mark, soft hyphens, tag characters. They have no place in a file name.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// `name` carrying one of `extensions` (the first is added when its own is not one of
/// them), so a file is never offered under an extension its content does not have:
/// `Comprovantefdp.bat` holding a PDF becomes `Comprovantefdp.bat.pdf`.
pub fn with_extension(name: &str, extensions: &[&str]) -> String {
    let Some(first) = extensions.first() else {
        return sanitize_filename(name);
    };
    let name = sanitize_filename(name);
    match extension(&name) {
        Some(ext) if extensions.contains(&ext.as_str()) => name,
        _ => sanitize_filename(&format!("{name}.{first}")),
    }
}

/// Decide the type of a file a customer sent through a provider from its content alone (the
/// provider's name is only a hint), and the name to keep: the provider's, with the type's
/// extension added when its own is another. Plain text is accepted when the name says
/// `.txt` or has no extension.
pub fn classify_received(
    filename: Option<&str>,
    content: Content<'_>,
) -> Result<(FileKind, String), Refusal> {
    if content.size == 0 {
        return Err(Refusal::Empty);
    }
    let given = filename.map(sanitize_filename);
    let ext = given.as_deref().and_then(extension);
    let kind = match content.office_document.or_else(|| sniff(content.head)) {
        Some(kind) => kind,
        None if content.is_utf8_text && matches!(ext.as_deref(), None | Some("txt")) => {
            FileKind::Txt
        }
        None => {
            return Err(Refusal::Unsupported {
                detected: infer::get(content.head).map(|t| describe(t.mime_type())),
            })
        }
    };
    if is_damaged(kind, content) {
        return Err(Refusal::Damaged { kind });
    }
    let name = with_extension(given.as_deref().unwrap_or("file"), kind.extensions());
    Ok((kind, name))
}

/// A file name safe to store and to offer for download, kept as close to what was sent as
/// possible: no folders, no control or invisible format characters, no leading dots, at most
/// 200 characters.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    // Dots and spaces in any mix (". . a"): a name left starting with a dot would be hidden.
    let cleaned = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end()
        .to_string();
    if cleaned.is_empty() {
        return "file".into();
    }
    if cleaned.chars().count() <= 200 {
        return cleaned;
    }
    // Keep the extension when shortening.
    match cleaned.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 10 => {
            let stem: String = stem.chars().take(200 - ext.chars().count() - 1).collect();
            format!("{stem}.{ext}")
        }
        // Cut where a space was, the name would end in one.
        _ => cleaned
            .chars()
            .take(200)
            .collect::<String>()
            .trim_end()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(bytes: &[u8]) -> Content<'_> {
        Content {
            head: bytes,
            tail: &bytes[bytes.len().saturating_sub(1024)..],
            size: bytes.len() as u64,
            is_utf8_text: std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
            office_document: None,
        }
    }

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\0IEND\xaeB`\x82";
    /// The start of a Linux executable (the ELF header is 64 bytes).
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0\x01\0\0\0\
        \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

    #[test]
    fn accepted_files_are_recognised_by_content() {
        assert_eq!(classify("report.pdf", content(PDF)), Ok(FileKind::Pdf));
        assert_eq!(classify("PHOTO.PNG", content(PNG)), Ok(FileKind::Png));
        assert_eq!(
            classify("notes.txt", content("olá, tudo bem?\n".as_bytes())),
            Ok(FileKind::Txt)
        );
        assert_eq!(
            classify("letter.rtf", content(b"{\\rtf1\\ansi hello}")),
            Ok(FileKind::Rtf)
        );
    }

    #[test]
    fn refusals_say_why() {
        // (name, bytes, refusal)
        let table: Vec<(&str, &[u8], Refusal)> = vec![
            (
                "invoice.pdf",
                ELF,
                Refusal::Unsupported {
                    detected: Some("a program".into()),
                },
            ),
            ("empty.pdf", b"", Refusal::Empty),
            (
                "cut.pdf",
                b"%PDF-1.4\n1 0 obj<<>>endobj\n",
                Refusal::Damaged {
                    kind: FileKind::Pdf,
                },
            ),
            (
                "photo.jpg",
                PNG,
                Refusal::Mismatch {
                    extension: "jpg".into(),
                    detected: FileKind::Png,
                },
            ),
            (
                "photo.exe",
                PNG,
                Refusal::BadExtension {
                    extension: Some("exe".into()),
                },
            ),
            ("photo", PNG, Refusal::BadExtension { extension: None }),
            (
                "page.html",
                b"<html><script>alert(1)</script></html>",
                Refusal::Unsupported {
                    detected: Some("text/html".into()),
                },
            ),
            (
                "binary.txt",
                b"abc\0def",
                Refusal::Unsupported { detected: None },
            ),
        ];
        for (name, bytes, refusal) in table {
            assert_eq!(
                classify(name, content(bytes)),
                Err(refusal.clone()),
                "{name}"
            );
            assert!(!refusal.to_string().is_empty());
        }
    }

    #[test]
    fn messages_tell_the_user_what_to_do() {
        let mismatch = Refusal::Mismatch {
            extension: "jpg".into(),
            detected: FileKind::Png,
        };
        assert_eq!(
            mismatch.to_string(),
            "The file is named .jpg but its content is PNG; rename it to .png or send the right file."
        );
    }

    #[test]
    fn file_names_lose_paths_and_control_characters_only() {
        let table = [
            ("relatório final.pdf", "relatório final.pdf"),
            ("../../etc/passwd.txt", "passwd.txt"),
            ("C:\\Users\\ana\\foto.png", "foto.png"),
            ("bad\u{0}\u{7}name\n.pdf", "badname.pdf"),
            ("..hidden.txt", "hidden.txt"),
            (". . .hidden.txt", "hidden.txt"),
            (" .\t. a.txt", "a.txt"),
            ("a<b>c.txt", "a_b_c.txt"),
            ("", "file"),
            ("/", "file"),
        ];
        for (input, expected) in table {
            assert_eq!(sanitize_filename(input), expected, "{input:?}");
        }
        let long = format!("{}.pdf", "x".repeat(300));
        let short = sanitize_filename(&long);
        assert_eq!(short.chars().count(), 200);
        assert!(short.ends_with(".pdf"));
        let cut_at_a_space = format!("{} {}", "x".repeat(199), "y".repeat(20));
        assert_eq!(
            sanitize_filename(&cut_at_a_space),
            "x".repeat(199),
            "a shortened name does not end in a space"
        );
    }

    #[test]
    fn file_names_lose_bidi_overrides_and_invisible_characters() {
        let table = [
            ("Comprovante\u{202E}fdp.bat", "Comprovantefdp.bat"),
            (
                "a\u{2066}b\u{2069}c\u{200B}d\u{200F}e\u{2060}f\u{FEFF}.pdf",
                "abcdef.pdf",
            ),
            ("soft\u{00AD}hyphen.txt", "softhyphen.txt"),
            ("tag\u{E0041}s.png", "tags.png"),
            ("\u{202D}\u{202C}", "file"),
            ("olá 😀.png", "olá 😀.png"),
        ];
        for (input, expected) in table {
            assert_eq!(sanitize_filename(input), expected, "{input:?}");
        }
    }

    #[test]
    fn names_always_carry_an_extension_of_their_type() {
        let table = [
            (
                "Comprovante\u{202E}fdp.bat",
                &["pdf"][..],
                "Comprovantefdp.bat.pdf",
            ),
            ("foto.JPEG", &["jpg", "jpeg", "jfif"][..], "foto.JPEG"),
            ("foto.png", &["jpg", "jpeg", "jfif"][..], "foto.png.jpg"),
            ("sem extensão", &["pdf"][..], "sem extensão.pdf"),
            ("", &["pdf"][..], "file.pdf"),
        ];
        for (input, extensions, expected) in table {
            assert_eq!(with_extension(input, extensions), expected, "{input:?}");
        }
        let long = with_extension(&format!("{}.bat", "x".repeat(300)), &["pdf"]);
        assert!(
            long.ends_with(".pdf") && long.chars().count() <= 200,
            "{long}"
        );
    }

    #[test]
    fn received_files_are_named_after_their_content() {
        let (kind, name) =
            classify_received(Some("Comprovante\u{202E}fdp.bat"), content(PDF)).unwrap();
        assert_eq!(kind, FileKind::Pdf);
        assert_eq!(name, "Comprovantefdp.bat.pdf");
        assert_eq!(
            classify_received(Some("foto.jpg"), content(PNG)).unwrap(),
            (FileKind::Png, "foto.jpg.png".to_string())
        );
        assert_eq!(
            classify_received(None, content(PNG)).unwrap(),
            (FileKind::Png, "file.png".to_string())
        );
        assert_eq!(
            classify_received(None, content(b"hello")).unwrap(),
            (FileKind::Txt, "file.txt".to_string())
        );
        assert_eq!(
            classify_received(Some("run.bat"), content(b"del *.*")),
            Err(Refusal::Unsupported { detected: None }),
            "text that calls itself a script is not a text file"
        );
        assert_eq!(
            classify_received(Some("invoice.pdf"), content(ELF)),
            Err(Refusal::Unsupported {
                detected: Some("a program".into())
            })
        );
    }

    #[test]
    fn office_documents_are_known_by_their_parts() {
        let docx = ["[Content_Types].xml", "_rels/.rels", "word/document.xml"];
        assert_eq!(office_document(docx), Some(FileKind::Docx));
        assert_eq!(
            office_document(["[Content_Types].xml", "xl/workbook.xml"]),
            Some(FileKind::Xlsx)
        );
        assert_eq!(
            office_document(["[Content_Types].xml", "ppt/presentation.xml"]),
            Some(FileKind::Pptx)
        );
        assert_eq!(
            office_document(["word/document.xml"]),
            None,
            "no content types: not Office"
        );
        assert_eq!(office_document(["photos/a.jpg"]), None);
        let zip = b"PK\x03\x04\x14\0\0\0\0\0";
        let mut c = content(zip);
        assert_eq!(
            classify("archive.docx", c),
            Err(Refusal::Unsupported {
                detected: Some("a ZIP archive".into())
            })
        );
        c.office_document = Some(FileKind::Docx);
        assert_eq!(classify("contrato.docx", c), Ok(FileKind::Docx));
        assert_eq!(
            classify("contrato.xlsx", c),
            Err(Refusal::Mismatch {
                extension: "xlsx".into(),
                detected: FileKind::Docx
            })
        );
    }

    #[test]
    fn every_kind_maps_back_from_its_mime() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::from_mime(kind.mime()), Some(kind));
        }
    }
}
