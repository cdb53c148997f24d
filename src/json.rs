//! The vocabulary every `--format json` document shares (`docs/json.md`): the release object,
//! the diagnostic object, and the `format` every document starts with. Types only: commands
//! build their documents from these, and `schema` derives each document's JSON Schema from
//! them. Nothing here reads files but [`Release::of`], which looks whether a lock is its file.

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::lock::history::History;
use crate::lock::{Lockfile, ReleaseKind};

/// A release, the same object in every document: which distribution, its name, kind, date,
/// build number and lockfile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Release {
    /// The distribution the release is of.
    pub distribution: String,
    /// The release's name, such as `w.2026.47`.
    pub release: String,
    /// `nightly`, `weekly`, `manual`, `candidate`, `final` or `patch`; `null` when the release
    /// has no lock to say.
    pub kind: Option<ReleaseKind>,
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, from its lock; `null` when it has none.
    pub date: Option<String>,
    /// Its build number, from its lock; `null` when it has none.
    pub build: Option<u64>,
    /// The path, relative to the manifest repository, of the lockfile of its history that holds
    /// exactly this lock (`locks/DIST/RELEASE.lock.yaml`); `null` when there is none (a lock
    /// read from elsewhere that the history does not have).
    pub lock: Option<String>,
}

impl Release {
    /// The release `lock` records. `root` is the manifest repository, when there is one: `lock`
    /// is its path there when that file holds this very lock.
    pub fn of(lock: &Lockfile, root: Option<&Path>) -> Self {
        let path = root.and_then(|root| {
            let path = crate::lock::path(root, &lock.distribution, &lock.release);
            let bytes = std::fs::read(&path).ok()?;
            let found = crate::lock::parse_bytes(&bytes).ok()?;
            (found == *lock).then(|| relative(root, &path))
        });
        Release {
            distribution: lock.distribution.clone(),
            release: lock.release.clone(),
            kind: Some(lock.kind),
            date: Some(lock.date.clone()),
            build: Some(lock.build),
            lock: path,
        }
    }

    /// The release `lock` records, with `lock` its path in the manifest repository at `root`
    /// when `history` (read from there) holds this very lock at the path its names give: no
    /// file is read again.
    pub fn in_history(lock: &Lockfile, history: &History, root: &Path) -> Self {
        let expected = crate::lock::path(root, &lock.distribution, &lock.release);
        let held = history
            .locks
            .iter()
            .any(|(path, held)| *path == expected && held == lock);
        Release {
            lock: held.then(|| relative(root, &expected)),
            ..Release::of(lock, None)
        }
    }

    /// A release known by name only (installed at a site, say) that has no lock.
    pub fn unlocked(distribution: &str, release: &str) -> Self {
        Release {
            distribution: distribution.to_owned(),
            release: release.to_owned(),
            kind: None,
            date: None,
            build: None,
            lock: None,
        }
    }
}

/// `path` relative to `root`, with `/` between components on every system.
pub fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A problem or remark a command reports, in every document: the diagnostic object of the
/// one renderer of operations' errors and warnings.
pub use crate::diagnostic::Severity;
pub use crate::diagnostic::operation::Entry as Diagnostic;

/// What became of one item an operation acted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Done as asked.
    Done,
    /// Already as asked: nothing was changed.
    UpToDate,
    /// Left out on purpose (a dry run, say).
    Skipped,
    Failed,
}

/// How one thing compares between `before` and `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only in `after`.
    Added,
    /// Only in `before`.
    Removed,
    /// In both, different.
    Changed,
    /// In both, the same.
    Unchanged,
}

/// A document as printed: pretty, one trailing newline.
pub fn to_text(document: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}
