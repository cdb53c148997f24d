//! Lists the manifest files of a git revision, read from the object database (what a pre-merge
//! job checks: the pull request's head, not whatever the work tree holds).

use super::link::{self, Node};
use super::{Content, Kind, ROOT_FILE, RawFile, Resolved, max_bytes};
use crate::git::{EntryType, GitError, Revision, TreeEntry};

/// The manifest repository as a revision has it.
pub struct RevisionListing {
    /// The manifest root inside the git repository (`""` at the top).
    pub root: String,
    pub files: Vec<RawFile>,
}

/// Finds the manifest root at or above the revision's starting folder and lists its files.
/// `None` when no folder on the way up holds `distrib.yaml` in that revision. Links are
/// followed by [`link::resolve`], exactly as in a work tree.
pub fn list(revision: &Revision) -> Result<Option<RevisionListing>, GitError> {
    let mut folder = revision.prefix.clone();
    // Whatever `distrib.yaml` is (a folder included) marks the root, as in a work tree.
    let root = loop {
        if revision.entry(&join(&folder, ROOT_FILE))?.is_some() {
            break folder;
        }
        if folder.is_empty() {
            return Ok(None);
        }
        folder = folder
            .rsplit_once('/')
            .map_or(String::new(), |(up, _)| up.to_owned());
    };
    let listing = Listing {
        revision,
        root: &root,
    };
    let mut files = Vec::new();
    let root_content = match listing.node(ROOT_FILE)? {
        Node::File => Some(listing.read(ROOT_FILE)?),
        Node::Link(target) => Some(match listing.follow(ROOT_FILE, target)? {
            Some(Resolved::File(path)) => listing.read(&path)?,
            Some(Resolved::Content(content)) => content,
            None => Content::NotAFile("a link to a folder"),
        }),
        Node::Folder => Some(Content::NotAFile("a folder")),
        Node::Other => Some(Content::NotAFile("not a regular file")),
        Node::Missing => None,
    };
    if let Some(content) = root_content {
        files.push(RawFile {
            path: ROOT_FILE.into(),
            content,
        });
    }
    for kind in Kind::ALL {
        let Some(name) = kind.folder() else {
            continue;
        };
        // The folder whose files are listed as `name/...`: itself, or where its link leads.
        let folder = match listing.node(name)? {
            Node::Folder => name.to_owned(),
            Node::Link(target) => match listing.follow(name, target)? {
                None => match link::resolve(name, |p| listing.node(p))? {
                    link::Resolved::Folder(path) => path,
                    _ => continue,
                },
                Some(Resolved::Content(content)) => {
                    files.push(RawFile {
                        path: name.into(),
                        content,
                    });
                    continue;
                }
                Some(Resolved::File(_)) => continue,
            },
            _ => continue,
        };
        let under = join(&root, &folder);
        for entry in revision.files_under(&under)? {
            let path = format!("{name}{}", &entry.path[under.len()..]);
            if path.split('/').any(|part| part.starts_with('.')) {
                continue;
            }
            let content = match entry.kind {
                EntryType::Link => {
                    let target = String::from_utf8_lossy(&revision.read(&entry)?).into_owned();
                    // Resolved from where the link really is, as the file system does.
                    let real = relative(&root, &entry.path);
                    match listing.follow(&real, target)? {
                        None => continue,
                        Some(Resolved::Content(content @ Content::LinkOutside(_))) => content,
                        Some(_) if Kind::of_path(&path) != Some(kind) => continue,
                        Some(Resolved::Content(content)) => content,
                        Some(Resolved::File(target)) => listing.read(&target)?,
                    }
                }
                EntryType::File if Kind::of_path(&path) == Some(kind) => {
                    read(revision, &root, &entry)?
                }
                EntryType::File if Kind::misnamed(&path) == Some(kind) => Content::Misnamed,
                _ => continue,
            };
            files.push(RawFile { path, content });
        }
    }
    Ok(Some(RevisionListing { root, files }))
}

/// The manifest root of a revision, looked at with paths relative to it.
struct Listing<'a> {
    revision: &'a Revision,
    root: &'a str,
}

impl Listing<'_> {
    fn node(&self, path: &str) -> Result<Node, GitError> {
        let Some(entry) = self.revision.entry(&join(self.root, path))? else {
            return Ok(Node::Missing);
        };
        Ok(match entry.kind {
            EntryType::File => Node::File,
            EntryType::Folder => Node::Folder,
            EntryType::Link => {
                Node::Link(String::from_utf8_lossy(&self.revision.read(&entry)?).into_owned())
            }
            EntryType::Other => Node::Other,
        })
    }

    fn follow(&self, path: &str, target: String) -> Result<Option<Resolved>, GitError> {
        let resolved = link::resolve(path, |p| self.node(p))?;
        Ok(Content::of_link(target, resolved))
    }

    /// The content of the file at `path`, relative to the root.
    fn read(&self, path: &str) -> Result<Content, GitError> {
        match self.revision.entry(&join(self.root, path))? {
            Some(entry) => read(self.revision, self.root, &entry),
            None => Ok(Content::LinkBroken(path.to_owned())),
        }
    }
}

fn read(revision: &Revision, root: &str, entry: &TreeEntry) -> Result<Content, GitError> {
    let size = revision.size(entry)?;
    if size > max_bytes(&relative(root, &entry.path)) {
        return Ok(Content::TooLarge(size));
    }
    Ok(Content::Bytes(revision.read(entry)?))
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}

fn relative(root: &str, path: &str) -> String {
    if root.is_empty() {
        path.to_owned()
    } else {
        path[root.len() + 1..].to_owned()
    }
}
