//! Lists the manifest files of a work tree: `distrib.yaml` and the YAML files under the kind
//! folders, sub-folders included, hidden folders skipped. Symbolic links to files are read
//! only when they resolve inside the root; links out of it are reported.

use std::path::Path;

use walkdir::WalkDir;

use super::{Content, Kind, ROOT_FILE, RawFile};

/// Every manifest file under `root`.
pub fn list(root: &Path) -> Vec<RawFile> {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let root_file = root.join(ROOT_FILE);
    let mut files = Vec::new();
    if let Some(content) = content_of(&root_file, root_file.is_symlink(), &canonical_root) {
        files.push(RawFile {
            path: ROOT_FILE.into(),
            content,
        });
    }
    for kind in Kind::ALL {
        let Some(folder) = kind.folder() else {
            continue;
        };
        // A kind folder that is a link out of the root is refused whole.
        let linked = root.join(folder);
        if linked.is_symlink()
            && let Ok(target) = linked.canonicalize()
            && !target.starts_with(&canonical_root)
        {
            let content = Content::LinkOutside(target.display().to_string());
            files.push(RawFile {
                path: folder.into(),
                content,
            });
            continue;
        }
        let walker = WalkDir::new(root.join(folder))
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
            });
        for entry in walker.flatten() {
            let Ok(relative) = entry.path().strip_prefix(root) else {
                continue;
            };
            let path = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            // A link out of the root is refused wherever it is, a link to a folder inside it is
            // not followed (its files are reached through their own path).
            if entry.depth() > 0 && entry.path_is_symlink() {
                match entry.path().canonicalize() {
                    Ok(target) if !target.starts_with(&canonical_root) => {
                        let content = Content::LinkOutside(target.display().to_string());
                        files.push(RawFile { path, content });
                        continue;
                    }
                    Ok(target) if target.is_dir() => continue,
                    _ => {}
                }
            }
            if Kind::of_path(&path) != Some(kind) {
                continue;
            }
            let content = if entry.file_type().is_file() {
                // The walk already knows it is a file: no second look at the disk.
                Content::Unread(entry.into_path())
            } else if let Some(content) =
                content_of(entry.path(), entry.path_is_symlink(), &canonical_root)
            {
                content
            } else {
                continue;
            };
            files.push(RawFile { path, content });
        }
    }
    files
}

/// What to read at `path`: the file, or its link's target when that stays inside the root.
/// `None` for what is not a file (a folder, or a link to one).
fn content_of(path: &Path, is_link: bool, canonical_root: &Path) -> Option<Content> {
    if !is_link {
        return path.is_file().then(|| Content::Unread(path.to_path_buf()));
    }
    Some(match path.canonicalize() {
        Ok(target) if !target.starts_with(canonical_root) => {
            Content::LinkOutside(target.display().to_string())
        }
        Ok(target) if target.is_file() => Content::Unread(target),
        Ok(_) => return None,
        Err(error) => Content::Unreadable(format!("broken symbolic link: {error}")),
    })
}
