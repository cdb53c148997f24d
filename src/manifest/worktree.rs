//! Lists the manifest files of a work tree: `distrib.yaml` and the YAML files under the kind
//! folders, sub-folders included, hidden folders skipped. Symbolic links are read only when
//! they resolve inside the root.

use std::path::Path;

use walkdir::WalkDir;

use super::{Content, Kind, ROOT_FILE, RawFile};

/// Every manifest file under `root`.
pub fn list(root: &Path) -> Vec<RawFile> {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut files = vec![RawFile {
        path: ROOT_FILE.into(),
        content: Content::Unread(root.join(ROOT_FILE)),
    }];
    for kind in Kind::ALL {
        let Some(folder) = kind.folder() else {
            continue;
        };
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
            if Kind::of_path(&path) != Some(kind) {
                continue;
            }
            let content = if entry.path_is_symlink() {
                match entry.path().canonicalize() {
                    Ok(target) if !target.starts_with(&canonical_root) => {
                        Content::LinkOutside(target.display().to_string())
                    }
                    Ok(target) if target.is_file() => Content::Unread(target),
                    Ok(_) => continue,
                    Err(error) => Content::Unreadable(format!("broken symbolic link: {error}")),
                }
            } else if entry.file_type().is_file() {
                Content::Unread(entry.into_path())
            } else {
                continue;
            };
            files.push(RawFile { path, content });
        }
    }
    files
}
