//! The locks already written: where build numbers come from (max + 1, never per machine), which
//! release has the same content, and which lock is the newest of a distribution. Writers hold an
//! exclusive file lock on `locks/` so two runs cannot take one build number.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{LockError, Lockfile, ReleaseKind, list, parse_bytes};
use crate::naming::DateTime;

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
        self.next_build_from(1)
    }

    /// One more than the highest build number of any lock, and at least `first` (`builds:
    /// first` in `distrib.yaml`).
    pub fn next_build_from(&self, first: u64) -> Result<u64, HistoryError> {
        match self.locks.iter().max_by_key(|(_, l)| l.build) {
            None => Ok(first),
            Some((_, lock)) if lock.build < first => Ok(first),
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

    /// The latest lock of `distribution` that `which` accepts, in [`lineage_order`].
    pub fn newest(
        &self,
        distribution: &str,
        which: impl Fn(&Lockfile) -> bool,
    ) -> Option<&Lockfile> {
        newest(self.of(distribution), which)
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

/// The latest of `locks` that `which` accepts, in [`lineage_order`].
pub fn newest<'a>(
    locks: impl IntoIterator<Item = &'a Lockfile>,
    which: impl Fn(&Lockfile) -> bool,
) -> Option<&'a Lockfile> {
    lineage_order(locks).into_iter().rev().find(|l| which(l))
}

/// Locks from oldest to newest, the one order of every command that lists releases or takes
/// "the newest". Within a distribution, lineage comes first: a lock comes after the one it was
/// made from (`from`: a candidate's weekly, a final's candidate, a patch's final) and after the
/// one whose content it repeats (`same_content_as`); a candidate after the candidates of its
/// version with a lower number; a final after every candidate of its version. Where lineage
/// says nothing: by date, then build number, then name. A final made in the same minute as its
/// candidate, with its build number, is still newer. (Lineage that loops, which no distrib
/// writes, falls back to the date.)
pub fn lineage_order<'a>(locks: impl IntoIterator<Item = &'a Lockfile>) -> Vec<&'a Lockfile> {
    let locks: Vec<&Lockfile> = locks.into_iter().collect();
    let key = |l: &'a Lockfile| (DateTime::parse(&l.date).ok(), l.build, l.release.as_str());
    let index: HashMap<(&str, &str), usize> = locks
        .iter()
        .enumerate()
        .map(|(i, l)| ((l.distribution.as_str(), l.release.as_str()), i))
        .collect();
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); locks.len()];
    let mut before = vec![0usize; locks.len()];
    let mut edge = |from: usize, to: usize| {
        if from != to {
            after[from].push(to);
            before[to] += 1;
        }
    };
    for (i, lock) in locks.iter().enumerate() {
        for parent in [&lock.from, &lock.same_content_as].into_iter().flatten() {
            if let Some(&p) = index.get(&(lock.distribution.as_str(), parent.as_str())) {
                edge(p, i);
            }
        }
    }
    // Candidates of one version by number, then its final.
    let mut versions: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, lock) in locks.iter().enumerate() {
        if let Some(version) = &lock.release_version {
            versions
                .entry((lock.distribution.as_str(), version.as_str()))
                .or_default()
                .push(i);
        }
    }
    for members in versions.values() {
        let rank = |i: usize| {
            let lock = locks[i];
            (lock.kind == ReleaseKind::Final, lock.rc.unwrap_or(0))
        };
        for &a in members {
            for &b in members {
                if rank(a) < rank(b) {
                    edge(a, b);
                }
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<(_, usize)>> = (0..locks.len())
        .filter(|&i| before[i] == 0)
        .map(|i| Reverse((key(locks[i]), i)))
        .collect();
    let mut placed = vec![false; locks.len()];
    let mut order = Vec::with_capacity(locks.len());
    while order.len() < locks.len() {
        let next = match ready.pop() {
            Some(Reverse((_, i))) => i,
            // A loop: the oldest lock not placed yet breaks it.
            None => match (0..locks.len())
                .filter(|&i| !placed[i])
                .min_by_key(|&i| key(locks[i]))
            {
                Some(i) => i,
                None => break,
            },
        };
        if std::mem::replace(&mut placed[next], true) {
            continue;
        }
        order.push(locks[next]);
        for &child in &after[next] {
            before[child] = before[child].saturating_sub(1);
            if before[child] == 0 && !placed[child] {
                ready.push(Reverse((key(locks[child]), child)));
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::LockedEnvironment;

    fn lock(release: &str, kind: ReleaseKind, build: u64, date: &str) -> Lockfile {
        Lockfile {
            version: crate::lock::FORMAT_VERSION,
            identity_version: Some(crate::identity::Version::CURRENT.number()),
            distribution: "dist".into(),
            release: release.into(),
            kind,
            release_version: None,
            rc: None,
            from: None,
            build,
            same_content_as: None,
            date: date.into(),
            manifest_commit: None,
            platform: "linux-x86_64".into(),
            variables: Default::default(),
            sources: Default::default(),
            overrides: Default::default(),
            inputs: Vec::new(),
            environment: LockedEnvironment {
                name: "ops".into(),
                purpose: "operations".into(),
                packages: Default::default(),
                env: Default::default(),
                digest: String::new(),
            },
            content: String::new(),
            products: Vec::new(),
            tag: None,
            tags: Vec::new(),
            companions: Vec::new(),
        }
    }

    fn candidate(version: &str, rc: u32, from: &str, build: u64, date: &str) -> Lockfile {
        let mut lock = lock(
            &format!("{version}.rc{rc}"),
            ReleaseKind::Candidate,
            build,
            date,
        );
        lock.release_version = Some(version.into());
        lock.rc = Some(rc);
        lock.from = Some(from.into());
        lock
    }

    fn final_(version: &str, from: &str, build: u64, date: &str) -> Lockfile {
        let mut lock = lock(version, ReleaseKind::Final, build, date);
        lock.release_version = Some(version.into());
        lock.from = Some(from.into());
        lock
    }

    fn order(locks: &[Lockfile]) -> Vec<&str> {
        lineage_order(locks)
            .into_iter()
            .map(|l| l.release.as_str())
            .collect()
    }

    #[test]
    fn lineage_before_dates_and_names() {
        let minute = "2026-11-20T10:00";
        let locks = vec![
            final_("1.0.1", "1.0.1.rc2", 3, minute),
            candidate("1.0.1", 2, "1.0.1.rc1", 3, minute),
            candidate("1.0.1", 1, "1.0.0", 2, minute),
            final_("1.0.0", "1.0.0.rc1", 1, minute),
            candidate("1.0.0", 1, "w.2026.47", 1, minute),
            lock("w.2026.47", ReleaseKind::Weekly, 1, "2026-11-19"),
        ];
        assert_eq!(
            order(&locks),
            [
                "w.2026.47",
                "1.0.0.rc1",
                "1.0.0",
                "1.0.1.rc1",
                "1.0.1.rc2",
                "1.0.1"
            ]
        );
        // Whatever order they are read in.
        let mut reversed = locks.clone();
        reversed.reverse();
        assert_eq!(order(&reversed), order(&locks));
        assert_eq!(
            newest(&locks, |_| true).map(|l| l.release.as_str()),
            Some("1.0.1")
        );
        assert_eq!(
            newest(&locks, Lockfile::follows_manifests).map(|l| l.release.as_str()),
            Some("w.2026.47")
        );
    }

    #[test]
    fn without_lineage_date_then_build_then_name() {
        let mut repeat = lock("d.2026.11.21", ReleaseKind::Nightly, 1, "2026-11-21");
        repeat.same_content_as = Some("d.2026.11.19".into());
        let locks = vec![
            repeat,
            lock(
                "d.2026.11.20-1400",
                ReleaseKind::Nightly,
                3,
                "2026-11-20T14:00",
            ),
            lock("d.2026.11.20", ReleaseKind::Nightly, 2, "2026-11-20"),
            lock("d.2026.11.19", ReleaseKind::Nightly, 1, "2026-11-19"),
        ];
        assert_eq!(
            order(&locks),
            [
                "d.2026.11.19",
                "d.2026.11.20",
                "d.2026.11.20-1400",
                "d.2026.11.21"
            ]
        );
        // Lineage that loops (no distrib writes it) still gives every lock once.
        let mut a = lock("a", ReleaseKind::Manual, 1, "2026-11-20");
        a.from = Some("b".into());
        let mut b = lock("b", ReleaseKind::Manual, 2, "2026-11-21");
        b.from = Some("a".into());
        assert_eq!(order(&[b, a]), ["a", "b"]);
    }
}
