//! File writing that never leaves a half-written file: write a temporary file beside the
//! target, flush it to disk, then rename it over the target.

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error, miette::Diagnostic)]
#[error("cannot write `{}`: {source}", path.display())]
#[diagnostic(code("io"))]
pub struct IoError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    pub fn new(path: &Path, source: std::io::Error) -> Self {
        Self {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Replaces `path` with `bytes` atomically, flushed to disk. An unchanged file is not
/// rewritten.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|current| current == bytes) {
        return Ok(());
    }
    replace(path, bytes, true)
}

/// Replaces `path` with `bytes` by a rename, so that no reader sees half of it; with `flush`,
/// the new text is on disk before the rename. Without, a crash may leave the file empty or
/// partial: only for writers whose next run rewrites every file that differs from what it
/// writes (the alidist import, hundreds of files at a time).
pub fn replace(path: &Path, bytes: &[u8], flush: bool) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    // A temporary file is private; the file it replaces is not: keep the old file's mode, or
    // give a new one the usual `rw-r--r--`.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    temporary.write_all(bytes)?;
    if flush {
        temporary.as_file().sync_all()?;
    }
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The user's cache folder: `$XDG_CACHE_HOME`, else `~/.cache`.
pub fn cache_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
}
