//! Lists the manifest files of a git revision, read from the object database (what a pre-merge
//! job checks: the pull request's head, not whatever the work tree holds).

use super::{Content, Kind, ROOT_FILE, RawFile, max_bytes};
use crate::git::{EntryType, GitError, Revision, TreeEntry};

/// The manifest repository as a revision has it.
pub struct RevisionListing {
    /// The manifest root inside the git repository (`""` at the top).
    pub root: String,
    pub files: Vec<RawFile>,
}

/// Finds the manifest root at or above the revision's starting folder and lists its files.
/// `None` when no folder on the way up holds `distrib.yaml` in that revision.
pub fn list(revision: &Revision) -> Result<Option<RevisionListing>, GitError> {
    let mut folder = revision.prefix.clone();
    let root = loop {
        if revision
            .entry(&join(&folder, ROOT_FILE))?
            .is_some_and(|e| e.kind != EntryType::Folder)
        {
            break folder;
        }
        if folder.is_empty() {
            return Ok(None);
        }
        folder = folder
            .rsplit_once('/')
            .map_or(String::new(), |(up, _)| up.to_owned());
    };
    let mut entries = Vec::new();
    if let Some(entry) = revision.entry(&join(&root, ROOT_FILE))? {
        entries.push(entry);
    }
    for kind in Kind::ALL {
        if let Some(name) = kind.folder() {
            entries.extend(revision.files_under(&join(&root, name))?);
        }
    }
    let mut files = Vec::new();
    for entry in entries {
        let path = relative(&root, &entry.path);
        if Kind::of_path(&path).is_none() || path.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        let content = match entry.kind {
            EntryType::Link => match link_target(revision, &root, &entry)? {
                Some(content) => content,
                None => continue,
            },
            _ => read(revision, &root, &entry)?,
        };
        files.push(RawFile { path, content });
    }
    Ok(Some(RevisionListing { root, files }))
}

fn read(revision: &Revision, root: &str, entry: &TreeEntry) -> Result<Content, GitError> {
    let size = revision.size(entry)?;
    if size > max_bytes(&relative(root, &entry.path)) {
        return Ok(Content::TooLarge(size));
    }
    Ok(Content::Bytes(revision.read(entry)?))
}

/// The content a symbolic link stands for, if it stays inside the root and names a file.
fn link_target(
    revision: &Revision,
    root: &str,
    link: &TreeEntry,
) -> Result<Option<Content>, GitError> {
    let target = String::from_utf8_lossy(&revision.read(link)?).into_owned();
    let folder = link.path.rsplit_once('/').map_or("", |(up, _)| up);
    let Some(resolved) = (!target.starts_with('/'))
        .then(|| normalize(&join(folder, &target)))
        .flatten()
    else {
        return Ok(Some(Content::LinkOutside(target)));
    };
    if !(root.is_empty() || resolved == root || resolved.starts_with(&format!("{root}/"))) {
        return Ok(Some(Content::LinkOutside(target)));
    }
    match revision.entry(&resolved)? {
        Some(entry) if entry.kind == EntryType::File => Ok(Some(read(revision, root, &entry)?)),
        Some(_) => Ok(None),
        None => Ok(Some(Content::Unreadable(format!(
            "broken symbolic link to `{target}`"
        )))),
    }
}

/// Resolves `.` and `..`; `None` when `..` climbs above the repository's top.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize("a/b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalize("a/../../x"), None);
        assert_eq!(normalize("./a//b").as_deref(), Some("a/b"));
    }
}
