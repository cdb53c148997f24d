//! The locks already written: where build numbers come from (max + 1, never per machine), which
//! release has the same content, and which lock is the newest of a distribution. Writers hold an
//! exclusive file lock on `locks/` so two runs cannot take one build number.

use std::fs::File;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{LockError, Lockfile, list, parse_bytes};

#[derive(Debug, Error, miette::Diagnostic)]
pub enum HistoryError {
    #[error("cannot read `{}`: {source}", path.display())]
    #[diagnostic(
        code("lock-invalid"),
        help(
            "run `distrib verify` to see what is wrong; build numbers cannot be allocated while a lock is unreadable"
        )
    )]
    Invalid { path: PathBuf, source: LockError },
    #[error("no build number is left after the one of `{}`", path.display())]
    #[diagnostic(
        code("lock-invalid"),
        help("that build number cannot come from distrib: restore the lock from git")
    )]
    Exhausted { path: PathBuf },
    #[error("cannot use `{}`: {source}", path.display())]
    #[diagnostic(code("io"), help("distrib must be able to create files in `locks/`"))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Every lock of the manifest repository.
pub struct History {
    pub locks: Vec<(PathBuf, Lockfile)>,
}

/// An exclusive hold on `locks/`, released when dropped.
pub struct Guard(#[allow(dead_code)] File);

/// Waits until no other distrib writes locks in this repository, then holds it.
pub fn exclusive(root: &Path) -> Result<Guard, HistoryError> {
    let folder = root.join("locks");
    let io = |source| HistoryError::Io {
        path: folder.clone(),
        source,
    };
    std::fs::create_dir_all(&folder).map_err(io)?;
    // The writers' lock file is no part of the history: keep it out of git, as cargo keeps
    // `target/` out.
    let ignore = folder.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            &ignore,
            "# Written by distrib: its lock file is not part of the history.\n.distrib-lock\n",
        )
        .map_err(io)?;
    }
    // A lockfile's digest covers every byte: git must not convert its line endings on checkout
    // (`core.autocrlf`), or every lock of a Windows checkout would look edited.
    let attributes = folder.join(".gitattributes");
    if !attributes.exists() {
        std::fs::write(
            &attributes,
            "# Written by distrib: lockfiles are kept byte for byte (their digest covers every byte).\n*.lock.yaml -text\n",
        )
        .map_err(io)?;
    }
    let path = folder.join(".distrib-lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    file.lock().map_err(io)?;
    Ok(Guard(file))
}

impl History {
    pub fn read(root: &Path) -> Result<Self, HistoryError> {
        let mut locks = Vec::new();
        for path in list(root) {
            let bytes = std::fs::read(&path).map_err(|source| HistoryError::Io {
                path: path.clone(),
                source,
            })?;
            let lock = parse_bytes(&bytes).map_err(|source| HistoryError::Invalid {
                path: path.clone(),
                source,
            })?;
            locks.push((path, lock));
        }
        Ok(Self { locks })
    }

    /// One more than the highest build number of any lock.
    pub fn next_build(&self) -> Result<u64, HistoryError> {
        match self.locks.iter().max_by_key(|(_, l)| l.build) {
            None => Ok(1),
            Some((path, lock)) => lock
                .build
                .checked_add(1)
                .ok_or_else(|| HistoryError::Exhausted { path: path.clone() }),
        }
    }

    /// The first release of `distribution` whose packages are exactly `content`.
    pub fn same_content(&self, distribution: &str, content: &str) -> Option<&Lockfile> {
        self.of(distribution)
            .filter(|l| l.content == content)
            .min_by_key(|l| l.build)
    }

    /// The latest lock of `distribution` that `which` accepts (see `Lockfile::recency`).
    pub fn newest(
        &self,
        distribution: &str,
        which: impl Fn(&Lockfile) -> bool,
    ) -> Option<&Lockfile> {
        self.of(distribution)
            .filter(|l| which(l))
            .max_by(|a, b| a.recency().cmp(&b.recency()))
    }

    pub fn find(&self, distribution: &str, release: &str) -> Option<&Lockfile> {
        self.of(distribution).find(|l| l.release == release)
    }

    /// Every lock of every distribution.
    pub fn all(&self) -> impl Iterator<Item = &Lockfile> {
        self.locks.iter().map(|(_, l)| l)
    }

    /// The locks of `distribution`.
    pub fn of(&self, distribution: &str) -> std::vec::IntoIter<&Lockfile> {
        let locks: Vec<&Lockfile> = self
            .locks
            .iter()
            .map(|(_, l)| l)
            .filter(|l| l.distribution == distribution)
            .collect();
        locks.into_iter()
    }
}
