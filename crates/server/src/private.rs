//! Files and folders only the server's own user may read: `data_dir` (customers' files, the
//! media-link key, often the database) is created `0700`, and secrets, the SQLite database and
//! stored attachments `0600`, whatever the process's umask. On other systems the defaults of
//! the platform apply (Windows gives new files the folder's ACL).

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};

/// Permission bits of a private file.
pub const FILE_MODE: u32 = 0o600;
/// Permission bits of a private folder.
pub const DIR_MODE: u32 = 0o700;

/// Create `path` and any missing parents as private folders. Folders that exist keep their
/// permissions (an operator may have chosen a group for a shared volume).
pub fn create_dir_all(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(path)
}

/// Options that create a file readable by its owner only.
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options
}

/// Create a new private file; fails if it exists.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    options().write(true).create_new(true).open(path)
}

/// Write `bytes` to `path`, which ends up private even if it existed with wider permissions.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    restrict(&file)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Create `path` as an empty private file if it does not exist (for files another library
/// then opens, like the SQLite database); an existing file is left as it is.
pub fn touch(path: &Path) -> std::io::Result<()> {
    match options().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn restrict(file: &File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
}

#[cfg(not(unix))]
fn restrict(_: &File) -> std::io::Result<()> {
    Ok(())
}
