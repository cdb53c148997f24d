//! A cache of parsed manifest files, so that a run on a repository where few files changed (a
//! pre-commit hook, a CI job, `lock` after `check`) parses only those.
//!
//! One file per manifest repository, `<cache>/distrib/parsed/<repository key>.txt`: a header
//! line, then one line per file that parsed, `<key>\t<model as JSON, with positions>`. The key
//! is the SHA-256 of this format's version, distrib's version and build id, the file's path and
//! its text, so an edited file, a renamed one or another build of distrib never hits an old
//! entry. The build id is a digest of the sources the binary was compiled from (`build.rs`):
//! unlike the executable's path, size or mtime it changes exactly when the code that parses can
//! differ. Only files that parsed without a problem are kept: problems are always found again.
//! A file that holds a credential in a URL is not kept either: secrets stay in the manifest
//! repository. The cache's folder is `rwx------` and its files `rw-------`, whatever the umask.
//!
//! Beside it, `<repository key>.checked` holds the digest of every file of the repository
//! (each file's key, in order) the last time a check found no error in them: the rules are a
//! function of the files' paths and texts only (and of distrib's build, which every key
//! holds), so a command that only needs to know there is none (`lock`, `fetch`, `release`...)
//! need not run them again on exactly those files.
//!
//! The cache is a shortcut, never a source of truth: a cache that cannot be read, decoded or
//! written is ignored, and `DISTRIB_NO_CACHE=1` turns it off.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Kind;
use super::parse::{Cached, Outcome};
use super::span::with_spans;
use crate::identity::hex;

/// The first line of a cache file: what wrote it.
const HEADER: &str = concat!(
    "distrib-parse-cache/2 ",
    env!("CARGO_PKG_VERSION"),
    " ",
    env!("DISTRIB_BUILD_ID"),
    "\n"
);

/// The cache of one manifest repository, as it was when the run started.
pub struct Cache {
    file: PathBuf,
    text: String,
}

impl Cache {
    /// The cache of the manifest repository at `root`, or `None` when it is turned off or there
    /// is no cache folder.
    pub fn open(root: &Path) -> Option<Cache> {
        if std::env::var_os("DISTRIB_NO_CACHE").is_some_and(|v| !v.is_empty() && v != "0") {
            return None;
        }
        let folder = crate::fsutil::cache_home()?.join("distrib").join("parsed");
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let name = hex(&Sha256::digest(root.to_string_lossy().as_bytes()))[..32].to_owned();
        let file = folder.join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&file)
            .ok()
            .filter(|t| t.starts_with(HEADER))
            .unwrap_or_default();
        Some(Cache { file, text })
    }

    /// The entries written by the last run: key to JSON.
    pub fn entries(&self) -> HashMap<&str, &str> {
        self.text
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once('\t'))
            .collect()
    }

    /// Replaces the cache with `entries` (key, JSON), atomically, when they differ from what
    /// it holds, `held` ([`Cache::entries`]). Best effort: a cache that cannot be written is no
    /// error.
    pub fn save(&self, mut entries: Vec<super::parse::Entry>, held: &Cached) {
        // Each entry is one the cache holds, and it holds no other: nothing to write.
        let all_held = entries.len() == held.len()
            && entries
                .iter()
                .all(|(_, json)| matches!(json, std::borrow::Cow::Borrowed(_)));
        if all_held {
            return;
        }
        entries.sort();
        let length = entries.iter().map(|(key, json)| key.len() + json.len() + 2);
        let mut text = String::with_capacity(HEADER.len() + length.sum::<usize>());
        text.push_str(HEADER);
        for (key, json) in &entries {
            text.push_str(key);
            text.push('\t');
            text.push_str(json);
            text.push('\n');
        }
        if text == self.text {
            return;
        }
        let _ = write_private(&self.file, text.as_bytes());
    }

    /// What the last check said of the files whose [`digest`] is `digest`.
    pub fn verdict(&self, digest: String) -> Verdict {
        let file = self.file.with_extension("checked");
        let clean = std::fs::read_to_string(&file).is_ok_and(|text| text == digest);
        Verdict {
            file,
            digest,
            clean,
        }
    }
}

/// Whether the last check of exactly the files of a listing found no error, and where a check
/// of them says it.
#[derive(Debug)]
pub struct Verdict {
    file: PathBuf,
    digest: String,
    clean: bool,
}

impl Verdict {
    /// Whether the last check of exactly these files found no error.
    pub fn was_clean(&self) -> bool {
        self.clean
    }

    /// Records that a check of these files found no error. Best effort, as the rest of the
    /// cache.
    pub fn record_clean(&self) {
        if !self.clean {
            let _ = write_private(&self.file, self.digest.as_bytes());
        }
    }
}

/// The digest of a listing: the keys of all its files, in order.
pub fn digest(keys: &[String]) -> String {
    let mut hasher = Sha256::new();
    for key in keys {
        hasher.update(key.as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

/// Replaces `file` with `bytes` atomically, the file readable by its owner only, in a folder
/// only its owner can enter.
fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let folder = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))?;
    }
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    temporary.write_all(bytes)?;
    temporary.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// The key of a file's entry.
pub fn key(path: &str, text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(HEADER.as_bytes());
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(text.as_bytes());
    hex(&hasher.finalize())
}

/// A parsed file as a cache entry; `None` for what is not kept (problems, lockfiles, files
/// with a credential in a URL).
pub fn encode(outcome: &Outcome) -> Option<String> {
    let json = with_spans(|| match outcome {
        Outcome::Config(value) => serde_json::to_string(value).ok(),
        Outcome::Product(value) => serde_json::to_string(value).ok(),
        Outcome::Distribution(value) => serde_json::to_string(value).ok(),
        Outcome::Environment(value) => serde_json::to_string(value).ok(),
        Outcome::Deployment(value) => serde_json::to_string(value).ok(),
        Outcome::Lock | Outcome::Problem(_) => None,
    })?;
    crate::escape::credentials(&json).is_empty().then_some(json)
}

/// A cache entry back as a parsed file of `kind`; `None` when it does not decode.
pub fn decode(kind: Kind, json: &str) -> Option<Outcome> {
    with_spans(|| match kind {
        Kind::Config => serde_json::from_str(json).ok().map(Outcome::Config),
        Kind::Product => serde_json::from_str(json).ok().map(Outcome::Product),
        Kind::Distribution => serde_json::from_str(json).ok().map(Outcome::Distribution),
        Kind::Environment => serde_json::from_str(json).ok().map(Outcome::Environment),
        Kind::Deployment => serde_json::from_str(json).ok().map(Outcome::Deployment),
        Kind::Lock => None,
    })
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn a_cache_is_written_again_only_when_its_entries_change() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache {
            file: folder.path().join("repository.txt"),
            text: format!("{HEADER}a\t{{\"a\":1}}\nb\t{{\"b\":2}}\n"),
        };
        let held = cache.entries();
        let borrowed = |key: &str| (key.to_owned(), Cow::Borrowed(held[key]));
        let made = |key: &str, json: &str| (key.to_owned(), Cow::Owned(json.to_owned()));

        // Every entry it holds, read from it: nothing written.
        cache.save(vec![borrowed("b"), borrowed("a")], &held);
        // The same entries, one of them made again: nothing written either.
        cache.save(vec![borrowed("a"), made("b", "{\"b\":2}")], &held);
        assert!(!cache.file.exists());

        // A file gone: its entry goes.
        cache.save(vec![borrowed("a")], &held);
        let written = std::fs::read_to_string(&cache.file).unwrap();
        assert_eq!(written, format!("{HEADER}a\t{{\"a\":1}}\n"));
        // A file changed: its new entry is kept.
        cache.save(vec![borrowed("a"), made("c", "{}")], &held);
        let written = std::fs::read_to_string(&cache.file).unwrap();
        assert_eq!(written, format!("{HEADER}a\t{{\"a\":1}}\nc\t{{}}\n"));
    }
}
