//! The only module that uses gix. It answers questions about git repositories in plain types:
//! which files a revision holds and what they contain, read from the object database.

mod credentials;
mod local;
pub mod mirror;
mod objects;
pub mod progress;
pub mod push;
pub mod reader;

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::object::tree::EntryKind;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum GitError {
    #[error("`{0}` is not inside a git repository")]
    NotARepository(PathBuf, #[source] Box<dyn std::error::Error + Send + Sync>),
    #[error(
        "the git repository at `{0}` has no work tree, so the current folder has no place in it"
    )]
    Bare(PathBuf),
    #[error("revision `{rev}` not found")]
    Revision {
        rev: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot read `{what}` from the git object database")]
    Object {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Makes `dir` a git repository with a work tree, unless it is inside one already; says
/// whether it did.
pub fn init_repository(dir: &Path) -> Result<bool, GitError> {
    if gix::discover(dir).is_ok() {
        return Ok(false);
    }
    gix::init(dir).map_err(|e| GitError::Object {
        what: format!("a new repository in `{}`", dir.display()),
        source: Box::new(e),
    })?;
    Ok(true)
}

/// Whether git accepts `name` as a branch (`refs/heads/<name>`).
pub fn valid_branch_name(name: &str) -> bool {
    let full = format!("refs/heads/{name}");
    gix::validate::reference::name(full.as_bytes().as_bstr()).is_ok()
}

/// Whether git accepts `name` as a tag (`refs/tags/<name>`).
pub fn valid_tag_name(name: &str) -> bool {
    let full = format!("refs/tags/{name}");
    gix::validate::reference::name(full.as_bytes().as_bstr()).is_ok()
}

/// What a tree entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryType {
    File,
    Link,
    Folder,
    /// A submodule: its content is in another repository.
    Other,
}

/// A file or folder in a revision's tree.
#[derive(Clone, Debug)]
pub struct TreeEntry {
    /// Relative to the repository's top, `/`-separated.
    pub path: String,
    pub kind: EntryType,
    id: gix::ObjectId,
}

/// One commit of the repository that contains a folder of the work tree.
pub struct Revision {
    repo: gix::Repository,
    tree: gix::ObjectId,
    /// The full commit id.
    pub commit: String,
    /// Where the folder the revision was opened from sits in the repository (`""` at the top).
    pub prefix: String,
}

impl Revision {
    /// Opens `rev` (anything `git rev-parse` accepts) of the repository containing `folder`.
    pub fn open(folder: &Path, rev: &str) -> Result<Self, GitError> {
        let repo = gix::discover(folder)
            .map_err(|e| GitError::NotARepository(folder.to_path_buf(), Box::new(e)))?;
        let top = repo
            .workdir()
            .ok_or_else(|| GitError::Bare(repo.path().to_path_buf()))?;
        let top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
        let folder = folder
            .canonicalize()
            .unwrap_or_else(|_| folder.to_path_buf());
        let prefix = folder
            .strip_prefix(&top)
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        let revision_error =
            |source: Box<dyn std::error::Error + Send + Sync>| GitError::Revision {
                rev: rev.to_owned(),
                source,
            };
        let (commit, tree) = {
            let commit = repo
                .rev_parse_single(rev)
                .map_err(|e| revision_error(Box::new(e)))?
                .object()
                .map_err(|e| revision_error(Box::new(e)))?
                .peel_to_commit()
                .map_err(|e| revision_error(Box::new(e)))?;
            let tree = commit
                .tree_id()
                .map_err(|e| revision_error(Box::new(e)))?
                .detach();
            (commit.id.to_string(), tree)
        };
        Ok(Self {
            repo,
            tree,
            commit,
            prefix,
        })
    }

    fn object_error(
        what: &str,
    ) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> GitError + '_ {
        move |source| GitError::Object {
            what: what.to_owned(),
            source,
        }
    }

    /// The entry at `path`, if the revision has one.
    pub fn entry(&self, path: &str) -> Result<Option<TreeEntry>, GitError> {
        let tree = self
            .repo
            .find_tree(self.tree)
            .map_err(|e| Self::object_error(path)(Box::new(e)))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(|e| Self::object_error(path)(Box::new(e)))?;
        Ok(entry.map(|entry| TreeEntry {
            path: path.to_owned(),
            kind: entry_type(entry.mode().kind()),
            id: entry.object_id(),
        }))
    }

    /// Every file and link below the folder at `path`, recursively, sorted by path. Empty when
    /// the folder does not exist.
    pub fn files_under(&self, path: &str) -> Result<Vec<TreeEntry>, GitError> {
        let mut files = Vec::new();
        let Some(folder) = self.entry(path)?.filter(|e| e.kind == EntryType::Folder) else {
            return Ok(files);
        };
        let mut pending = vec![folder];
        while let Some(folder) = pending.pop() {
            let tree = self
                .repo
                .find_tree(folder.id)
                .map_err(|e| Self::object_error(&folder.path)(Box::new(e)))?;
            for entry in tree.iter() {
                let entry = entry.map_err(|e| Self::object_error(&folder.path)(Box::new(e)))?;
                let child = TreeEntry {
                    path: format!("{}/{}", folder.path, entry.filename().to_str_lossy()),
                    kind: entry_type(entry.mode().kind()),
                    id: entry.object_id(),
                };
                match child.kind {
                    EntryType::Folder => pending.push(child),
                    EntryType::File | EntryType::Link => files.push(child),
                    EntryType::Other => {}
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// The size of a file's content, without reading it.
    pub fn size(&self, entry: &TreeEntry) -> Result<u64, GitError> {
        let header = self
            .repo
            .find_header(entry.id)
            .map_err(|e| Self::object_error(&entry.path)(Box::new(e)))?;
        Ok(header.size())
    }

    /// The content of a file, or the target of a link.
    pub fn read(&self, entry: &TreeEntry) -> Result<Vec<u8>, GitError> {
        let blob = self
            .repo
            .find_blob(entry.id)
            .map_err(|e| Self::object_error(&entry.path)(Box::new(e)))?;
        Ok(blob.data.clone())
    }
}

/// The commit checked out in the git repository containing `folder`, if it is in one.
pub fn head_commit(folder: &Path) -> Option<String> {
    let repo = gix::discover(folder).ok()?;
    let id = repo.head_id().ok()?;
    Some(id.to_string())
}

/// The paths under `folder` (relative to it) that `git status` reports as differing from
/// `HEAD`: modified, added, deleted, untracked, and ignored files. This is git's own answer,
/// with its line-ending conversion, `.gitattributes` and the user's settings (`core.autocrlf`)
/// applied exactly as `git status` applies them, so it runs git. An ignored folder is given as
/// `folder/`. `None` when git cannot say.
pub fn changed_paths(folder: &Path) -> Option<Vec<String>> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(folder)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| o.stdout)
    };
    let prefix = String::from_utf8(git(&["rev-parse", "--show-prefix"])?).ok()?;
    let prefix = prefix.trim_end_matches('\n');
    let status = git(&[
        "status",
        "--porcelain=v1",
        "-z",
        "--no-renames",
        "--untracked-files=all",
        // An ignored folder is one entry (`dir/`), not every file in it (mirrors may be there).
        "--ignored=matching",
        "--",
        ".",
    ])?;
    Some(
        status
            .split(|&b| b == 0)
            .filter(|entry| entry.len() > 3)
            .filter_map(|entry| {
                let path = String::from_utf8_lossy(&entry[3..]);
                path.strip_prefix(prefix).map(str::to_owned)
            })
            .collect(),
    )
}

fn entry_type(kind: EntryKind) -> EntryType {
    match kind {
        EntryKind::Blob | EntryKind::BlobExecutable => EntryType::File,
        EntryKind::Link => EntryType::Link,
        EntryKind::Tree => EntryType::Folder,
        EntryKind::Commit => EntryType::Other,
    }
}
