//! Lists the manifest files of a work tree: `distrib.yaml` and the YAML files under the kind
//! folders, sub-folders included, hidden folders skipped. Symbolic links are followed by
//! [`link::resolve`], exactly as a git revision's are: read when they lead to a file inside the
//! root, reported when they lead out of it, to nothing, or in a loop.

use std::convert::Infallible;
use std::path::Path;

use walkdir::WalkDir;

use super::link::{self, Node};
use super::{Content, Kind, ROOT_FILE, RawFile, Resolved};

/// Every manifest file under `root`.
pub fn list(root: &Path) -> Vec<RawFile> {
    let mut files = Vec::new();
    let root_content = match node(root, ROOT_FILE) {
        Node::File => Some(Content::Unread(root.join(ROOT_FILE))),
        Node::Link(target) => Some(match follow(root, ROOT_FILE, target) {
            Some(Resolved::File(path)) => Content::Unread(root.join(path)),
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
        let Some(folder) = kind.folder() else {
            continue;
        };
        // The folder whose files are listed as `folder/...`: itself, or where its link leads
        // when that is a folder inside the root; a link anywhere else is refused whole.
        let real = match node(root, folder) {
            Node::Folder => folder.to_owned(),
            Node::Link(target) => match follow(root, folder, target) {
                None => match resolve(root, folder) {
                    link::Resolved::Folder(path) => path,
                    _ => continue,
                },
                Some(Resolved::Content(content)) => {
                    files.push(RawFile {
                        path: folder.into(),
                        content,
                    });
                    continue;
                }
                Some(Resolved::File(_)) => continue,
            },
            _ => continue,
        };
        let walker = WalkDir::new(root.join(&real))
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
            });
        for entry in walker.flatten() {
            if entry.depth() == 0 {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(root.join(&real)) else {
                continue;
            };
            let parts: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            let at = |folder: &str| format!("{folder}/{}", parts.join("/"));
            // Listed under the kind folder's name, links followed from where they really are.
            let (path, real_path) = (at(folder), at(&real));
            let content = if entry.path_is_symlink() {
                let Node::Link(target) = node(root, &real_path) else {
                    continue;
                };
                match follow(root, &real_path, target) {
                    None => continue,
                    // A link out of the root is refused wherever it is and whatever its name.
                    Some(Resolved::Content(content @ Content::LinkOutside(_))) => content,
                    Some(_) if Kind::of_path(&path) != Some(kind) => continue,
                    Some(Resolved::Content(content)) => content,
                    Some(Resolved::File(target)) => Content::Unread(root.join(target)),
                }
            } else if !entry.file_type().is_file() {
                continue;
            } else if Kind::of_path(&path) == Some(kind) {
                // The walk already knows it is a file: no second look at the disk.
                Content::Unread(entry.into_path())
            } else if Kind::misnamed(&path) == Some(kind) {
                Content::Misnamed
            } else {
                continue;
            };
            files.push(RawFile { path, content });
        }
    }
    files
}

/// What the link at `path`, written `target`, stands for.
fn follow(root: &Path, path: &str, target: String) -> Option<Resolved> {
    Content::of_link(target, resolve(root, path))
}

fn resolve(root: &Path, path: &str) -> link::Resolved {
    let Ok(resolved) = link::resolve(path, |p| Ok::<_, Infallible>(node(root, p)));
    resolved
}

/// What is at `path` (relative to `root`), not following a last link.
fn node(root: &Path, path: &str) -> Node {
    let full = root.join(path);
    let Ok(metadata) = full.symlink_metadata() else {
        return Node::Missing;
    };
    if metadata.file_type().is_symlink() {
        match std::fs::read_link(&full) {
            Ok(target) => Node::Link(target.to_string_lossy().into_owned()),
            Err(_) => Node::Missing,
        }
    } else if metadata.is_dir() {
        Node::Folder
    } else if metadata.is_file() {
        Node::File
    } else {
        Node::Other
    }
}
