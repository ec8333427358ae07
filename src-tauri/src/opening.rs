//! What a double click on a received file does: files of a type Switchboard accepts (checked
//! from their content, and named for it) open in the OS's app for them; anything else —
//! customers' voice notes and videos, or a file whose name and content disagree — is shown in
//! its folder instead, with a sentence saying why, so a double click never runs a program.

use serde::Serialize;
use switchboard_domain::attachments::{extension, FileKind};

/// What to do with a downloaded attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    /// Open it with the OS's default app.
    Open,
    /// Show its folder in the file manager; `reason` tells the agent why.
    ShowInFolder { reason: String },
}

/// What `open_attachment` answers the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenedFile {
    /// True when the file opened in its app; false when its folder was shown instead.
    pub opened: bool,
    /// Why the folder was shown instead, for the agent.
    pub reason: Option<String>,
}

/// Decide from the file's name and the type its content was recognised as (`None`: not an
/// accepted type). `portuguese` picks the sentence's language.
pub fn how_to_open(filename: &str, sniffed_mime: Option<&str>, portuguese: bool) -> Opening {
    let kind = sniffed_mime.and_then(FileKind::from_mime);
    let named_for_it = match (kind, extension(filename)) {
        (Some(kind), Some(ext)) => kind.extensions().contains(&ext.as_str()),
        _ => false,
    };
    if named_for_it {
        return Opening::Open;
    }
    let reason = match (kind, portuguese) {
        (Some(kind), false) => format!(
            "{filename} is named like another type than its content ({}), so Switchboard shows it in its folder instead of opening it.",
            kind.extensions()[0].to_uppercase()
        ),
        (Some(kind), true) => format!(
            "O nome de {filename} não corresponde ao conteúdo ({}), então o Switchboard mostra o arquivo na pasta em vez de abri-lo.",
            kind.extensions()[0].to_uppercase()
        ),
        (None, false) => format!(
            "Switchboard opens only documents, text and pictures of the accepted types; {filename} is another kind of file, so it is shown in its folder. Open it yourself only if you trust it."
        ),
        (None, true) => format!(
            "O Switchboard só abre documentos, textos e imagens dos tipos aceitos; {filename} é outro tipo de arquivo, então ele é mostrado na pasta. Abra-o por conta própria só se confiar nele."
        ),
    };
    Opening::ShowInFolder { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_accepted_types_named_for_their_content_open() {
        // (file name, type its content was recognised as, opens?)
        let table = [
            ("contrato.pdf", Some("application/pdf"), true),
            ("FOTO.JPEG", Some("image/jpeg"), true),
            (
                "planilha.xlsx",
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                true,
            ),
            ("notas.txt", Some("text/plain; charset=utf-8"), true),
            ("Comprovantefdp.bat.pdf", Some("application/pdf"), true),
            ("Comprovantefdp.bat", Some("application/pdf"), false),
            ("foto.png", Some("image/jpeg"), false),
            ("audio.mp3", Some("audio/mpeg"), false),
            ("voz.ogg", None, false),
            ("setup.exe", None, false),
            ("script.sh", None, false),
            ("sem-extensao", Some("application/pdf"), false),
        ];
        for (name, mime, opens) in table {
            let decision = how_to_open(name, mime, false);
            assert_eq!(
                decision == Opening::Open,
                opens,
                "{name} {mime:?}: {decision:?}"
            );
        }
    }

    #[test]
    fn the_agent_is_told_why_a_folder_opened_instead() {
        let Opening::ShowInFolder { reason } = how_to_open("setup.exe", None, false) else {
            panic!("a program never opens");
        };
        assert!(
            reason.contains("setup.exe") && reason.contains("folder"),
            "{reason}"
        );
        let Opening::ShowInFolder { reason } = how_to_open("foto.png", Some("image/jpeg"), true)
        else {
            panic!("a mismatch never opens");
        };
        assert!(
            reason.contains("foto.png") && reason.contains("JPG"),
            "{reason}"
        );
        assert!(reason.contains("pasta"), "in Portuguese: {reason}");
    }
}
