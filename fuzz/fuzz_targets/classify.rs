//! File classification by content (uploads and customers' media) and the file-name cleaner.
//!
//! Input layout: one flag byte (bit 0: the whole file is UTF-8 text; bits 1–2: the Office
//! document a ZIP directory named), the file name up to the first NUL, then the content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_domain::attachments::{self, Content, FileKind};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (name, bytes) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let name = String::from_utf8_lossy(name);

    let clean = attachments::sanitize_filename(&name);
    assert!(!clean.is_empty(), "{name:?} gave an empty name");
    assert!(clean.chars().count() <= 200, "{name:?} gave {clean:?}");
    assert!(
        !clean.contains(['/', '\\']) && !clean.chars().any(char::is_control),
        "{name:?} gave {clean:?}"
    );
    assert!(
        !clean.starts_with('.'),
        "{name:?} gave a hidden name {clean:?}"
    );
    assert_eq!(
        attachments::sanitize_filename(&clean),
        clean,
        "a clean name stays as it is"
    );

    let office_document = match (flags >> 1) & 3 {
        1 => Some(FileKind::Docx),
        2 => Some(FileKind::Xlsx),
        3 => Some(FileKind::Pptx),
        _ => None,
    };
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let content = Content {
        head: &bytes[..bytes.len().min(64 * 1024)],
        tail,
        size: bytes.len() as u64,
        is_utf8_text: flags & 1 == 1,
        office_document,
    };
    for filename in [&*name, &*clean] {
        match attachments::classify(filename, content) {
            Ok(kind) => {
                let ext =
                    attachments::extension(filename).expect("an accepted file has an extension");
                assert!(
                    kind.extensions().contains(&ext.as_str()),
                    "{filename:?} is {kind:?}"
                );
            }
            // Every refusal is shown to a person.
            Err(refusal) => assert!(!refusal.to_string().is_empty()),
        }
    }
    let parts = String::from_utf8_lossy(bytes);
    let _ = attachments::office_document(parts.split('\n'));
});
