//! `distrib list`: the locked releases, newest first, with where each is installed and its
//! validation records, as the document `distrib list --format json` prints.

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::json::{Diagnostic, Release};
use crate::lock::Lockfile;
use crate::lock::history::{History, HistoryError};
use crate::manifest::Manifests;
use crate::manifest::model::Support;

/// The format of the document `distrib list --format json` prints.
pub const FORMAT: &str = "distrib-list/1";

/// The locked releases, newest first: the document `distrib list --format json` prints.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "distrib list: the locked releases, newest first")]
pub struct List {
    /// `distrib-list/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// Newest first, by lineage.
    pub releases: Vec<Listed>,
    /// A lock found under another release's path (`lock-misplaced`).
    pub diagnostics: Vec<Diagnostic>,
    /// The same problems, for a caller that draws them.
    #[serde(skip)]
    pub misplaced: Vec<Misplaced>,
}

/// A lock under another lock's path: not the release its path names.
#[derive(Clone, Debug, thiserror::Error, miette::Diagnostic)]
#[error("`{path}` holds release `{release}` of `{distribution}`, not the lock its path names")]
#[diagnostic(
    code("lock-misplaced"),
    help("move it to `locks/{distribution}/{release}.lock.yaml`, or restore the file from git")
)]
pub struct Misplaced {
    pub path: String,
    pub distribution: String,
    pub release: String,
}

/// One release of [`List`]: the release object and what its lock and the deployments say.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Listed {
    #[serde(flatten)]
    pub release: Release,
    /// The version a candidate, final or patch is of (`29.0.0`).
    pub release_version: Option<String>,
    /// A candidate's number.
    pub rc: Option<u32>,
    /// The build's name (`naming.build`; `b8467` by default).
    pub build_name: String,
    /// The release it was made from (a candidate's weekly, a final's candidate).
    pub parent: Option<String>,
    /// An earlier release with the same content.
    pub same_content_as: Option<String>,
    /// The lock's content digest.
    pub content: String,
    pub summary: ListedSummary,
    /// Where it is installed, in the order of the deployment files.
    pub installed: Vec<Installed>,
    /// Its validation records (`distrib record`), oldest first.
    pub records: Vec<ListedRecord>,
    /// The digest of its lockfile (its last line): what its own records name.
    #[serde(skip)]
    pub lock_digest: String,
}

impl Listed {
    /// `fst: pass`: the newest result of each check of this very lock, in the order checks
    /// were first recorded.
    pub fn checks(&self) -> Vec<(&str, crate::records::Outcome)> {
        let own = || {
            self.records
                .iter()
                .filter(|r| r.lock_digest == self.lock_digest)
        };
        let mut checks: Vec<&str> = Vec::new();
        for record in own() {
            if !checks.contains(&record.check.as_str()) {
                checks.push(&record.check);
            }
        }
        checks
            .into_iter()
            .filter_map(|check| {
                let newest = own().rfind(|r| r.check == check)?;
                Some((check, newest.result))
            })
            .collect()
    }
}

/// The releases of the manifest repository at `root` (of `distribution` only, when given),
/// newest first by lineage, with where `manifests`' deployments install each and its records.
pub fn list(
    root: &Path,
    manifests: &Manifests,
    distribution: Option<&str>,
) -> Result<List, HistoryError> {
    let history = History::read(root)?;
    // A lock under another lock's path is not the release its path names (its release name
    // may even point out of `locks/`).
    let misplaced: Vec<Misplaced> = history
        .locks
        .iter()
        .filter(|(path, lock)| *path != crate::lock::path(root, &lock.distribution, &lock.release))
        .map(|(path, lock)| Misplaced {
            path: crate::json::relative(root, path),
            distribution: lock.distribution.clone(),
            release: lock.release.clone(),
        })
        .collect();
    let diagnostics = misplaced
        .iter()
        .flat_map(|m| {
            crate::diagnostic::operation::warning_entries(m)
                .into_iter()
                .map(|entry| Diagnostic {
                    file: Some(m.path.clone()),
                    ..entry
                })
        })
        .collect();
    let mut locks = crate::lock::history::lineage_order(
        history
            .all()
            .filter(|lock| distribution.is_none_or(|d| d == lock.distribution)),
    );
    locks.reverse();
    let installed = |lock: &Lockfile| -> Vec<Installed> {
        manifests
            .deployments
            .iter()
            .map(|d| &d.value)
            .filter(|d| d.distribution.value == lock.distribution)
            .flat_map(|d| {
                d.installed
                    .iter()
                    .filter(|i| i.release.value == lock.release)
                    .map(|i| Installed {
                        deployment: d.name.value.clone(),
                        support: i.support.value,
                        default: d.default.as_ref().is_some_and(|r| r.value == lock.release),
                    })
            })
            .collect()
    };
    let records = |lock: &Lockfile| -> Vec<ListedRecord> {
        let Ok(Some(records)) = crate::records::read(root, &lock.distribution, &lock.release)
        else {
            return Vec::new();
        };
        records
            .records
            .into_iter()
            .map(|r| ListedRecord {
                check: r.check,
                result: r.result,
                date: r.date,
                by: r.by,
                url: r.url,
                note: r.note,
                lock_digest: r.lock,
            })
            .collect()
    };
    let releases = locks
        .iter()
        .map(|lock| Listed {
            release: Release::in_history(lock, &history, root),
            release_version: lock.release_version.clone(),
            rc: lock.rc,
            build_name: crate::naming::build_of(manifests, lock),
            parent: lock.from.clone(),
            same_content_as: lock.same_content_as.clone(),
            content: lock.content.clone(),
            summary: ListedSummary {
                products: lock.products.len(),
            },
            installed: installed(lock),
            records: records(lock),
            lock_digest: crate::records::lock_digest(lock),
        })
        .collect();
    Ok(List {
        format: FORMAT,
        releases,
        diagnostics,
        misplaced,
    })
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListedSummary {
    pub products: usize,
}

/// A deployment that installs the release.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Installed {
    pub deployment: String,
    pub support: Support,
    /// Whether it is the deployment's default.
    pub default: bool,
}

/// One validation record of a release.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListedRecord {
    pub check: String,
    pub result: crate::records::Outcome,
    pub date: String,
    pub by: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
    /// The digest of the lockfile judged (its last line): a record of an earlier lock of the
    /// same release has another.
    pub lock_digest: String,
}
