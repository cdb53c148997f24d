//! The document `distrib list --format json` prints: the locked releases, newest first, with
//! where each is installed and its validation records. Types only: the command fills them.

use schemars::JsonSchema;
use serde::Serialize;

use crate::json::{Diagnostic, Release};
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
