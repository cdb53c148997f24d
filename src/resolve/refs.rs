//! The seam between resolution and git: what resolving a product asks of the mirror of one
//! repository ([`Refs`]) and of the folder of mirrors ([`Repositories`]), and the rules that
//! turn a ref as the manifests write it into a commit. The rules are written once, here, over
//! the trait: the gix mirror and the in-memory [`super::fake`] answer the same questions, so
//! the rules are unit-tested without git. Nothing here reads git itself.

use std::path::PathBuf;

pub use crate::git::mirror::{RefKind, ResolveError, Resolved};

/// What resolution asks of the mirror of one repository. Ids are full hex object ids.
pub trait Refs {
    /// The branch `HEAD` names, if the origin told one.
    fn default_branch(&self) -> Option<String>;

    /// The commit a full ref name (`refs/tags/v1.0`, `refs/heads/main`) points to, annotated
    /// tags peeled; `None` when there is no such ref, or git cannot hold that name. A ref to a
    /// tree or a blob is [`ResolveError::NotACommit`].
    fn peel(&self, full_name: &str) -> Result<Option<String>, ResolveError>;

    /// The commit a full object id names (a tag object peeled), if the repository has it.
    fn commit_of(&self, id: &str) -> Option<String>;

    /// Every branch and tag name, short form, sorted.
    fn ref_names(&self) -> Result<Vec<String>, ResolveError>;

    /// The full ids of the commits whose id starts with `prefix` (hex digits), sorted.
    fn commits_with_prefix(&self, prefix: &str) -> Result<Vec<String>, ResolveError>;

    /// The id of the tree at `path` (the whole tree when `None`) in `commit`; a path that is
    /// not a folder there is [`ResolveError::PathMissing`].
    fn tree(&self, commit: &str, path: Option<&str>) -> Result<String, ResolveError>;

    /// `git describe --tags` of a commit: the tag itself, `<tag>-<n>-g<short>` past it, or
    /// `g<short>` when no tag is reachable; the release tags distrib makes are left out.
    fn describe(&self, commit: &str) -> Result<String, ResolveError>;
}

/// A borrowed repository answers as the repository does.
impl<R: Refs + ?Sized> Refs for &R {
    fn default_branch(&self) -> Option<String> {
        (**self).default_branch()
    }
    fn peel(&self, full_name: &str) -> Result<Option<String>, ResolveError> {
        (**self).peel(full_name)
    }
    fn commit_of(&self, id: &str) -> Option<String> {
        (**self).commit_of(id)
    }
    fn ref_names(&self) -> Result<Vec<String>, ResolveError> {
        (**self).ref_names()
    }
    fn commits_with_prefix(&self, prefix: &str) -> Result<Vec<String>, ResolveError> {
        (**self).commits_with_prefix(prefix)
    }
    fn tree(&self, commit: &str, path: Option<&str>) -> Result<String, ResolveError> {
        (**self).tree(commit, path)
    }
    fn describe(&self, commit: &str) -> Result<String, ResolveError> {
        (**self).describe(commit)
    }
}

/// Why the mirror of a repository cannot be read.
#[derive(Debug)]
pub enum Unavailable {
    /// Never fetched: nothing at that place.
    Missing(PathBuf),
    /// There, but not a repository that can be opened.
    Unreadable { mirror: PathBuf, reason: String },
}

/// Where resolution finds the mirror of each repository, by its URL as the manifests write it.
pub trait Repositories {
    fn open(&self, url: &str) -> Result<Box<dyn Refs + '_>, Unavailable>;
}

impl Repositories for super::Mirrors<'_> {
    fn open(&self, url: &str) -> Result<Box<dyn Refs + '_>, Unavailable> {
        use crate::git::mirror::{Mirror, MirrorError};
        let path = self.path(url);
        match Mirror::open(&path) {
            Ok(mirror) => Ok(Box::new(mirror)),
            Err(MirrorError::Missing(mirror)) => Err(Unavailable::Missing(mirror)),
            Err(other) => Err(Unavailable::Unreadable {
                mirror: path,
                reason: other.to_string(),
            }),
        }
    }
}

/// Resolves a tag, a branch or a full commit id as git does: a full ref name is taken as
/// such; else a tag or a branch of that name (both is ambiguous); else a commit of that full
/// id. When none is, the closest ref names are suggested.
pub fn resolve_name<R: Refs + ?Sized>(refs: &R, reference: &str) -> Result<Resolved, ResolveError> {
    if reference.starts_with("refs/") {
        let kind = if reference.starts_with("refs/tags/") {
            RefKind::Tag
        } else {
            RefKind::Branch
        };
        if let Some(commit) = refs.peel(reference)? {
            return Ok(Resolved {
                full_ref: reference.to_owned(),
                commit,
                kind,
            });
        }
    }
    let tag = refs.peel(&format!("refs/tags/{reference}"))?;
    let branch = refs.peel(&format!("refs/heads/{reference}"))?;
    match (tag, branch) {
        (Some(_), Some(_)) => Err(ResolveError::Ambiguous {
            reference: reference.to_owned(),
        }),
        (Some(commit), None) => Ok(Resolved {
            full_ref: format!("refs/tags/{reference}"),
            commit,
            kind: RefKind::Tag,
        }),
        (None, Some(commit)) => Ok(Resolved {
            full_ref: format!("refs/heads/{reference}"),
            commit,
            kind: RefKind::Branch,
        }),
        (None, None) => {
            if let Some(commit) = refs.commit_of(reference) {
                return Ok(Resolved {
                    full_ref: commit.clone(),
                    commit,
                    kind: RefKind::Commit,
                });
            }
            let names = refs.ref_names()?;
            if names.is_empty() {
                return Err(ResolveError::Empty);
            }
            let mut scored: Vec<(f64, String)> = names
                .into_iter()
                .map(|n| (strsim::jaro_winkler(reference, &n), n))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let closest = scored.into_iter().take(3).map(|(_, n)| n).collect();
            Err(ResolveError::NotFound {
                reference: reference.to_owned(),
                closest,
            })
        }
    }
}

/// Why a ref as written names no single commit.
#[derive(Debug)]
pub enum Unresolved {
    Ref(ResolveError),
    /// An abbreviated commit id that begins several commits (sorted).
    AmbiguousPrefix(Vec<String>),
}

impl From<ResolveError> for Unresolved {
    fn from(error: ResolveError) -> Self {
        Unresolved::Ref(error)
    }
}

/// Resolves a ref as `tag:`, `ref:` or `--set` write it: [`resolve_name`], then, for 7 to 63
/// hex digits that no ref is named, the one commit whose id they begin. A ref of that name
/// wins over the commit, as in git.
pub fn resolve_ref<R: Refs + ?Sized>(refs: &R, reference: &str) -> Result<Resolved, Unresolved> {
    match resolve_name(refs, reference) {
        Ok(resolved) => Ok(resolved),
        Err(error @ ResolveError::NotFound { .. }) if super::is_abbreviated_commit(reference) => {
            let mut candidates = refs.commits_with_prefix(reference)?;
            match candidates.len() {
                0 => Err(error.into()),
                1 => {
                    let commit = candidates.remove(0);
                    Ok(Resolved {
                        full_ref: commit.clone(),
                        commit,
                        kind: RefKind::Commit,
                    })
                }
                _ => Err(Unresolved::AmbiguousPrefix(candidates)),
            }
        }
        Err(error) => Err(error.into()),
    }
}
