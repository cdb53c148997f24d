//! The JSON documents of `lock` and `release` (`--format json`): what was made, and what a
//! check found. Typed, so that their schemas are generated from them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use super::make::{Outcome, Staleness};
use super::{Lockfile, VariableSource};
use crate::json::Status as ItemStatus;
pub use crate::json::{Diagnostic, Release};
use crate::report::diff::{ProductChange, State, Status};

/// Counts of a document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Summary {
    pub products: usize,
    /// Products that would change: checks only, `null` otherwise.
    pub changes: Option<usize>,
}

/// `distrib lock` and `distrib release` with `--format json`: the release made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Made {
    /// `distrib-lock/1` or `distrib-release/1`.
    pub format: String,
    pub release: Release,
    /// `done` (written) or `up-to-date` (the release already had this content).
    pub status: ItemStatus,
    /// The build as `naming.build` names it (the number when it has no template).
    pub build_name: String,
    /// Candidates, finals and patches: the version released.
    pub version: Option<String>,
    /// The release this one was made from.
    pub made_from: Option<String>,
    /// An earlier release with exactly these packages.
    pub same_content_as: Option<String>,
    pub variables: BTreeMap<String, String>,
    pub sources: BTreeMap<String, VariableSource>,
    /// The digest of what is built.
    pub content: String,
    pub summary: Summary,
    pub diagnostics: Vec<Diagnostic>,
}

impl Made {
    /// The document of a lock written or found up to date at `path` (relative to the
    /// manifest repository).
    pub fn new(
        format: &str,
        lock: &Lockfile,
        path: String,
        written: bool,
        build_name: String,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        Made {
            format: format.to_owned(),
            release: Release {
                lock: Some(path),
                ..Release::of(lock, None)
            },
            status: if written {
                ItemStatus::Done
            } else {
                ItemStatus::UpToDate
            },
            build_name,
            version: lock.release_version.clone(),
            made_from: lock.from.clone(),
            same_content_as: lock.same_content_as.clone(),
            variables: lock.variables.clone(),
            sources: lock.sources.clone(),
            content: lock.content.clone(),
            summary: Summary {
                products: lock.products.len(),
                changes: None,
            },
            diagnostics,
        }
    }
}

/// One side of a product's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Side {
    pub version: Option<String>,
    /// One per repository, full ids.
    pub commits: Vec<String>,
    pub identity: String,
}

impl From<&State> for Side {
    fn from(state: &State) -> Self {
        Side {
            version: state.version.clone(),
            commits: state.commits.clone(),
            identity: state.identity.clone(),
        }
    }
}

/// A product a lock made now would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Change {
    pub product: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    pub before: Option<Side>,
    pub after: Option<Side>,
}

impl From<&ProductChange> for Change {
    fn from(change: &ProductChange) -> Self {
        Change {
            product: change.name.clone(),
            change: match change.status {
                Status::Added => "added",
                Status::Removed => "removed",
                Status::Rebuild | Status::Reuse => "changed",
            }
            .to_owned(),
            before: change.from.as_ref().map(Side::from),
            after: change.to.as_ref().map(Side::from),
        }
    }
}

/// Identity versions of the compared lock and of a lock made now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Versions {
    pub before: Option<String>,
    pub after: String,
}

/// `distrib lock --check --format json`: the compared lock, and what a lock made now would
/// change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Checked {
    /// `distrib-lock-check/1`.
    #[schemars(extend("const" = "distrib-lock-check/1"))]
    pub format: String,
    /// The lock compared with.
    pub release: Release,
    /// `up-to-date` or `stale`; `lockable` for the pre-merge check (`--base`).
    pub status: String,
    /// The pre-merge check's base revision.
    pub base: Option<String>,
    /// The pre-merge check: the products whose sources changed since `base`.
    pub resolved_anew: Vec<String>,
    /// When the compared lock's identities are of another version than a lock made now.
    pub identity_version: Option<Versions>,
    pub changes: Vec<Change>,
    pub summary: Summary,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// The document of a check's outcome; `None` for outcomes of no check.
    pub fn new(outcome: &Outcome, path: String, diagnostics: Vec<Diagnostic>) -> Option<Self> {
        let changes = |list: &[ProductChange]| list.iter().map(Change::from).collect::<Vec<_>>();
        let (lock, status, products, base, anew, versions, list) = match outcome {
            Outcome::Current { lock, products } => (
                lock,
                "up-to-date",
                *products,
                None,
                Vec::new(),
                None,
                Vec::new(),
            ),
            Outcome::Stale { lock, staleness } => {
                let Staleness {
                    identity_version,
                    changes: list,
                } = staleness;
                let versions = identity_version.map(|before| Versions {
                    before: before.map(|v| v.header().to_owned()),
                    after: crate::identity::Version::CURRENT.header().to_owned(),
                });
                let products = lock.products.len();
                (
                    lock,
                    "stale",
                    products,
                    None,
                    Vec::new(),
                    versions,
                    changes(list),
                )
            }
            Outcome::Lockable {
                lock,
                products,
                base,
                sources,
                changes: list,
            } => (
                lock,
                "lockable",
                *products,
                Some(base.clone()),
                sources.clone(),
                None,
                changes(list),
            ),
            Outcome::Written { .. } | Outcome::UpToDate { .. } | Outcome::Printed { .. } => {
                return None;
            }
        };
        Some(Checked {
            format: "distrib-lock-check/1".to_owned(),
            release: Release {
                lock: Some(path),
                ..Release::of(lock, None)
            },
            status: status.to_owned(),
            base,
            resolved_anew: anew,
            identity_version: versions,
            summary: Summary {
                products,
                changes: Some(list.len()),
            },
            changes: list,
            diagnostics,
        })
    }
}
