//! The desktop app's update feed, served from a folder the operator fills (`[server.updates]
//! dir`, by default `<data_dir>/updates`): one folder per version, holding the installers the
//! Tauri bundler wrote, each with the `.sig` the bundler signed it with, and optionally the
//! release notes.
//!
//! The layout is [`LAYOUT`] (also `switchboard-server updates --help`).
//!
//! An app asks with its platform, architecture, bundle type and version; it is offered the newest
//! version above its own that has a signed installer of its own bundle type and architecture.
//! A file without its `.sig`, or whose signature names another version than its folder, is never
//! offered (the app would refuse it anyway): a warning in the log says which and why. Nothing is
//! cached, so a version folder is live as soon as it is there — copy it in under another name and
//! rename it when complete.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use semver::Version;

/// The update folder's layout, as `switchboard-server updates --help` prints it.
pub const LAYOUT: &str = "\
The update folder ([server.updates] dir; by default <data_dir>/updates) holds one folder per
version, named as the version (1.4.0), with the installers exactly as the Tauri bundler named
them (scripts/package-desktop.sh, or the release workflow) and each one's .sig beside it:

  updates/
    1.4.0/
      notes.md                              release notes shown to agents (optional)
      Switchboard_1.4.0_amd64.deb           + Switchboard_1.4.0_amd64.deb.sig
      Switchboard-1.4.0-1.x86_64.rpm        + .sig
      Switchboard_1.4.0_amd64.AppImage      + .sig
      Switchboard_1.4.0_x64-setup.exe       + .sig   (Windows, NSIS)
      Switchboard_1.4.0_x64_en-US.msi       + .sig   (Windows, MSI)
      Switchboard_1.4.0_aarch64.app.tar.gz  + .sig   (macOS; no architecture in the name
                                                      means a universal build)

Each signed-in app is offered the newest version above its own that has a signed installer
for its platform, architecture and kind of installer. An installer without its .sig, or signed
as another version than its folder's, is never offered. Nothing is cached: copy a new version
in under another name (1.4.0.partial) and rename it when complete.";

/// Release notes larger than this are cut (they are shown in a small dialog).
const MAX_NOTES_BYTES: usize = 16 * 1024;

/// How an app was installed: Tauri's bundle types, as its updater names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    Deb,
    Rpm,
    AppImage,
    Nsis,
    Msi,
    /// A macOS `.app` (also when shipped in a `.dmg`): updated from `.app.tar.gz`.
    App,
}

/// The architectures Tauri's updater names.
const ARCHS: [&str; 4] = ["x86_64", "aarch64", "i686", "armv7"];

impl Bundle {
    pub const ALL: [Bundle; 6] = [
        Bundle::Deb,
        Bundle::Rpm,
        Bundle::AppImage,
        Bundle::Nsis,
        Bundle::Msi,
        Bundle::App,
    ];

    /// The updater's name for it (`{{bundle_type}}`).
    pub fn name(self) -> &'static str {
        match self {
            Bundle::Deb => "deb",
            Bundle::Rpm => "rpm",
            Bundle::AppImage => "appimage",
            Bundle::Nsis => "nsis",
            Bundle::Msi => "msi",
            Bundle::App => "app",
        }
    }

    /// `None` for `unknown` (an app run from a build folder, which cannot install an update).
    pub fn parse(name: &str) -> Option<Bundle> {
        Bundle::ALL.into_iter().find(|bundle| bundle.name() == name)
    }

    /// The platform (`{{target}}` of Tauri's updater) this bundle type belongs to.
    fn target(self) -> &'static str {
        match self {
            Bundle::Deb | Bundle::Rpm | Bundle::AppImage => "linux",
            Bundle::Nsis | Bundle::Msi => "windows",
            Bundle::App => "darwin",
        }
    }

    /// How the bundler ends the installer's name.
    fn suffix(self) -> &'static str {
        match self {
            Bundle::Deb => ".deb",
            Bundle::Rpm => ".rpm",
            Bundle::AppImage => ".AppImage",
            Bundle::Nsis => "-setup.exe",
            Bundle::Msi => ".msi",
            Bundle::App => ".app.tar.gz",
        }
    }

    /// How the bundler writes an architecture (Tauri's updater name) into the installer's name.
    fn arch_names(self, arch: &str) -> &'static [&'static str] {
        match (self, arch) {
            (Bundle::Deb, "x86_64") => &["amd64"],
            (Bundle::Deb, "aarch64") => &["arm64"],
            (Bundle::Deb, "i686") => &["i386"],
            (Bundle::Deb, "armv7") => &["armhf"],
            (Bundle::Rpm, "x86_64") => &["x86_64"],
            (Bundle::Rpm, "aarch64") => &["aarch64"],
            (Bundle::Rpm, "i686") => &["i686", "i386"],
            (Bundle::Rpm, "armv7") => &["armhfp", "armv7hl"],
            (Bundle::AppImage, "x86_64") => &["amd64", "x86_64"],
            (Bundle::AppImage, "aarch64") => &["aarch64", "arm64"],
            (Bundle::AppImage, "i686") => &["i386"],
            (Bundle::AppImage, "armv7") => &["armhf"],
            (Bundle::Nsis | Bundle::Msi, "x86_64") => &["x64"],
            (Bundle::Nsis | Bundle::Msi, "aarch64") => &["arm64"],
            (Bundle::Nsis | Bundle::Msi, "i686") => &["x86"],
            (Bundle::App, "x86_64") => &["x64", "x86_64", "universal"],
            (Bundle::App, "aarch64") => &["aarch64", "universal"],
            _ => &[],
        }
    }

    /// Every architecture name this bundle type's installers may carry (to tell "another
    /// architecture" from "no architecture in the name").
    fn any_arch_names(self) -> Vec<&'static str> {
        ARCHS
            .iter()
            .flat_map(|arch| self.arch_names(arch).iter().copied())
            .collect()
    }

    /// Whether `file` is this bundle type's installer for `arch`.
    fn matches(self, file: &str, arch: &str) -> bool {
        let Some(stem) = file.strip_suffix(self.suffix()) else {
            return false;
        };
        let named = |name: &str| has_word(stem, name);
        if self.arch_names(arch).iter().any(|name| named(name)) {
            return true;
        }
        // A macOS bundle without an architecture in its name is a universal build.
        self == Bundle::App && !self.any_arch_names().iter().any(|name| named(name))
    }
}

/// Whether `word` stands in `text` between separators (`_`, `-`, `.`) or at its ends.
fn has_word(text: &str, word: &str) -> bool {
    let separator = |c: Option<char>| c.is_none_or(|c| matches!(c, '_' | '-' | '.'));
    text.match_indices(word).any(|(at, _)| {
        separator(text[..at].chars().next_back())
            && separator(text[at + word.len()..].chars().next())
    })
}

/// What an app asks for.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: String,
    pub arch: String,
    pub bundle: Option<Bundle>,
    pub current: Version,
}

/// An installer to offer: where it is, and what the feed says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub version: Version,
    /// The installer's file name inside the version's folder.
    pub file: String,
    pub signature: String,
    pub notes: Option<String>,
    pub pub_date: Option<chrono::DateTime<chrono::Utc>>,
}

/// The update feed's folder.
#[derive(Debug, Clone)]
pub struct Updates {
    dir: PathBuf,
}

impl Updates {
    pub fn new(dir: impl Into<PathBuf>) -> Updates {
        Updates { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The newest signed installer above the app's version for its platform, if any. A folder
    /// that does not exist offers nothing.
    pub fn offer(&self, request: &Request) -> std::io::Result<Option<Offer>> {
        let Some(bundle) = request.bundle else {
            return Ok(None);
        };
        if bundle.target() != request.target {
            return Ok(None);
        }
        let mut versions = match self.versions() {
            Ok(versions) => versions,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        versions.retain(|(version, _)| *version > request.current);
        versions.sort_by(|a, b| b.0.cmp(&a.0));
        for (version, folder) in versions {
            if let Some(offer) = offer_in(&folder, &version, bundle, &request.arch)? {
                return Ok(Some(offer));
            }
        }
        Ok(None)
    }

    /// The installer `file` of `version`, when the feed would offer it: a plain file name with
    /// its signature beside it, inside the version's folder.
    pub fn installer(&self, version: &str, file: &str) -> Option<PathBuf> {
        let version = Version::parse(version).ok()?;
        let plain = !file.is_empty()
            && !file.starts_with('.')
            && !file.contains(['/', '\\'])
            && !file.ends_with(".sig");
        if !plain {
            return None;
        }
        let folder = self.dir.join(version.to_string());
        let path = folder.join(file);
        let regular = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file());
        (regular(&path) && regular(&folder.join(format!("{file}.sig")))).then_some(path)
    }

    /// Every folder whose name is a version.
    fn versions(&self) -> std::io::Result<Vec<(Version, PathBuf)>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let name = entry.file_name();
            match name.to_str().map(Version::parse) {
                // Only the canonical spelling: the download URL names the folder by it.
                Some(Ok(version)) if version.to_string() == name.to_string_lossy() => {
                    found.push((version, entry.path()));
                }
                _ => tracing::debug!(folder = ?entry.path(), "not a version folder; ignored"),
            }
        }
        Ok(found)
    }
}

/// The installer in one version's folder for this bundle type and architecture, when it is
/// signed for that version.
fn offer_in(
    folder: &Path,
    version: &Version,
    bundle: Bundle,
    arch: &str,
) -> std::io::Result<Option<Offer>> {
    let mut names: Vec<String> = std::fs::read_dir(folder)?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| bundle.matches(name, arch))
        .collect();
    names.sort();
    for file in names {
        let path = folder.join(&file);
        let signature = match signature_for(folder, &file, version) {
            Ok(signature) => signature,
            Err(why) => {
                tracing::warn!(installer = ?path, "{why}; not offered");
                continue;
            }
        };
        let pub_date = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .map(chrono::DateTime::<chrono::Utc>::from);
        return Ok(Some(Offer {
            version: version.clone(),
            file,
            signature,
            notes: notes(folder),
            pub_date,
        }));
    }
    Ok(None)
}

/// The signature of `file` in a version's folder, or why the installer cannot be offered.
fn signature_for(folder: &Path, file: &str, version: &Version) -> Result<String, String> {
    let signature = std::fs::read_to_string(folder.join(format!("{file}.sig")))
        .map_err(|error| format!("its signature {file}.sig cannot be read ({error})"))?;
    let signature = signature.trim().to_string();
    match signed_version(&signature) {
        Some(signed) if signed == version.to_string() => Ok(signature),
        Some(signed) => Err(format!(
            "it was signed as version {signed}, not {version}: put it in the folder {signed}"
        )),
        None => Err(
            "its .sig is not a Tauri updater signature naming its version (sign it with the Tauri CLI 2.12 or later)"
                .into(),
        ),
    }
}

/// One file of a version's folder, as the feed sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub file: String,
    /// For an installer: the platforms it is offered to (`linux x86_64 deb`), or why it is not.
    pub status: Result<Vec<String>, String>,
}

/// Every version folder and what the feed makes of each file in it (for operators:
/// `switchboard-server updates`). Newest first.
pub fn report(updates: &Updates) -> std::io::Result<Vec<(Version, Vec<FileReport>)>> {
    let mut versions = updates.versions()?;
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    let mut all = Vec::new();
    for (version, folder) in versions {
        let mut names: Vec<String> = std::fs::read_dir(&folder)?
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| !name.ends_with(".sig"))
            .collect();
        names.sort();
        let files = names
            .into_iter()
            .map(|file| {
                let status = if matches!(file.as_str(), "notes.md" | "notes.txt") {
                    Ok(vec!["release notes".to_string()])
                } else {
                    let platforms: Vec<String> = Bundle::ALL
                        .iter()
                        .flat_map(|bundle| ARCHS.iter().map(move |arch| (*bundle, *arch)))
                        .filter(|(bundle, arch)| bundle.matches(&file, arch))
                        .map(|(bundle, arch)| {
                            format!("{} {arch} {}", bundle.target(), bundle.name())
                        })
                        .collect();
                    if platforms.is_empty() {
                        Err(
                            "not an installer the Tauri bundler names (see the layout); ignored"
                                .to_string(),
                        )
                    } else {
                        signature_for(&folder, &file, &version).map(|_| platforms)
                    }
                };
                FileReport { file, status }
            })
            .collect();
        all.push((version, files));
    }
    Ok(all)
}

/// The release notes beside the installers (`notes.md` or `notes.txt`), cut to a sane size.
fn notes(folder: &Path) -> Option<String> {
    ["notes.md", "notes.txt"].iter().find_map(|name| {
        let bytes = std::fs::read(folder.join(name)).ok()?;
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_NOTES_BYTES)]);
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    })
}

/// The version a Tauri updater signature (base64 of a minisign signature file) was made for: the
/// `version:` field of its trusted comment, which the signature covers.
pub fn signed_version(signature: &str) -> Option<String> {
    let text = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .ok()?;
    let text = String::from_utf8(text).ok()?;
    let comment = text
        .lines()
        .find_map(|line| line.strip_prefix("trusted comment: "))?;
    comment
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig_for(version: &str) -> String {
        let text = format!(
            "untrusted comment: signature from tauri secret key\nRUQ=\ntrusted comment: timestamp:1\tfile:x\tversion:{version}\nAAAA\n"
        );
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn put(dir: &Path, version: &str, file: &str, signed_as: Option<&str>) {
        let folder = dir.join(version);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(file), b"installer").unwrap();
        if let Some(signed) = signed_as {
            std::fs::write(folder.join(format!("{file}.sig")), sig_for(signed)).unwrap();
        }
    }

    fn ask(
        updates: &Updates,
        target: &str,
        arch: &str,
        bundle: &str,
        current: &str,
    ) -> Option<(String, String)> {
        let request = Request {
            target: target.into(),
            arch: arch.into(),
            bundle: Bundle::parse(bundle),
            current: Version::parse(current).unwrap(),
        };
        updates
            .offer(&request)
            .unwrap()
            .map(|offer| (offer.version.to_string(), offer.file))
    }

    #[test]
    fn offers_the_newest_signed_installer_of_the_apps_bundle_type_and_architecture() {
        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "1.1.0",
            "Switchboard_1.1.0_amd64.deb",
            Some("1.1.0"),
        );
        put(
            dir.path(),
            "1.2.0",
            "Switchboard_1.2.0_amd64.deb",
            Some("1.2.0"),
        );
        put(
            dir.path(),
            "1.2.0",
            "Switchboard-1.2.0-1.x86_64.rpm",
            Some("1.2.0"),
        );
        put(
            dir.path(),
            "1.2.0",
            "Switchboard_1.2.0_x64-setup.exe",
            Some("1.2.0"),
        );
        put(
            dir.path(),
            "1.2.0",
            "Switchboard_1.2.0_x64_en-US.msi",
            Some("1.2.0"),
        );
        put(dir.path(), "1.2.0", "Switchboard.app.tar.gz", Some("1.2.0"));
        // Newer, but only for another architecture, or unsigned, or signed as another version.
        put(
            dir.path(),
            "1.3.0",
            "Switchboard_1.3.0_arm64.deb",
            Some("1.3.0"),
        );
        put(dir.path(), "1.4.0", "Switchboard_1.4.0_amd64.deb", None);
        put(
            dir.path(),
            "1.5.0",
            "Switchboard_1.5.0_amd64.deb",
            Some("1.1.0"),
        );
        std::fs::create_dir_all(dir.path().join("latest")).unwrap();
        let updates = Updates::new(dir.path());

        let deb = "Switchboard_1.2.0_amd64.deb";
        assert_eq!(
            ask(&updates, "linux", "x86_64", "deb", "1.0.0"),
            Some(("1.2.0".into(), deb.into()))
        );
        assert_eq!(
            ask(&updates, "linux", "x86_64", "deb", "1.1.9"),
            Some(("1.2.0".into(), deb.into()))
        );
        assert_eq!(ask(&updates, "linux", "x86_64", "deb", "1.2.0"), None);
        assert_eq!(
            ask(&updates, "linux", "aarch64", "deb", "1.0.0"),
            Some(("1.3.0".into(), "Switchboard_1.3.0_arm64.deb".into()))
        );
        assert_eq!(
            ask(&updates, "linux", "x86_64", "rpm", "1.0.0").unwrap().1,
            "Switchboard-1.2.0-1.x86_64.rpm"
        );
        assert_eq!(
            ask(&updates, "windows", "x86_64", "nsis", "1.0.0")
                .unwrap()
                .1,
            "Switchboard_1.2.0_x64-setup.exe"
        );
        assert_eq!(
            ask(&updates, "windows", "x86_64", "msi", "1.0.0")
                .unwrap()
                .1,
            "Switchboard_1.2.0_x64_en-US.msi"
        );
        // No architecture in a macOS bundle's name: a universal build, for both.
        assert_eq!(
            ask(&updates, "darwin", "aarch64", "app", "1.0.0")
                .unwrap()
                .1,
            "Switchboard.app.tar.gz"
        );
        assert_eq!(
            ask(&updates, "darwin", "x86_64", "app", "1.0.0").unwrap().1,
            "Switchboard.app.tar.gz"
        );
        // An app that cannot install an update, or asks for another platform's bundle.
        assert_eq!(ask(&updates, "linux", "x86_64", "unknown", "1.0.0"), None);
        assert_eq!(ask(&updates, "windows", "x86_64", "deb", "1.0.0"), None);
        assert_eq!(ask(&updates, "linux", "x86_64", "appimage", "1.0.0"), None);
    }

    #[test]
    fn a_missing_folder_offers_nothing_and_notes_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let updates = Updates::new(dir.path().join("absent"));
        assert_eq!(ask(&updates, "linux", "x86_64", "deb", "1.0.0"), None);

        put(
            dir.path(),
            "2.0.0",
            "Switchboard_2.0.0_amd64.deb",
            Some("2.0.0"),
        );
        std::fs::write(dir.path().join("2.0.0/notes.md"), "  Faster search.\n").unwrap();
        let updates = Updates::new(dir.path());
        let request = Request {
            target: "linux".into(),
            arch: "x86_64".into(),
            bundle: Some(Bundle::Deb),
            current: Version::parse("1.0.0").unwrap(),
        };
        let offer = updates.offer(&request).unwrap().unwrap();
        assert_eq!(offer.notes.as_deref(), Some("Faster search."));
        assert_eq!(signed_version(&offer.signature).as_deref(), Some("2.0.0"));
        assert!(offer.pub_date.is_some());
    }

    #[test]
    fn only_signed_installers_inside_a_version_folder_are_served() {
        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "1.2.0",
            "Switchboard_1.2.0_amd64.deb",
            Some("1.2.0"),
        );
        put(dir.path(), "1.2.0", "unsigned.deb", None);
        let updates = Updates::new(dir.path());
        assert!(updates
            .installer("1.2.0", "Switchboard_1.2.0_amd64.deb")
            .is_some());
        for (version, file) in [
            ("1.2.0", "unsigned.deb"),
            ("1.2.0", "Switchboard_1.2.0_amd64.deb.sig"),
            ("1.2.0", "../1.2.0/Switchboard_1.2.0_amd64.deb"),
            ("1.2.0", ".hidden"),
            ("1.2.0", ""),
            ("../1.2.0", "Switchboard_1.2.0_amd64.deb"),
            ("1.3.0", "Switchboard_1.2.0_amd64.deb"),
        ] {
            assert!(
                updates.installer(version, file).is_none(),
                "{version}/{file}"
            );
        }
    }

    #[test]
    fn architecture_names_match_whole_words_only() {
        assert!(has_word("Switchboard_1.0.0_x64", "x64"));
        assert!(has_word("Switchboard-1.0.0-1.x86_64", "x86_64"));
        assert!(!has_word("Switchboard-1.0.0-1.x86_64", "x64"));
        assert!(!has_word("Switchboard_1.0.0_amd64x", "amd64"));
        assert!(Bundle::Msi.matches("Switchboard_1.0.0_x64_pt-BR.msi", "x86_64"));
        assert!(!Bundle::Msi.matches("Switchboard_1.0.0_x64_pt-BR.msi", "aarch64"));
        assert!(!Bundle::App.matches("Switchboard_aarch64.app.tar.gz", "x86_64"));
        assert_eq!(signed_version("not base64!"), None);
    }
}
