//! One lock named by a person, for `diff`, `graph`, `plan`, `tag` and `branch`: a lockfile's
//! path (it ends in `.lock.yaml` or holds a path separator), `DIST/RELEASE`, a release name that
//! one distribution has, or, where the caller accepts it, a distribution: its newest lock.
//! Paths are taken relative to `start`, the folder the name was given in.

use std::path::{MAIN_SEPARATOR, Path, PathBuf};

use crate::diagnostic::closest;
use crate::lock::history::History;
use crate::lock::{LockError, Lockfile, list, parse_bytes};
use crate::naming::check_release_name;

/// What a bare name may stand for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accept {
    Release,
    /// A release, or a distribution meaning its newest lock.
    ReleaseOrDistribution,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LocateError {
    #[error("no lock of {what} `{name}` under `locks/`")]
    #[diagnostic(code("release-unknown"))]
    Unknown {
        what: &'static str,
        name: String,
        #[help]
        help: String,
    },
    #[error("`{name}` names more than one lock: {}", .choices.join(", "))]
    #[diagnostic(
        code("release-ambiguous"),
        help("name one as `DIST/RELEASE`, or give the lockfile's path")
    )]
    Ambiguous {
        name: String,
        /// Each as the message shows it: `` `DIST/RELEASE` ``, or the newest lock of a
        /// distribution.
        choices: Vec<String>,
    },
    #[error("`{name}` is not a lockfile's path, and no `distrib.yaml` is in `{}` or any folder above it", start.display())]
    #[diagnostic(
        code("no-manifest-repository"),
        help(
            "releases are looked up in a manifest repository's `locks/`: run distrib inside one, pass `-C <DIR>`, or name the lockfile by its path"
        )
    )]
    NoRoot { name: String, start: PathBuf },
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code("io"),
        help("name a lock by its file's path, as `DIST/RELEASE`, or by its release name")
    )]
    Read { path: String, reason: String },
    #[error("`{path}` holds release `{release}` of `{distribution}`, not the lock its path names")]
    #[diagnostic(
        code("lock-misplaced"),
        help(
            "move it to `locks/{distribution}/{release}.lock.yaml`, or restore the file from git; `distrib check` reports every misplaced lock"
        )
    )]
    Misplaced {
        path: String,
        distribution: String,
        release: String,
    },
    #[error("cannot use `{path}`: {error}")]
    #[diagnostic(
        code("lock-invalid"),
        help(
            "a lockfile is written by distrib only: restore it from git, or write it again with `distrib lock`; `distrib verify` checks every lock"
        )
    )]
    Invalid { path: String, error: LockError },
}

/// A lockfile of the history: `locks/<distribution>/<release>.lock.yaml`.
struct Entry {
    distribution: String,
    release: String,
    path: PathBuf,
}

fn index(root: &Path) -> Vec<Entry> {
    list(root)
        .into_iter()
        .filter_map(|path| {
            let release = path
                .file_name()?
                .to_str()?
                .strip_suffix(".lock.yaml")?
                .to_owned();
            let distribution = path.parent()?.file_name()?.to_str()?.to_owned();
            Some(Entry {
                distribution,
                release,
                path,
            })
        })
        .collect()
}

/// Finds, reads and checks the lock `text` names. `prefer`: a distribution whose release wins
/// when a bare release name is found in several.
pub fn locate(
    start: &Path,
    text: &str,
    accept: Accept,
    prefer: Option<&str>,
) -> Result<Lockfile, LocateError> {
    let root = crate::manifest::find_root(start);
    if text.ends_with(".lock.yaml") {
        return read_path(start, root, text);
    }
    if text.contains(['/', MAIN_SEPARATOR]) {
        let named = text
            .split_once('/')
            .filter(|(d, r)| check_release_name(d).is_ok() && check_release_name(r).is_ok());
        if let (Some((distribution, release)), Some(root)) = (named, root) {
            let entries = index(root);
            if let Some(entry) = entries
                .iter()
                .find(|e| e.distribution == distribution && e.release == release)
            {
                return read_entry(root, entry);
            }
            if !start.join(text).exists() {
                let of: Vec<&str> = entries
                    .iter()
                    .filter(|e| e.distribution == distribution)
                    .map(|e| e.release.as_str())
                    .collect();
                let help = if of.is_empty() {
                    format!(
                        "`{distribution}` has no lock yet; the distributions with locks{}",
                        suggest(distribution, &distributions(&entries), "distrib list")
                    )
                } else {
                    format!(
                        "the locks of `{distribution}`{}",
                        suggest(release, &of, &format!("distrib list {distribution}"))
                    )
                };
                return Err(LocateError::Unknown {
                    what: "release",
                    name: text.to_owned(),
                    help,
                });
            }
        }
        return read_path(start, root, text);
    }
    let root = root.ok_or_else(|| LocateError::NoRoot {
        name: text.to_owned(),
        start: start.to_path_buf(),
    })?;
    let entries = index(root);
    let releases: Vec<&Entry> = entries.iter().filter(|e| e.release == text).collect();
    if let Some(entry) = releases
        .iter()
        .find(|e| prefer.is_some_and(|d| e.distribution == d))
    {
        return read_entry(root, entry);
    }
    let is_distribution =
        accept == Accept::ReleaseOrDistribution && entries.iter().any(|e| e.distribution == text);
    match (releases.as_slice(), is_distribution) {
        ([entry], false) => read_entry(root, entry),
        ([], true) => newest(root, &entries, text),
        ([], false) => {
            let mut names: Vec<&str> = entries.iter().map(|e| e.release.as_str()).collect();
            let what = if accept == Accept::Release {
                "release"
            } else {
                names.extend(distributions(&entries));
                "release or distribution"
            };
            let help = if entries.is_empty() {
                "no release is locked yet: `distrib lock DIST --kind ...` writes one".to_owned()
            } else {
                format!(
                    "the locked releases{}",
                    suggest(text, &names, "distrib list")
                )
            };
            Err(LocateError::Unknown {
                what,
                name: text.to_owned(),
                help,
            })
        }
        (several, _) => {
            let mut choices: Vec<String> = several
                .iter()
                .map(|e| format!("`{}/{}`", e.distribution, e.release))
                .collect();
            if is_distribution {
                choices.push(format!("the newest lock of `{text}`"));
            }
            Err(LocateError::Ambiguous {
                name: text.to_owned(),
                choices,
            })
        }
    }
}

/// The distributions that have locks, sorted.
fn distributions(entries: &[Entry]) -> Vec<&str> {
    let mut names: Vec<&str> = entries.iter().map(|e| e.distribution.as_str()).collect();
    names.sort();
    names.dedup();
    names
}

/// `: did you mean `x`? ...` or `are listed by ...`, completing a help sentence.
fn suggest(word: &str, candidates: &[&str], command: &str) -> String {
    match closest(word, candidates) {
        Some(close) => format!(" are listed by `{command}`: did you mean `{close}`?"),
        None => format!(" are listed by `{command}`"),
    }
}

/// The newest lock of `distribution`, in lineage order, as `lock --check` finds it.
fn newest(root: &Path, entries: &[Entry], distribution: &str) -> Result<Lockfile, LocateError> {
    let mut locks = Vec::new();
    for entry in entries.iter().filter(|e| e.distribution == distribution) {
        locks.push((entry.path.clone(), read_entry(root, entry)?));
    }
    let history = History { locks };
    history
        .newest(distribution, |_| true)
        .cloned()
        .ok_or_else(|| LocateError::Unknown {
            what: "distribution",
            name: distribution.to_owned(),
            help: format!(
                "the files under `locks/{distribution}/` belong to other distributions: `distrib check` shows where they belong"
            ),
        })
}

fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A lock found by its name: the file must be the lock it is named after.
fn read_entry(root: &Path, entry: &Entry) -> Result<Lockfile, LocateError> {
    let path = shown(root, &entry.path);
    let lock = read(&entry.path, path.clone())?;
    if lock.distribution != entry.distribution || lock.release != entry.release {
        return Err(LocateError::Misplaced {
            path,
            distribution: lock.distribution,
            release: lock.release,
        });
    }
    Ok(lock)
}

/// A lockfile named by its path, relative to where distrib runs.
fn read_path(start: &Path, root: Option<&Path>, text: &str) -> Result<Lockfile, LocateError> {
    let path = start.join(text);
    let display = match root {
        Some(root) if path.starts_with(root) => shown(root, &path),
        _ => text.to_owned(),
    };
    read(&path, display)
}

fn read(path: &Path, shown: String) -> Result<Lockfile, LocateError> {
    let bytes = read_bytes(path).map_err(|reason| LocateError::Read {
        path: shown.clone(),
        reason,
    })?;
    parse_bytes(&bytes).map_err(|error| LocateError::Invalid { path: shown, error })
}

/// The bytes of a lockfile a person named: a regular file within the size limit.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !metadata.is_file() {
        return Err("not a regular file".into());
    }
    if metadata.len() > crate::manifest::MAX_LOCK_BYTES {
        return Err(format!("{} bytes, more than any lockfile", metadata.len()));
    }
    std::fs::read(path).map_err(|e| e.to_string())
}
