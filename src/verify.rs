//! Verification as an operation: each lockfile is what distrib wrote (its digests computed
//! again from its recorded fields), consistent with the other locks, and, with mirrors, its
//! tags and commits still say the same at the origins; each records file is intact and of a
//! lock. The outcome is a list of findings with codes; nothing here prints.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;

use crate::git::mirror::Mirror;
use crate::json::{Diagnostic, Release, Severity, Status};
use crate::lock::{LockError, Lockfile, ReleaseKind, list, parse};
use crate::manifest::Manifests;
use crate::resolve::{Mirrors, Plan};

/// What to verify.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Lockfiles to verify (absolute, or relative to the manifest repository); empty: every
    /// lock under `locks/`, and every records file.
    pub locks: Vec<PathBuf>,
    /// Do not read the mirrors: the files only.
    pub offline: bool,
}

/// What a finding is about: its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum Kind {
    #[error("the lockfile is not what distrib wrote")]
    #[diagnostic(code("lock-invalid"))]
    LockInvalid,
    #[error("no mirror to check against")]
    #[diagnostic(code("mirror-missing"))]
    MirrorMissing,
    #[error("a mirror that cannot be read")]
    #[diagnostic(code("mirror-corrupt"))]
    MirrorCorrupt,
    #[error("a recorded commit is gone")]
    #[diagnostic(code("commit-missing"))]
    CommitMissing,
    #[error("a recorded commit no ref reaches")]
    #[diagnostic(code("commit-unreachable"))]
    CommitUnreachable,
    #[error("a resolved tag moved")]
    #[diagnostic(code("tag-moved"))]
    TagMoved,
    #[error("a resolved tag was deleted")]
    #[diagnostic(code("tag-deleted"))]
    TagDeleted,
    #[error("a release tag moved")]
    #[diagnostic(code("release-tag-moved"))]
    ReleaseTagMoved,
    #[error("a release tag not pushed yet")]
    #[diagnostic(code("release-tag-unpushed"))]
    ReleaseTagUnpushed,
    #[error("a records file is not what distrib wrote")]
    #[diagnostic(code("record-invalid"))]
    RecordInvalid,
    #[error("a records file of another release")]
    #[diagnostic(code("record-misplaced"))]
    RecordMisplaced,
    #[error("records of a release without a lock")]
    #[diagnostic(code("record-orphan"))]
    RecordOrphan,
    #[error("a record of other content")]
    #[diagnostic(code("record-foreign"))]
    RecordForeign,
}

/// One problem or remark about a lockfile or a records file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{file}`: {message}")]
pub struct Finding {
    pub code: Kind,
    pub severity: Severity,
    /// The file, relative to the manifest repository.
    pub file: String,
    pub message: String,
    pub help: Option<String>,
}

impl miette::Diagnostic for Finding {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::code(&self.code)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity.into())
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

impl Finding {
    fn error(code: Kind, file: &str, message: String, help: &str) -> Self {
        Finding {
            code,
            severity: Severity::Error,
            file: file.to_owned(),
            message,
            help: Some(help.to_owned()),
        }
    }

    /// As the JSON vocabulary has it: the file named, no position.
    pub fn to_json(&self) -> Diagnostic {
        Diagnostic {
            code: miette::Diagnostic::code(&self.code).map(|c| c.to_string()),
            severity: self.severity,
            message: crate::escape::hide_credentials(&self.message).into_owned(),
            help: self
                .help
                .as_deref()
                .map(|h| crate::escape::hide_credentials(h).into_owned()),
            file: Some(self.file.clone()),
            line: None,
            column: None,
        }
    }
}

/// What verification found: `distrib-verify/1`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct VerifyOutcome {
    /// `distrib-verify/1`.
    pub format: &'static str,
    /// Each lockfile verified, in the order asked.
    pub locks: Vec<VerifiedLock>,
    /// Each records file verified.
    pub records: Vec<VerifiedRecords>,
    /// Every finding, errors and notes, each naming its file.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// The findings, for a caller that renders them.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// One lockfile.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct VerifiedLock {
    /// The lockfile's path, relative to the manifest repository.
    pub file: String,
    /// The release it records; `null` when the file cannot be read as a lock.
    pub release: Option<Release>,
    /// `done`: verified, nothing found; `failed`: see the diagnostics of this file.
    pub status: Status,
    /// Its products; 0 when the file cannot be read.
    pub products: usize,
    /// Its build as the distribution names builds (`b12`, `#12`); `null` when unreadable.
    #[serde(skip)]
    pub build_name: Option<String>,
}

/// One records file.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct VerifiedRecords {
    /// The records file's path, relative to the manifest repository.
    pub file: String,
    pub distribution: String,
    pub release: String,
    pub status: Status,
}

/// The counts of a verification.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Summary {
    pub locks: usize,
    pub records: usize,
    pub errors: usize,
    pub notes: usize,
}

impl VerifyOutcome {
    /// Whether nothing is wrong (notes are no problem).
    pub fn succeeded(&self) -> bool {
        self.summary.errors == 0
    }

    /// How a verification ends: the locks verified, or, when anything is wrong, the count of
    /// problems as the run's error.
    pub fn end(&self) -> Result<usize, Failed> {
        if self.succeeded() {
            return Ok(self.summary.locks);
        }
        Err(Failed {
            problems: self.summary.errors,
            locks: self.summary.locks,
        })
    }
}

/// Verification found problems.
#[derive(Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error(
    "{} in {}",
    crate::diagnostic::plural(*.problems, "problem"),
    crate::diagnostic::plural(*.locks, "lock")
)]
#[diagnostic(
    code("verify-failed"),
    help("each problem above says what to restore; run `distrib verify` again once it is")
)]
pub struct Failed {
    pub problems: usize,
    pub locks: usize,
}

/// Verifies the locks `request` names (every lock, and every records file, when it names
/// none) of the manifest repository at `root`.
pub fn verify(
    root: &Path,
    manifests: &Manifests,
    mirrors: &Mirrors,
    request: &Request,
) -> VerifyOutcome {
    let paths: Vec<PathBuf> = if request.locks.is_empty() {
        list(root)
    } else {
        request
            .locks
            .iter()
            .map(|p| {
                if p.is_absolute() {
                    p.clone()
                } else {
                    root.join(p)
                }
            })
            .collect()
    };
    // Every intact lock of the repository: what a lock's build number and lineage are checked
    // against.
    let history: Vec<Lockfile> = list(root)
        .iter()
        .filter_map(|path| parse(&read(path).ok()?).ok())
        .collect();
    let first_build =
        crate::manifest::model::Config::first_build(manifests.config.as_ref().map(|c| &c.value));
    let mut opened = HashMap::new();
    let mut findings = Vec::new();
    let mut locks = Vec::new();
    // The releases verified, whose records are verified with them.
    let mut verified = HashSet::new();
    for path in &paths {
        let shown = crate::json::relative(root, path);
        let lock = match read(path).and_then(|t| parse(&t).map_err(|e| e.to_string())) {
            Ok(lock) => lock,
            Err(error) => {
                let help = if error == LockError::LineEndings.to_string() {
                    "restore it from git with `*.lock.yaml -text` in `locks/.gitattributes` (distrib writes it), so that git keeps lockfiles byte for byte"
                } else {
                    "a lockfile is written by distrib only; restore it from git, or write it again with `distrib lock`"
                };
                findings.push(Finding::error(Kind::LockInvalid, &shown, error, help));
                locks.push(VerifiedLock {
                    file: shown,
                    release: None,
                    status: Status::Failed,
                    products: 0,
                    build_name: None,
                });
                continue;
            }
        };
        verified.insert((lock.distribution.clone(), lock.release.clone()));
        let before = findings.len();
        let edited = "a lockfile is written by distrib only: restore it from git, or write it again with `distrib lock`";
        findings.extend(
            crate::lock::against_history(&lock, &history, first_build)
                .into_iter()
                .map(|f| Finding::error(Kind::LockInvalid, &shown, f, edited)),
        );
        findings.extend(
            kind_against_naming(&lock, manifests)
                .map(|f| Finding::error(Kind::LockInvalid, &shown, f, edited)),
        );
        if !request.offline {
            findings.extend(against_mirrors(&lock, mirrors, &mut opened, &shown));
            findings.extend(versions_against_mirrors(&lock, manifests, mirrors, &shown));
            findings.extend(release_tags_against_mirrors(
                &lock,
                mirrors,
                &mut opened,
                &shown,
            ));
        }
        let failed = findings[before..]
            .iter()
            .any(|f| f.severity == Severity::Error);
        locks.push(VerifiedLock {
            release: Some(Release {
                lock: path.strip_prefix(root).is_ok().then(|| shown.clone()),
                ..Release::of(&lock, None)
            }),
            file: shown,
            status: if failed { Status::Failed } else { Status::Done },
            products: lock.products.len(),
            build_name: Some(crate::naming::build_of(manifests, &lock)),
        });
    }
    // The validation records: intact, of a release that has a lock, of that lock's content;
    // all of them, or those of the locks named.
    let only = (!request.locks.is_empty()).then_some(&verified);
    let records = records_against_locks(root, &history, only, &mut findings);
    let summary = Summary {
        locks: locks.len(),
        records: records.len(),
        errors: findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count(),
        notes: findings
            .iter()
            .filter(|f| f.severity != Severity::Error)
            .count(),
    };
    VerifyOutcome {
        format: "distrib-verify/1",
        diagnostics: findings.iter().map(Finding::to_json).collect(),
        locks,
        records,
        summary,
        findings,
    }
}

/// Each records file: intact (no entry edited, none removed), for a release with a lock, and
/// every entry of that lock's digest.
fn records_against_locks(
    root: &Path,
    history: &[Lockfile],
    only: Option<&HashSet<(String, String)>>,
    findings: &mut Vec<Finding>,
) -> Vec<VerifiedRecords> {
    let mut files = crate::records::list(root);
    if let Some(only) = only {
        files.retain(|(distribution, release, _)| {
            only.contains(&(distribution.clone(), release.clone()))
        });
    }
    let mut verified = Vec::new();
    for (distribution, release, path) in &files {
        let shown = crate::json::relative(root, path);
        let before = findings.len();
        check_records(history, distribution, release, path, &shown, findings);
        verified.push(VerifiedRecords {
            file: shown,
            distribution: distribution.clone(),
            release: release.clone(),
            status: if findings.len() == before {
                Status::Done
            } else {
                Status::Failed
            },
        });
    }
    verified
}

fn check_records(
    history: &[Lockfile],
    distribution: &str,
    release: &str,
    path: &Path,
    shown: &str,
    findings: &mut Vec<Finding>,
) {
    let records = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| crate::records::parse(&text).map_err(|e| e.to_string()))
    {
        Ok(records) => records,
        Err(why) => {
            findings.push(Finding::error(
                Kind::RecordInvalid,
                shown,
                why,
                "a records file is written by distrib only: restore it from git",
            ));
            return;
        }
    };
    if (records.distribution.as_str(), records.release.as_str()) != (distribution, release) {
        findings.push(Finding::error(
            Kind::RecordMisplaced,
            shown,
            format!(
                "it holds the records of `{}` of `{}`, not of the release its path names",
                records.release, records.distribution
            ),
            "move it back to `records/<distribution>/<release>.yaml` of the release it names, or restore it from git",
        ));
        return;
    }
    let Some(lock) = history
        .iter()
        .find(|l| l.distribution == distribution && l.release == release)
    else {
        findings.push(Finding::error(
            Kind::RecordOrphan,
            shown,
            format!("records of `{release}`, which has no lock in `locks/{distribution}/`"),
            "restore the release's lock from git, or remove the records of a release that was never made",
        ));
        return;
    };
    let digest = crate::records::lock_digest(lock);
    for record in records.foreign(&digest) {
        findings.push(Finding::error(
            Kind::RecordForeign,
            shown,
            format!(
                "the `{}` record of {} judged a lock of digest `{}`, and `{release}`'s is `{digest}`",
                record.check, record.date, record.lock
            ),
            "the lock changed after it was judged: restore the lock it judged, or record the checks of this lock again with `distrib record`",
        ));
    }
}

/// Opens each mirror once across locks: what a mirror's refs reach is computed once.
fn opened<'a>(
    opened: &'a mut HashMap<PathBuf, Option<Mirror>>,
    mirrors: &Mirrors,
    url: &str,
) -> Option<&'a Mirror> {
    opened
        .entry(mirrors.path(url))
        .or_insert_with_key(|path| Mirror::open(path).ok())
        .as_ref()
}

/// Tags that moved or vanished, commits that are gone or that no ref of the origin reaches any
/// more.
fn against_mirrors(
    lock: &Lockfile,
    mirrors: &Mirrors,
    cache: &mut HashMap<PathBuf, Option<Mirror>>,
    shown: &str,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let rewritten = "a release is rebuilt from what its lock records: find out who rewrote the origin's history, and restore it";
    for product in &lock.products {
        for repository in &product.repositories {
            let name = &product.name;
            let url = crate::url::redact(&repository.url);
            let Some(mirror) = opened(cache, mirrors, &repository.url) else {
                findings.push(Finding::error(
                    Kind::MirrorMissing,
                    shown,
                    format!("`{name}`: no mirror of `{url}` to check against"),
                    "run `distrib fetch`, or pass --offline",
                ));
                continue;
            };
            if !mirror.has_commit(&repository.commit) {
                findings.push(Finding::error(
                    Kind::CommitMissing,
                    shown,
                    format!(
                        "`{name}`: commit `{}` no longer exists in `{url}`",
                        repository.commit
                    ),
                    rewritten,
                ));
            } else if !mirror.reachable(&repository.commit).unwrap_or(true) {
                findings.push(Finding::error(
                    Kind::CommitUnreachable,
                    shown,
                    format!(
                        "`{name}`: commit `{}` is on no branch or tag of `{url}` any more (force-pushed away, or its branch deleted): the origin can garbage-collect it at any time, and a rebuild from this lock would then fail",
                        repository.commit
                    ),
                    "push a branch or tag of the origin to this commit, so that it is kept",
                ));
            } else {
                match mirror.tree(&repository.commit, repository.path.as_deref()) {
                    Ok(tree) if tree == repository.tree => {}
                    Ok(tree) => findings.push(Finding::error(
                        Kind::LockInvalid,
                        shown,
                        format!(
                            "`{name}`: commit `{}` of `{url}` has tree `{tree}`, the lock records `{}`",
                            repository.commit, repository.tree
                        ),
                        "a lockfile is written by distrib only: restore it from git, or write it again with `distrib lock`",
                    )),
                    Err(error) => findings.push(Finding::error(
                        Kind::MirrorCorrupt,
                        shown,
                        format!("`{name}`: {error}"),
                        "delete the mirror and run `distrib fetch` to create it again",
                    )),
                }
            }
            if let Some(tag) = repository.resolved.strip_prefix("refs/tags/") {
                match mirror.peel(&repository.resolved) {
                    Ok(Some(commit)) if commit == repository.commit => {}
                    Ok(Some(commit)) => findings.push(Finding::error(
                        Kind::TagMoved,
                        shown,
                        format!(
                            "`{name}`: tag `{tag}` of `{url}` now points to `{commit}`, not `{}`",
                            repository.commit
                        ),
                        "a released tag never moves: find out who moved it, and put it back on the recorded commit",
                    )),
                    Ok(None) => findings.push(Finding::error(
                        Kind::TagDeleted,
                        shown,
                        format!("`{name}`: tag `{tag}` was deleted from `{url}`"),
                        "a released tag is never deleted: find out who deleted it, and push it again on the recorded commit",
                    )),
                    Err(error) => findings.push(Finding::error(
                        Kind::MirrorCorrupt,
                        shown,
                        format!("`{name}`: cannot read `{url}`: {error}"),
                        "delete the mirror and run `distrib fetch` to create it again",
                    )),
                }
            }
        }
    }
    findings
}

/// The release's own tags (`distrib tag`), as the mirrors last saw their origins: one on
/// another commit is an error; one that is absent was not pushed yet, which is a note (one for
/// the lock, however many repositories).
fn release_tags_against_mirrors(
    lock: &Lockfile,
    mirrors: &Mirrors,
    cache: &mut HashMap<PathBuf, Option<Mirror>>,
    shown: &str,
) -> Vec<Finding> {
    let (mut findings, mut unpushed) = (Vec::new(), Vec::new());
    for tag in &lock.tags {
        let url = crate::url::redact(&tag.url);
        let Some(mirror) = opened(cache, mirrors, &tag.url) else {
            continue;
        };
        match mirror.peel(&format!("refs/tags/{}", tag.name)) {
            Ok(Some(commit)) if commit == tag.commit => {}
            Ok(Some(commit)) => findings.push(Finding::error(
                Kind::ReleaseTagMoved,
                shown,
                format!(
                    "the release tag `{}` of `{url}` points to `{commit}`, not to the recorded `{}`",
                    tag.name, tag.commit
                ),
                "find out who moved it; `distrib tag --force` puts it back on the release's commit",
            )),
            Ok(None) => unpushed.push((tag.name.clone(), url)),
            Err(error) => findings.push(Finding::error(
                Kind::MirrorCorrupt,
                shown,
                format!("cannot read `{url}`: {error}"),
                "delete the mirror and run `distrib fetch` to create it again",
            )),
        }
    }
    if let Some((name, url)) = unpushed.first() {
        let others = match unpushed.len() - 1 {
            0 => String::new(),
            1 => ", nor in 1 other repository".to_owned(),
            n => format!(", nor in {n} other repositories"),
        };
        findings.push(Finding {
            code: Kind::ReleaseTagUnpushed,
            severity: Severity::Note,
            file: shown.to_owned(),
            message: format!(
                "the release tag `{name}` was never pushed (`distrib tag {}/{} --push`): it is not in `{url}`{others}",
                lock.distribution, lock.release
            ),
            help: None,
        });
    }
    findings
}

/// A nightly, weekly or manual lock whose name is what the distribution's template of another
/// of these kinds gives, and not what its own gives: its `kind` was changed. Templates may
/// change after a lock was made; then no template gives the name and nothing is said.
fn kind_against_naming(lock: &Lockfile, manifests: &Manifests) -> Option<String> {
    if !lock.follows_manifests() {
        return None;
    }
    let plan = Plan::new(manifests, &lock.distribution, &lock.platform).ok()?;
    let date = crate::naming::DateTime::parse(&lock.date).ok()?;
    let names = |kind: ReleaseKind| {
        let template = crate::lock::make::template(&plan, kind);
        [template.clone(), format!("{template}-%H%M")]
            .iter()
            .any(|t| {
                crate::lock::make::release_name(t, date, lock, &plan, |_| None)
                    .is_ok_and(|name| name == lock.release)
            })
    };
    if names(lock.kind) {
        return None;
    }
    let named_as = [
        ReleaseKind::Nightly,
        ReleaseKind::Weekly,
        ReleaseKind::Manual,
    ]
    .into_iter()
    .find(|kind| *kind != lock.kind && names(*kind))?;
    Some(format!(
        "`{}` records `kind: {}`, but its name is the one the {} template of `{}` gives",
        lock.release,
        lock.kind.as_str(),
        named_as.as_str(),
        lock.distribution,
    ))
}

/// Each product's recorded `version` against what its mirror says: a tag named by the version
/// points at a commit the product records, and a version past a tag is what `git describe`
/// gives for that commit. A version the product's manifest writes itself (`version:`, as
/// alidist's recipes do) comes from no git name, and is not asked of the mirror.
fn versions_against_mirrors(
    lock: &Lockfile,
    manifests: &Manifests,
    mirrors: &Mirrors,
    shown: &str,
) -> Vec<Finding> {
    let declared = |name: &str| {
        manifests
            .products
            .iter()
            .find(|p| p.value.name.value == name)
            .and_then(|p| p.value.version.as_ref())
            .map(|v| v.value.as_str())
    };
    let mut findings = Vec::new();
    for product in &lock.products {
        let Some(version) = &product.version else {
            continue;
        };
        if declared(&product.name) == Some(version.as_str()) {
            continue;
        }
        let mut opened = product
            .repositories
            .iter()
            .filter_map(|r| Some((r, Mirror::open(&mirrors.path(&r.url)).ok()?)))
            .peekable();
        if opened.peek().is_none() {
            // No mirror: reported by the commit check already.
            continue;
        }
        let tag = format!("refs/tags/{version}");
        let matches = opened.any(|(repository, mirror)| {
            matches!(mirror.peel(&tag), Ok(Some(commit)) if commit == repository.commit)
                || mirror
                    .describe(&repository.commit)
                    .is_ok_and(|described| described == *version)
        });
        if !matches {
            findings.push(Finding::error(
                Kind::LockInvalid,
                shown,
                format!(
                    "`{}`: version `{version}` is neither a tag of its commit nor what `git describe` gives for it",
                    product.name
                ),
                "a lockfile is written by distrib only: restore it from git, or write it again with `distrib lock`",
            ));
        }
    }
    findings
}

/// The text of a lockfile: a regular file within the size limit, UTF-8.
pub fn read(path: &Path) -> Result<String, String> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes)
        .map_err(|e| LockError::NotText(e.utf8_error().valid_up_to()).to_string())
}

pub use crate::lock::locate::read_bytes;

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(locks: usize, errors: usize, notes: usize) -> VerifyOutcome {
        VerifyOutcome {
            format: "distrib-verify/1",
            locks: Vec::new(),
            records: Vec::new(),
            diagnostics: Vec::new(),
            summary: Summary {
                locks,
                records: 0,
                errors,
                notes,
            },
            findings: Vec::new(),
        }
    }

    #[test]
    fn a_verification_ends_with_the_locks_verified_or_the_problems_found() {
        assert_eq!(outcome(3, 0, 2).end(), Ok(3), "notes are no problem");
        let failed = outcome(1, 2, 0).end().unwrap_err();
        assert_eq!(failed.to_string(), "2 problems in 1 lock");
        assert_eq!(
            miette::Diagnostic::code(&failed).map(|c| c.to_string()),
            Some("verify-failed".to_owned())
        );
    }
}
