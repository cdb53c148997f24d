//! `distrib verify`: check that lockfiles are what distrib wrote, and, with mirrors, that the
//! tags and commits they record still say the same.

use super::CommandResult;
use std::path::PathBuf;

use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, err};
use crate::git::mirror::Mirror;
use crate::lock::{LockError, Lockfile, ReleaseKind, list, parse};

/// Check lockfiles for hand edits, and their tags and commits against the mirrors
///
/// Offline, each lock's digest, environment digest, identities and content digest are computed
/// again from its recorded fields: any edit shows. With mirrors (unless --offline), a tag that
/// now points elsewhere or was deleted, and a commit that no longer exists, are reported: how an
/// accident or an attack rewrites a release.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib verify\n  distrib verify locks/lsst_distrib/w.2026.47.lock.yaml --offline"
)]
pub struct Args {
    /// Lockfiles to verify [default: every lock under locks/]
    locks: Vec<PathBuf>,

    /// Do not read the mirrors
    #[arg(long)]
    offline: bool,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let paths = if args.locks.is_empty() {
        list(&workspace.root)
    } else {
        args.locks
            .iter()
            .map(|p| {
                if p.is_absolute() {
                    p.clone()
                } else {
                    context.start.join(p)
                }
            })
            .collect()
    };
    let mirrors = workspace.mirrors();
    // Every intact lock of the repository: what a lock's build number and lineage are checked
    // against.
    let history: Vec<Lockfile> = list(&workspace.root)
        .iter()
        .filter_map(|path| parse(&read(path).ok()?).ok())
        .collect();
    let mut opened = std::collections::HashMap::new();
    let mut problems = 0;
    // The releases verified, whose records are verified with them.
    let mut verified = std::collections::HashSet::new();
    for path in &paths {
        let shown = path
            .strip_prefix(&workspace.root)
            .unwrap_or(path)
            .display()
            .to_string();
        let lock = match read(path).and_then(|t| parse(&t).map_err(|e| e.to_string())) {
            Ok(lock) => {
                verified.insert((lock.distribution.clone(), lock.release.clone()));
                lock
            }
            Err(error) => {
                problems += 1;
                let help = if error == LockError::LineEndings.to_string() {
                    "restore it from git with `*.lock.yaml -text` in `locks/.gitattributes` (distrib writes it), so that git keeps lockfiles byte for byte"
                } else {
                    "a lockfile is written by distrib only; restore it from git, or write it again with `distrib lock`"
                };
                err(&format!("error: `{shown}`: {error}\n  help: {help}\n"));
                continue;
            }
        };
        let first_build = crate::manifest::model::Config::first_build(
            workspace.manifests.config.as_ref().map(|c| &c.value),
        );
        let mut findings = crate::lock::against_history(&lock, &history, first_build);
        findings.extend(kind_against_naming(&lock, &workspace));
        if !args.offline {
            findings.extend(against_mirrors(&lock, &mirrors, &mut opened));
            findings.extend(versions_against_mirrors(&lock, &mirrors));
            let (moved, unpushed) = release_tags_against_mirrors(&lock, &mirrors, &mut opened);
            findings.extend(moved);
            match unpushed.as_slice() {
                [] => {}
                [one] => err(&format!("note: `{shown}`: {one}\n")),
                [first, rest @ ..] => err(&format!(
                    "note: `{shown}`: {first}, nor in {} other {}\n",
                    rest.len(),
                    if rest.len() == 1 {
                        "repository"
                    } else {
                        "repositories"
                    }
                )),
            }
        }
        if findings.is_empty() {
            err(&format!(
                "ok    `{shown}` ({} {}, {})\n",
                lock.release,
                crate::naming::build_of(&workspace.manifests, &lock),
                crate::diagnostic::plural(lock.products.len(), "product")
            ));
        }
        for finding in findings {
            problems += 1;
            err(&format!("error: `{shown}`: {finding}\n"));
        }
    }
    // The validation records: intact, of a release that has a lock, of that lock's content;
    // all of them, or those of the locks named.
    {
        let only = (!args.locks.is_empty()).then_some(&verified);
        let (count, findings) = records_against_locks(&workspace.root, &history, only);
        for (shown, finding) in &findings {
            err(&format!("error: `{shown}`: {finding}\n"));
        }
        problems += findings.len();
        if count > 0 && findings.is_empty() {
            err(&format!(
                "ok    {}\n",
                crate::diagnostic::plural(count, "records file")
            ));
        }
    }
    if problems == 0 {
        err(&format!(
            "{} verified\n",
            crate::diagnostic::plural(paths.len(), "lock")
        ));
        Ok(Exit::Success)
    } else {
        err(&format!(
            "{} in {}\n",
            crate::diagnostic::plural(problems, "problem"),
            crate::diagnostic::plural(paths.len(), "lock")
        ));
        Ok(Exit::Failure)
    }
}

/// Each records file: intact (no entry edited, none removed), for a release with a lock, and
/// every entry of that lock's digest. Gives the number of files and the problems found.
fn records_against_locks(
    root: &std::path::Path,
    history: &[Lockfile],
    only: Option<&std::collections::HashSet<(String, String)>>,
) -> (usize, Vec<(String, String)>) {
    let mut files = crate::records::list(root);
    if let Some(only) = only {
        files.retain(|(distribution, release, _)| {
            only.contains(&(distribution.clone(), release.clone()))
        });
    }
    let mut findings = Vec::new();
    for (distribution, release, path) in &files {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        let records = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| crate::records::parse(&text).map_err(|e| e.to_string()))
        {
            Ok(records) => records,
            Err(why) => {
                findings.push((
                    shown,
                    format!(
                        "{why}; a records file is written by distrib only: restore it from git"
                    ),
                ));
                continue;
            }
        };
        if (&records.distribution, &records.release) != (distribution, release) {
            findings.push((
                shown,
                format!(
                    "it holds the records of `{}` of `{}`, not of the release its path names",
                    records.release, records.distribution
                ),
            ));
            continue;
        }
        let Some(lock) = history
            .iter()
            .find(|l| l.distribution == *distribution && l.release == *release)
        else {
            findings.push((
                shown,
                format!("records of `{release}`, which has no lock in `locks/{distribution}/`"),
            ));
            continue;
        };
        let digest = crate::records::lock_digest(lock);
        for record in records.foreign(&digest) {
            findings.push((
                shown.clone(),
                format!(
                    "the `{}` record of {} judged a lock of digest `{}`, and `{release}`'s is `{digest}`",
                    record.check, record.date, record.lock
                ),
            ));
        }
    }
    (files.len(), findings)
}

/// Tags that moved or vanished, commits that are gone or that no ref of the origin reaches any
/// more. Repositories without a mirror are skipped: offline verification already covered the
/// file itself. Mirrors stay open across locks (`opened`): what a mirror's refs reach is
/// computed once.
fn against_mirrors(
    lock: &Lockfile,
    mirrors: &crate::resolve::Mirrors,
    opened: &mut std::collections::HashMap<PathBuf, Option<Mirror>>,
) -> Vec<String> {
    let mut findings = Vec::new();
    for product in &lock.products {
        for repository in &product.repositories {
            let name = &product.name;
            let path = mirrors.path(&repository.url);
            let Some(mirror) = opened
                .entry(path)
                .or_insert_with_key(|path| Mirror::open(path).ok())
                .as_ref()
            else {
                findings.push(format!(
                    "`{name}`: no mirror of `{}` to check against (run `distrib fetch`, or pass --offline)",
                    repository.url
                ));
                continue;
            };
            if !mirror.has_commit(&repository.commit) {
                findings.push(format!(
                    "`{name}`: commit `{}` no longer exists in `{}`",
                    repository.commit, repository.url
                ));
            } else if !mirror.reachable(&repository.commit).unwrap_or(true) {
                findings.push(format!(
                    "`{name}`: commit `{}` is on no branch or tag of `{}` any more (force-pushed away, or its branch deleted): the origin can garbage-collect it at any time, and a rebuild from this lock would then fail",
                    repository.commit, repository.url
                ));
            } else {
                match mirror.tree(&repository.commit, repository.path.as_deref()) {
                    Ok(tree) if tree == repository.tree => {}
                    Ok(tree) => findings.push(format!(
                        "`{name}`: commit `{}` of `{}` has tree `{tree}`, the lock records `{}`",
                        repository.commit, repository.url, repository.tree
                    )),
                    Err(error) => findings.push(format!("`{name}`: {error}")),
                }
            }
            if let Some(tag) = repository.resolved.strip_prefix("refs/tags/") {
                match mirror.peel(&repository.resolved) {
                    Ok(Some(commit)) if commit == repository.commit => {}
                    Ok(Some(commit)) => findings.push(format!(
                        "`{name}`: tag `{tag}` of `{}` now points to `{commit}`, not `{}`",
                        repository.url, repository.commit
                    )),
                    Ok(None) => findings.push(format!(
                        "`{name}`: tag `{tag}` was deleted from `{}`",
                        repository.url
                    )),
                    Err(error) => findings.push(format!(
                        "`{name}`: cannot read `{}`: {error}",
                        repository.url
                    )),
                }
            }
        }
    }
    findings
}

/// The release's own tags (`distrib tag`), as the mirrors last saw their origins: one on
/// another commit is a finding; one that is absent was not pushed yet, which is said as such.
fn release_tags_against_mirrors(
    lock: &Lockfile,
    mirrors: &crate::resolve::Mirrors,
    opened: &mut std::collections::HashMap<PathBuf, Option<Mirror>>,
) -> (Vec<String>, Vec<String>) {
    let (mut findings, mut unpushed) = (Vec::new(), Vec::new());
    for tag in &lock.tags {
        let Some(mirror) = opened
            .entry(mirrors.path(&tag.url))
            .or_insert_with_key(|path| Mirror::open(path).ok())
            .as_ref()
        else {
            continue;
        };
        match mirror.peel(&format!("refs/tags/{}", tag.name)) {
            Ok(Some(commit)) if commit == tag.commit => {}
            Ok(Some(commit)) => findings.push(format!(
                "the release tag `{}` of `{}` points to `{commit}`, not to the recorded `{}`",
                tag.name, tag.url, tag.commit
            )),
            Ok(None) => unpushed.push(format!(
                "the release tag `{}` was never pushed (`distrib tag {}/{} --push`): it is not in `{}`",
                tag.name, lock.distribution, lock.release, tag.url
            )),
            Err(error) => findings.push(format!("cannot read `{}`: {error}", tag.url)),
        }
    }
    (findings, unpushed)
}

/// A nightly, weekly or manual lock whose name is what the distribution's template of another
/// of these kinds gives, and not what its own gives: its `kind` was changed. Templates may
/// change after a lock was made; then no template gives the name and nothing is said.
fn kind_against_naming(lock: &Lockfile, workspace: &Workspace) -> Option<String> {
    if !lock.follows_manifests() {
        return None;
    }
    let plan =
        crate::resolve::Plan::new(&workspace.manifests, &lock.distribution, &lock.platform).ok()?;
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
/// gives for that commit.
fn versions_against_mirrors(lock: &Lockfile, mirrors: &crate::resolve::Mirrors) -> Vec<String> {
    let mut findings = Vec::new();
    for product in &lock.products {
        let Some(version) = &product.version else {
            continue;
        };
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
            findings.push(format!(
                "`{}`: version `{version}` is neither a tag of its commit nor what `git describe` gives for it",
                product.name
            ));
        }
    }
    findings
}

/// The text of a lockfile named on the command line: a regular file within the size limit.
pub(super) fn read(path: &std::path::Path) -> Result<String, String> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes)
        .map_err(|e| LockError::NotText(e.utf8_error().valid_up_to()).to_string())
}

pub(super) use crate::lock::locate::read_bytes;
