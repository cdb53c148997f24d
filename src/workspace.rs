//! The manifest repository as a value: its valid manifests, the commit its work tree is at and
//! the folder of its mirrors. What `fetch`, `lock`, `release` and `verify` start from. No
//! command line, no terminal: an invalid repository is an error carrying its report.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Report, Severity, Sources};
use crate::manifest::{self, Manifests, OpenError, Origin};
use crate::resolve::Mirrors;

/// Why a manifest repository cannot be worked with.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WorkspaceError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Open(#[from] OpenError),
    /// The manifests have errors: nothing may be locked from them. The report holds every
    /// problem, for the caller to show.
    #[error("the manifests cannot be used: {}", .0.summary())]
    #[diagnostic(
        code("manifests-invalid"),
        help("fix these problems first: `distrib check` shows them")
    )]
    Invalid(Box<Report>),
}

/// A valid manifest repository in a work tree.
pub struct Workspace {
    pub root: PathBuf,
    pub manifests: Manifests,
    pub mirrors_dir: PathBuf,
    /// The files read, with their text.
    sources: Sources,
}

impl Workspace {
    /// Opens the manifest repository at or above `start` and validates it (unless the last
    /// check of exactly these files found no error); `mirrors` overrides the folder of the
    /// mirrors (else `mirrors:` in distrib.yaml, else the user's cache).
    pub fn open(start: &Path, mirrors: Option<&Path>) -> Result<Self, WorkspaceError> {
        let opened = manifest::open(start, None)?;
        let Origin::WorkTree(root) = opened.origin else {
            unreachable!("opened without a revision")
        };
        let mut report = opened.report;
        let known_clean = report.diagnostics.is_empty()
            && opened
                .verdict
                .as_ref()
                .is_some_and(manifest::Verdict::was_clean);
        if !known_clean {
            crate::check::check_recorded(&opened.manifests, &mut report, opened.verdict.as_ref());
            if report.count(Severity::Error) > 0 {
                return Err(WorkspaceError::Invalid(Box::new(report)));
            }
        }
        let mirrors_dir = mirrors_dir(&root, &opened.manifests, mirrors);
        Ok(Self {
            root,
            manifests: opened.manifests,
            mirrors_dir,
            sources: report.sources,
        })
    }

    /// The commit of the manifest repository the work tree is at, with `-dirty` when a
    /// manifest file differs from that commit (as `git describe --dirty` says it); `None`
    /// outside a git repository.
    pub fn manifest_commit(&self) -> Option<String> {
        let head = crate::git::head_commit(&self.root)?;
        let committed = manifest::open(&self.root, Some("HEAD")).ok()?;
        // Lockfiles are outputs, not inputs: a lock not yet committed dirties nothing.
        let files = |sources: &Sources| -> Vec<(String, std::sync::Arc<str>)> {
            sources
                .iter()
                .filter(|f| manifest::Kind::of_path(&f.path) != Some(manifest::Kind::Lock))
                .map(|f| (f.path.clone(), f.text.clone()))
                .collect()
        };
        if files(&committed.report.sources) == files(&self.sources) {
            return Some(head);
        }
        // The texts differ: git decides whether that is a change, or its own conversion of a
        // checkout (CRLF with `core.autocrlf`, `eol` in `.gitattributes`). `-dirty` means what
        // `git status` means, for the files distrib reads.
        if let Some(changed) = crate::git::changed_paths(&self.root) {
            let read = self.read_paths();
            let relevant = |path: &String| {
                read.contains(path)
                    || (path.ends_with('/') && read.iter().any(|r| r.starts_with(path.as_str())))
                    || manifest::Kind::of_path(path)
                        .or_else(|| manifest::Kind::misnamed(path))
                        .is_some_and(|kind| kind != manifest::Kind::Lock)
            };
            if !changed.iter().any(relevant) {
                return Some(head);
            }
        }
        Some(format!("{head}-dirty"))
    }

    /// Every file the manifests were read from, relative to the root: the listed paths and the
    /// files their links lead to.
    fn read_paths(&self) -> std::collections::BTreeSet<String> {
        let canonical = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let mut paths = std::collections::BTreeSet::new();
        for file in manifest::worktree::list(&self.root) {
            if let manifest::Content::Unread(target) = &file.content
                && let Ok(target) = target.canonicalize()
                && let Ok(relative) = target.strip_prefix(&canonical)
            {
                paths.insert(relative.to_string_lossy().replace('\\', "/"));
            }
            paths.insert(file.path);
        }
        paths
    }

    /// A path inside the repository, as messages show it: relative to the root.
    pub fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    pub fn mirrors(&self) -> Mirrors<'_> {
        mirrors(&self.manifests, &self.mirrors_dir, &self.root)
    }
}

/// The mirrors folder: `given` (the caller's choice), else `mirrors:` in distrib.yaml (relative
/// to the root), else the user's cache folder.
pub fn mirrors_dir(root: &Path, manifests: &Manifests, given: Option<&Path>) -> PathBuf {
    let configured = manifests
        .config
        .as_ref()
        .and_then(|c| c.value.mirrors.as_ref())
        .map(|m| root.join(&m.value));
    given
        .map(Path::to_path_buf)
        .or(configured)
        .unwrap_or_else(default_mirrors)
}

/// The mirrors in `dir`, with the URL rewrites of distrib.yaml.
pub fn mirrors<'a>(manifests: &Manifests, dir: &'a Path, root: &'a Path) -> Mirrors<'a> {
    let mut rewrite: Vec<(String, String)> = manifests
        .config
        .as_ref()
        .map(|c| {
            c.value
                .rewrite
                .iter()
                .map(|(from, to)| (from.value.clone(), to.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    rewrite.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    Mirrors { dir, rewrite, root }
}

/// `$XDG_CACHE_HOME/distrib/mirrors`, else `~/.cache/distrib/mirrors`.
fn default_mirrors() -> PathBuf {
    let cache = crate::fsutil::cache_home().unwrap_or_else(std::env::temp_dir);
    cache.join("distrib").join("mirrors")
}
