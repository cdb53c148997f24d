//! The seam between resolution and git: what resolving a product asks of the mirror of one
//! repository ([`Refs`]) and of the folder of mirrors ([`Repositories`]), and the rules that
//! turn a ref as the manifests write it into a commit. The rules are written once, here, over
//! the trait: the gix mirror and the in-memory [`super::fake`] answer the same questions, so
//! the rules are unit-tested without git. Nothing here reads git itself: `git::mirror`
//! implements these traits.

use std::path::PathBuf;

use thiserror::Error;

/// How a ref name resolved in a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// `refs/tags/<name>`, `refs/heads/<name>`, or the commit id itself.
    pub full_ref: String,
    pub commit: String,
    pub kind: RefKind,
}

/// What a ref as written turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    Tag,
    Branch,
    Commit,
}

/// Why a ref, a tree or a version cannot be read from a repository.
#[derive(Debug, Error)]
pub enum ResolveError {
    #[error("the repository has no branch and no tag")]
    Empty,
    #[error("`{reference}` is neither a tag, a branch nor a commit of the repository")]
    NotFound {
        reference: String,
        closest: Vec<String>,
    },
    #[error(
        "`{reference}` is both a tag and a branch (`refs/tags/{reference}` and `refs/heads/{reference}`)"
    )]
    Ambiguous { reference: String },
    #[error("`{reference}` points to a {kind} (`{id}`), not to a commit")]
    NotACommit {
        reference: String,
        kind: String,
        id: String,
    },
    #[error("path `{path}` is not a folder in the tree of commit `{commit}`")]
    PathMissing { path: String, commit: String },
    #[error("cannot read the repository: {0}")]
    Read(Box<dyn std::error::Error + Send + Sync>),
}

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

/// A borrowed (or boxed, or lent) repository answers as the repository does.
impl<D: std::ops::Deref<Target: Refs>> Refs for D {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::fake::Repository;

    /// A full commit id: `seed` repeated.
    pub(crate) fn id(seed: &str) -> String {
        seed.repeat(40 / seed.len())
    }

    fn repository() -> Repository {
        let (first, second) = (id("1"), id("2"));
        Repository::new()
            .commit(&first, &[], &id("a"))
            .commit(&second, &[&first], &id("b"))
            .branch("main", &second)
            .branch("tickets/DM-1", &first)
            .head("main")
            .tag("27.0.0", &first)
            .annotated("v27.0.1", &first, "annotated", 10)
    }

    fn resolved(repository: &Repository, name: &str) -> (String, String, RefKind) {
        let found = resolve_name(repository, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        (found.full_ref, found.commit, found.kind)
    }

    #[test]
    fn a_tag_a_branch_a_full_ref_and_a_full_commit() {
        let repository = repository();
        let (first, second) = (id("1"), id("2"));
        assert_eq!(
            resolved(&repository, "main"),
            ("refs/heads/main".into(), second.clone(), RefKind::Branch)
        );
        assert_eq!(
            resolved(&repository, "27.0.0"),
            ("refs/tags/27.0.0".into(), first.clone(), RefKind::Tag)
        );
        assert_eq!(
            resolved(&repository, "refs/heads/tickets/DM-1"),
            (
                "refs/heads/tickets/DM-1".into(),
                first.clone(),
                RefKind::Branch
            )
        );
        assert_eq!(
            resolved(&repository, "refs/tags/27.0.0"),
            ("refs/tags/27.0.0".into(), first.clone(), RefKind::Tag)
        );
        assert_eq!(
            resolved(&repository, &second),
            (second.clone(), second, RefKind::Commit)
        );
    }

    #[test]
    fn annotated_and_lightweight_tags_both_resolve_to_their_commit() {
        let repository = repository();
        let first = id("1");
        assert_eq!(
            resolved(&repository, "v27.0.1").1,
            first,
            "annotated, peeled"
        );
        assert_eq!(resolved(&repository, "27.0.0").1, first, "lightweight");
        // On one commit, `describe` names the annotated tag, as git does.
        assert_eq!(repository.describe(&first).unwrap(), "v27.0.1");
        assert_eq!(
            repository.describe(&id("2")).unwrap(),
            format!("v27.0.1-1-g{}", &id("2")[..7])
        );
    }

    #[test]
    fn a_tag_of_a_tree_is_not_a_commit() {
        let repository = repository().tag_of("docs", "tree", &id("d"));
        match resolve_name(&repository, "docs") {
            Err(ResolveError::NotACommit {
                reference,
                kind,
                id: object,
            }) => {
                assert_eq!(
                    (reference.as_str(), kind.as_str()),
                    ("refs/tags/docs", "tree")
                );
                assert_eq!(object, id("d"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_name_both_a_tag_and_a_branch_is_ambiguous_until_written_in_full() {
        let repository = repository().tag("main", &id("1"));
        assert!(matches!(
            resolve_name(&repository, "main"),
            Err(ResolveError::Ambiguous { reference }) if reference == "main"
        ));
        assert_eq!(resolved(&repository, "refs/tags/main").1, id("1"));
        assert_eq!(resolved(&repository, "refs/heads/main").1, id("2"));
    }

    #[test]
    fn a_missing_ref_names_the_closest_and_an_empty_repository_says_so() {
        let repository = repository();
        for missing in ["tickets/DM-2", "refs/heads/tickets/DM-2", "28.0.0"] {
            match resolve_name(&repository, missing) {
                Err(ResolveError::NotFound { reference, closest }) => {
                    assert_eq!(reference, missing);
                    assert_eq!(closest.len(), 3, "{closest:?}");
                }
                other => panic!("{missing}: {other:?}"),
            }
        }
        match resolve_name(&repository, "tickets/DM-2") {
            Err(ResolveError::NotFound { closest, .. }) => assert_eq!(closest[0], "tickets/DM-1"),
            other => panic!("{other:?}"),
        }
        // A full id of a commit the repository does not have is no commit of it.
        assert!(matches!(
            resolve_name(&repository, &id("3")),
            Err(ResolveError::NotFound { .. })
        ));
        assert!(matches!(
            resolve_name(&Repository::new(), "main"),
            Err(ResolveError::Empty)
        ));
    }

    #[test]
    fn abbreviated_commits_unique_ambiguous_and_shadowed_by_a_ref() {
        let (one, two, other) = (
            format!("abcdef1{}", "0".repeat(33)),
            format!("abcdef1{}", "f".repeat(33)),
            format!("1234567{}", "0".repeat(33)),
        );
        let repository = Repository::new()
            .commit(&one, &[], &id("a"))
            .commit(&two, &[&one], &id("b"))
            .commit(&other, &[&two], &id("c"))
            .branch("main", &other);
        let unique = resolve_ref(&repository, "1234567").unwrap();
        assert_eq!(
            (
                unique.full_ref.as_str(),
                unique.commit.as_str(),
                unique.kind
            ),
            (other.as_str(), other.as_str(), RefKind::Commit)
        );
        assert_eq!(resolve_ref(&repository, "ABCDEF10").unwrap().commit, one);
        match resolve_ref(&repository, "abcdef1") {
            Err(Unresolved::AmbiguousPrefix(candidates)) => {
                assert_eq!(candidates, [one.clone(), two])
            }
            other => panic!("{other:?}"),
        }
        // Six digits are a name, never a commit; no commit begins with `fedcba9`.
        for name in ["123456", "fedcba9"] {
            assert!(
                matches!(
                    resolve_ref(&repository, name),
                    Err(Unresolved::Ref(ResolveError::NotFound { .. }))
                ),
                "{name}"
            );
        }
        // A ref of that name wins over the commit, as in git.
        let repository = repository.branch("1234567", &one);
        let shadowed = resolve_ref(&repository, "1234567").unwrap();
        assert_eq!(
            (shadowed.full_ref.as_str(), shadowed.kind),
            ("refs/heads/1234567", RefKind::Branch)
        );
    }
}
