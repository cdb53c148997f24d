//! `distrib site` as operations: where the site goes ([`target`], refused before anything is
//! read), what it is made of ([`gather`]: the locks, their records and release notes), then the
//! pages built and written ([`publish`]). Nothing here prints; the command line renders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Document, FORMAT, File, INDEX, Input, SiteError, Summary, Written};
use crate::lock::history::{History, HistoryError};
use crate::workspace::Workspace;

/// Why the site was not gathered.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GatherError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    History(#[from] HistoryError),
    /// A release note's mirror could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Notes(#[from] crate::fsutil::IoError),
}

/// The folder the site is written into: `out`, or the folder it links to. Refused when it is a
/// file, or a link to nothing (creating the folder would mean guessing where); `given` is
/// `out` as the caller named it, for the error.
pub fn target(out: &Path, given: &Path) -> Result<PathBuf, SiteError> {
    let mut out = out.to_path_buf();
    if out.is_symlink() {
        match out.canonicalize() {
            Ok(target) => out = target,
            Err(_) => {
                let target = std::fs::read_link(&out).unwrap_or_default();
                return Err(SiteError::Io {
                    path: given.to_path_buf(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!(
                            "it is a symbolic link to `{}`, which does not exist: create that folder, or pass the folder itself to --out",
                            target.display()
                        ),
                    ),
                });
            }
        }
    }
    if out.exists() && !out.is_dir() {
        return Err(SiteError::NotAFolder {
            path: given.to_path_buf(),
        });
    }
    Ok(out)
}

/// What the site is made of.
pub struct Gathered {
    pub input: Input,
    /// The mirrors the release notes were read from; `None` when there is no mirrors folder
    /// (the pages have no release notes).
    pub mirrors: Option<PathBuf>,
    /// Commit ranges the release notes could not walk (the notes say why).
    pub notes_incomplete: usize,
}

impl Gathered {
    /// The warning that some release notes miss commits, if any do.
    pub fn incomplete(&self) -> Option<crate::report::notes::Unavailable> {
        (self.notes_incomplete > 0)
            .then_some(crate::report::notes::Unavailable(self.notes_incomplete))
    }
}

/// Reads what the site of `workspace` shows: every lock, each one's records, and, when there
/// are mirrors, the release note from each lock's parent. The site is never written into the
/// manifest repository itself (`out`; `given` as the caller named it).
pub fn gather(workspace: &Workspace, out: &Path, given: &Path) -> Result<Gathered, GatherError> {
    let same = match (out.canonicalize(), workspace.root.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(SiteError::IntoManifests {
            path: given.to_path_buf(),
        }
        .into());
    }
    let history = History::read(&workspace.root)?;
    let locks = history.locks.into_iter().map(|(_, lock)| lock).collect();
    let mut input = Input::new(&workspace.manifests, locks);
    for lock in &input.locks {
        // A records file that cannot be read is `verify`'s to report: the page shows none.
        if let Ok(Some(records)) =
            crate::records::read(&workspace.root, &lock.distribution, &lock.release)
        {
            input.records.insert(
                (lock.distribution.clone(), lock.release.clone()),
                records.records,
            );
        }
    }
    let mut notes_incomplete = 0;
    let mirrors = workspace.mirrors_dir.is_dir();
    if mirrors {
        let mut notes = BTreeMap::new();
        for (parent, lock) in super::parents(&input) {
            let (note, missing) = crate::report::notes::assemble(
                &workspace.root,
                &workspace.manifests,
                &workspace.mirrors(),
                parent,
                lock,
            )?;
            notes_incomplete += missing;
            notes.insert((lock.distribution.clone(), lock.release.clone()), note);
        }
        input.notes = notes;
    }
    Ok(Gathered {
        input,
        mirrors: mirrors.then(|| workspace.mirrors_dir.clone()),
        notes_incomplete,
    })
}

/// Builds the site of `gathered` and writes it into `out` ([`super::build`], [`super::write`]).
pub fn publish(gathered: &Gathered, out: &Path) -> Result<Written, SiteError> {
    let built = super::build(&gathered.input)?;
    super::write(&built, out)
}

impl Gathered {
    /// The `distrib-site/1` document of the site written into `given` (`--out` as given).
    pub fn document(&self, given: &Path, written: &Written) -> Document {
        Document {
            format: FORMAT,
            out: given.display().to_string(),
            index: INDEX.to_owned(),
            mirrors: self.mirrors.as_ref().map(|m| m.display().to_string()),
            files: written
                .files
                .iter()
                .map(|(path, changed)| File {
                    path: path.clone(),
                    status: if *changed {
                        crate::json::Status::Done
                    } else {
                        crate::json::Status::UpToDate
                    },
                })
                .collect(),
            removed: written.removed_files.clone(),
            summary: Summary {
                pages: written.pages,
                changed: written.changed,
                removed: written.removed,
                notes_incomplete: self.notes_incomplete,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_goes_into_a_folder_or_where_a_link_leads() {
        let dir = tempfile::tempdir().unwrap();
        let given = Path::new("public");
        let missing = dir.path().join("public");
        assert_eq!(target(&missing, given).unwrap(), missing, "created later");
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(matches!(
            target(&file, given),
            Err(SiteError::NotAFolder { path }) if path == given
        ));
        #[cfg(unix)]
        {
            let folder = dir.path().join("www");
            std::fs::create_dir(&folder).unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&folder, &link).unwrap();
            assert_eq!(
                target(&link, given).unwrap(),
                folder.canonicalize().unwrap()
            );
            let dangling = dir.path().join("dangling");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
            let Err(SiteError::Io { path, source }) = target(&dangling, given) else {
                panic!("a link to nothing is refused")
            };
            assert_eq!(path, given);
            assert!(
                source.to_string().contains("which does not exist"),
                "{source}"
            );
        }
    }

    #[test]
    fn the_site_is_gathered_from_the_locks_and_never_into_the_manifests() {
        let (dir, workspace) = crate::records::tests::gated_release("", &[]);
        assert!(matches!(
            gather(&workspace, dir.path(), Path::new(".")),
            Err(GatherError::Site(SiteError::IntoManifests { .. }))
        ));
        let out = dir.path().join("public");
        let gathered = gather(&workspace, &out, Path::new("public")).unwrap();
        assert_eq!(gathered.input.locks.len(), 1);
        assert_eq!(gathered.mirrors, None, "no mirrors folder: no notes");
        let written = publish(&gathered, &out).unwrap();
        assert!(out.join(INDEX).is_file());
        let document = gathered.document(Path::new("public"), &written);
        assert_eq!(document.out, "public");
        assert_eq!(document.summary.pages, written.pages);
        assert!(
            document
                .files
                .iter()
                .all(|f| f.status == crate::json::Status::Done)
        );
        let again = publish(&gathered, &out).unwrap();
        assert_eq!(again.changed, 0, "an unchanged page is not rewritten");
    }
}
