//! Repositories in memory, built from a small description (commits with their trees and
//! parents, branches, tags, `HEAD`), that answer what resolution asks as a mirror would: the
//! test double of [`super::Refs`] and [`super::Repositories`], so that resolution's rules are
//! tested without git. `tests/cli/mirror.rs` checks that a real mirror answers the same.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use super::refs::{Refs, Repositories, ResolveError, Unavailable};

/// Repositories by URL, as the manifests write it.
#[derive(Debug, Default)]
pub struct Fake {
    repositories: BTreeMap<String, Repository>,
    unreadable: BTreeMap<String, String>,
}

impl Fake {
    pub fn new() -> Self {
        Self::default()
    }

    /// The repository at `url`.
    pub fn with(mut self, url: &str, repository: Repository) -> Self {
        self.repositories.insert(url.to_owned(), repository);
        self
    }

    /// A mirror at `url` that cannot be opened, for `reason`.
    pub fn unreadable(mut self, url: &str, reason: &str) -> Self {
        self.unreadable.insert(url.to_owned(), reason.to_owned());
        self
    }
}

impl Repositories for Fake {
    /// A URL the fake does not hold has never been fetched: its mirror would be `<url>`.
    fn open(&self, url: &str) -> Result<Box<dyn Refs + '_>, Unavailable> {
        if let Some(reason) = self.unreadable.get(url) {
            return Err(Unavailable::Unreadable {
                mirror: PathBuf::from(url),
                reason: reason.clone(),
            });
        }
        match self.repositories.get(url) {
            Some(repository) => Ok(Box::new(repository)),
            None => Err(Unavailable::Missing(PathBuf::from(url))),
        }
    }
}

/// One repository: commits by full id, branches and tags by short name.
#[derive(Clone, Debug, Default)]
pub struct Repository {
    commits: BTreeMap<String, Commit>,
    branches: BTreeMap<String, String>,
    tags: BTreeMap<String, Tag>,
    head: Option<String>,
}

#[derive(Clone, Debug)]
struct Commit {
    parents: Vec<String>,
    tree: String,
    /// Folders below the root, by path without leading or trailing `/`.
    folders: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
enum Tag {
    Lightweight(String),
    Annotated {
        commit: String,
        message: String,
        time: i64,
    },
    /// A tag of a tree or a blob: `kind` and the object's id.
    NotACommit {
        kind: String,
        id: String,
    },
}

impl Repository {
    pub fn new() -> Self {
        Self::default()
    }

    /// A commit `id` (40 hex digits) with its parents and its root tree.
    pub fn commit(mut self, id: &str, parents: &[&str], tree: &str) -> Self {
        self.commits.insert(
            id.to_owned(),
            Commit {
                parents: parents.iter().map(|p| (*p).to_owned()).collect(),
                tree: tree.to_owned(),
                folders: BTreeMap::new(),
            },
        );
        self
    }

    /// The folder `path` of commit `commit` has tree `tree`.
    ///
    /// # Panics
    ///
    /// When `commit` is not described yet: a description that would answer nothing.
    pub fn folder(mut self, commit: &str, path: &str, tree: &str) -> Self {
        let commit = self
            .commits
            .get_mut(commit)
            .unwrap_or_else(|| panic!("no commit `{commit}` described yet"));
        commit
            .folders
            .insert(path.trim_matches('/').to_owned(), tree.to_owned());
        self
    }

    /// The branch `name` at `commit`.
    pub fn branch(mut self, name: &str, commit: &str) -> Self {
        self.branches.insert(name.to_owned(), commit.to_owned());
        self
    }

    /// `HEAD` names the branch `name`.
    pub fn head(mut self, name: &str) -> Self {
        self.head = Some(name.to_owned());
        self
    }

    /// A lightweight tag `name` of `commit`.
    pub fn tag(mut self, name: &str, commit: &str) -> Self {
        self.tags
            .insert(name.to_owned(), Tag::Lightweight(commit.to_owned()));
        self
    }

    /// An annotated tag `name` of `commit`, with its message and tagger time (seconds).
    pub fn annotated(mut self, name: &str, commit: &str, message: &str, time: i64) -> Self {
        self.tags.insert(
            name.to_owned(),
            Tag::Annotated {
                commit: commit.to_owned(),
                message: message.to_owned(),
                time,
            },
        );
        self
    }

    /// A tag `name` of an object that is not a commit (`kind` `tree` or `blob`).
    pub fn tag_of(mut self, name: &str, kind: &str, id: &str) -> Self {
        self.tags.insert(
            name.to_owned(),
            Tag::NotACommit {
                kind: kind.to_owned(),
                id: id.to_owned(),
            },
        );
        self
    }

    fn find(&self, commit: &str) -> Result<&Commit, ResolveError> {
        self.commits
            .get(commit)
            .ok_or_else(|| ResolveError::Read(format!("no commit `{commit}`").into()))
    }

    /// How many commits `from` has that `tag` does not (`git describe`'s depth), when `tag`
    /// is an ancestor of `from`.
    fn depth(&self, from: &str, tag: &str) -> Option<usize> {
        let mine = self.ancestors(from);
        mine.contains(tag)
            .then(|| mine.difference(&self.ancestors(tag)).count())
    }

    /// `commit` and every commit it reaches.
    fn ancestors(&self, commit: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([commit.to_owned()]);
        while let Some(id) = queue.pop_front() {
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(commit) = self.commits.get(&id) {
                queue.extend(commit.parents.iter().cloned());
            }
        }
        seen
    }
}

impl Refs for Repository {
    fn default_branch(&self) -> Option<String> {
        self.head.clone()
    }

    fn peel(&self, full_name: &str) -> Result<Option<String>, ResolveError> {
        if let Some(name) = full_name.strip_prefix("refs/heads/") {
            return Ok(self.branches.get(name).cloned());
        }
        let Some(name) = full_name.strip_prefix("refs/tags/") else {
            return Ok(None);
        };
        match self.tags.get(name) {
            None => Ok(None),
            Some(Tag::Lightweight(commit) | Tag::Annotated { commit, .. }) => {
                Ok(Some(commit.clone()))
            }
            Some(Tag::NotACommit { kind, id }) => Err(ResolveError::NotACommit {
                reference: full_name.to_owned(),
                kind: kind.clone(),
                id: id.clone(),
            }),
        }
    }

    fn commit_of(&self, id: &str) -> Option<String> {
        self.commits.contains_key(id).then(|| id.to_owned())
    }

    fn ref_names(&self) -> Result<Vec<String>, ResolveError> {
        let names: BTreeSet<&String> = self.branches.keys().chain(self.tags.keys()).collect();
        Ok(names.into_iter().cloned().collect())
    }

    fn commits_with_prefix(&self, prefix: &str) -> Result<Vec<String>, ResolveError> {
        let prefix = prefix.to_ascii_lowercase();
        Ok(self
            .commits
            .keys()
            .filter(|id| id.starts_with(&prefix))
            .cloned()
            .collect())
    }

    fn tree(&self, commit: &str, path: Option<&str>) -> Result<String, ResolveError> {
        let found = self.find(commit)?;
        match path.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
            None => Ok(found.tree.clone()),
            Some(path) => {
                found
                    .folders
                    .get(path)
                    .cloned()
                    .ok_or_else(|| ResolveError::PathMissing {
                        path: path.to_owned(),
                        commit: commit.to_owned(),
                    })
            }
        }
    }

    /// The nearest tag by depth; on a tie, annotated before lightweight, then the newest, then
    /// the first name. Release tags (`distrib tag`'s message) are left out, as by the mirror.
    fn describe(&self, commit: &str) -> Result<String, ResolveError> {
        self.find(commit)?;
        let mut best: Option<((usize, u8, i64), &str)> = None;
        for (name, tag) in &self.tags {
            let (target, rank) = match tag {
                Tag::Lightweight(target) => (target, (1, 0)),
                Tag::Annotated {
                    commit,
                    message,
                    time,
                } => {
                    if crate::tag::is_release_message(message) {
                        continue;
                    }
                    (commit, (0, -time))
                }
                Tag::NotACommit { .. } => continue,
            };
            let Some(depth) = self.depth(commit, target) else {
                continue;
            };
            let key = (depth, rank.0, rank.1);
            if best.is_none_or(|(best, _)| key < best) {
                best = Some((key, name));
            }
        }
        let short = &commit[..7.min(commit.len())];
        Ok(match best {
            Some(((0, ..), name)) => name.to_owned(),
            Some(((depth, ..), name)) => format!("{name}-{depth}-g{short}"),
            None => format!("g{short}"),
        })
    }
}
