//! `distrib record`: append a check's result to a release's records; and the gate every gated
//! step (`release candidate|final|patch`, `deploy set-default`) passes through.

use super::CommandResult;
use std::path::Path;

use super::lock::{fail, parse_date, usage};
use super::{Context, Exit, boxed, err};
use crate::fsutil::IoError;
use crate::lock::Lockfile;
use crate::lock::history::{self, History};
use crate::manifest::{self, Origin};
use crate::naming::DateTime;
use crate::records::{self, Entry, Outcome, Records};

/// Record the result of a check of a release: a build, a Full System Test, a workout, a
/// validation campaign
///
/// The entry is appended to `records/<distribution>/<release>.yaml` with the digest of the
/// release's lock, and is never rewritten: `verify` reports an edited entry, and an entry of
/// other content than the lock. A distribution's `gates:` name the checks a step requires.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib record w.2026.47 build --result pass --url https://ci.example.org/b/8467\n  \
distrib record O2PDPSuite-epn-20261119 fst --result fail --by FST --note \"TPC timeouts\""
)]
pub struct Args {
    /// The release
    release: String,

    /// The check: letters, digits and `._-` (`build`, `fst`, `workout`, `validation`)
    check: String,

    /// What the check said
    #[arg(long, value_enum)]
    result: Result,

    /// The release's distribution, when several have a release of that name
    #[arg(long)]
    distribution: Option<String>,

    /// Where the check's log or report is
    #[arg(long)]
    url: Option<String>,

    /// Who or what ran the check
    #[arg(long)]
    by: Option<String>,

    /// A note
    #[arg(long)]
    note: Option<String>,

    /// The date and time of the result (UTC) [default: now]
    #[arg(long, value_name = "YYYY-MM-DD[THH:MM]", value_parser = parse_date)]
    date: Option<DateTime>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Result {
    Pass,
    Fail,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum RecordFailure {
    #[error("no lock of a release `{release}`{}", distribution.as_ref().map(|d| format!(" of `{d}`")).unwrap_or_default())]
    #[diagnostic(
        code("release-unknown"),
        help("a record judges a locked release: `distrib list` shows them")
    )]
    NoLock {
        release: String,
        distribution: Option<String>,
    },
    #[error("`{release}` is a release of {}", distributions.join(" and "))]
    #[diagnostic(code("release-ambiguous"), help("pass --distribution"))]
    Ambiguous {
        release: String,
        distributions: Vec<String>,
    },
    #[error("`{check}` is not a check name: {why}")]
    #[diagnostic(
        code("check-name"),
        help("name checks as `gates:` does: `build`, `fst`")
    )]
    CheckName { check: String, why: &'static str },
    #[error("cannot append to `{}`: {why}", path.display())]
    #[diagnostic(
        code("record-invalid"),
        help("a records file is written by distrib only: restore it from git")
    )]
    Unreadable {
        path: std::path::PathBuf,
        why: String,
    },
    #[error("{step} of `{release}` is gated: {}", missing.join(", "))]
    #[diagnostic(
        code("gate-closed"),
        help(
            "record the check when it passes (`distrib record {release} CHECK --result pass`), or go on with --override-gate \"REASON\", which is recorded"
        )
    )]
    Gate {
        step: String,
        release: String,
        missing: Vec<String>,
    },
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let opened = manifest::open(&context.start, None).map_err(boxed)?;
    let Origin::WorkTree(root) = &opened.origin else {
        return Ok(Exit::Failure);
    };
    if let Some(why) = records::check_name_problem(&args.check) {
        return Ok(usage(
            context,
            RecordFailure::CheckName {
                check: args.check.clone(),
                why,
            },
        ));
    }
    let _guard = match history::exclusive(root) {
        Ok(guard) => guard,
        Err(e) => return Ok(fail(context, e)),
    };
    let history = History::read(root).map_err(boxed)?;
    let found: Vec<&Lockfile> = history
        .all()
        .filter(|l| l.release == args.release)
        .filter(|l| {
            args.distribution
                .as_ref()
                .is_none_or(|d| *d == l.distribution)
        })
        .collect();
    let lock = match found.as_slice() {
        [lock] => *lock,
        [] => {
            return Ok(fail(
                context,
                RecordFailure::NoLock {
                    release: args.release.clone(),
                    distribution: args.distribution.clone(),
                },
            ));
        }
        many => {
            return Ok(usage(
                context,
                RecordFailure::Ambiguous {
                    release: args.release.clone(),
                    distributions: many
                        .iter()
                        .map(|l| format!("`{}`", l.distribution))
                        .collect(),
                },
            ));
        }
    };
    let entry = Entry {
        check: args.check.clone(),
        result: match args.result {
            Result::Pass => Outcome::Pass,
            Result::Fail => Outcome::Fail,
        },
        date: args.date.unwrap_or_else(DateTime::now).to_text(),
        by: args.by.clone(),
        url: args.url.clone(),
        note: args.note.clone(),
    };
    match append(root, lock, vec![entry]) {
        Ok(path) => {
            err(&format!(
                "recorded `{}` {} for `{}` in `{}`\n",
                args.check,
                entry_result(args.result),
                lock.release,
                path.strip_prefix(root).unwrap_or(&path).display()
            ));
            Ok(Exit::Success)
        }
        Err(exit) => Ok(exit_of(context, exit)),
    }
}

fn entry_result(result: Result) -> &'static str {
    match result {
        Result::Pass => "pass",
        Result::Fail => "fail",
    }
}

/// Why an append failed.
enum AppendError {
    Unreadable(std::path::PathBuf, String),
    Io(IoError),
}

fn exit_of(context: &Context, error: AppendError) -> Exit {
    match error {
        AppendError::Unreadable(path, why) => {
            fail(context, RecordFailure::Unreadable { path, why })
        }
        AppendError::Io(e) => fail(context, e),
    }
}

/// Appends entries to the records of `lock`'s release, atomically. An existing file must be
/// intact: a record is never added to an edited file.
fn append(
    root: &Path,
    lock: &Lockfile,
    entries: Vec<Entry>,
) -> std::result::Result<std::path::PathBuf, AppendError> {
    let mut records = match records::read(root, &lock.distribution, &lock.release) {
        Ok(Some(records)) => records,
        Ok(None) => Records::new(&lock.distribution, &lock.release),
        Err((path, why)) => return Err(AppendError::Unreadable(path, why)),
    };
    let digest = records::lock_digest(lock);
    for entry in entries {
        records.append(entry, &digest);
    }
    let path = records::path(root, &lock.distribution, &lock.release);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| AppendError::Io(IoError::new(parent, e)))?;
    }
    crate::fsutil::write_atomic(&path, records.to_text().as_bytes())
        .map_err(|e| AppendError::Io(IoError::new(&path, e)))?;
    Ok(path)
}

/// What a gated step is given on the command line.
#[derive(Debug, Default, clap::Args)]
pub struct GateArgs {
    /// Go on although the step's gate is closed; the reason, and who gave it, are recorded
    #[arg(long, value_name = "REASON")]
    pub override_gate: Option<String>,

    /// With --override-gate: who goes on [default: `$USER`]
    #[arg(long, value_name = "NAME", requires = "override_gate")]
    pub by: Option<String>,
}

/// The gate of `step` on `lock`: every check of `checks` must have a passing record for that
/// very lock. Closed, the step is refused with what is missing; with --override-gate it goes
/// on, and an `overridden` entry per missing check records the reason and who gave it (unless
/// `dry_run`: then nothing is written).
pub(super) fn gate(
    context: &Context,
    root: &Path,
    step: &str,
    lock: &Lockfile,
    checks: &[String],
    args: &GateArgs,
    dry_run: bool,
) -> std::result::Result<(), Exit> {
    let missing = records::gate(root, lock, checks);
    if missing.is_empty() {
        return Ok(());
    }
    let Some(reason) = &args.override_gate else {
        return Err(fail(
            context,
            RecordFailure::Gate {
                step: step.to_owned(),
                release: lock.release.clone(),
                missing,
            },
        ));
    };
    let by = args
        .by
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()));
    let date = DateTime::now().to_text();
    let entries = checks
        .iter()
        .filter(|check| missing.iter().any(|m| m.starts_with(&format!("`{check}`"))))
        .map(|check| Entry {
            check: check.clone(),
            result: Outcome::Overridden,
            date: date.clone(),
            by: by.clone(),
            url: None,
            note: Some(format!("{step}: {reason}")),
        })
        .collect();
    if dry_run {
        return Ok(());
    }
    append(root, lock, entries).map_err(|e| exit_of(context, e))?;
    err(&format!(
        "warning: {step} of `{}` goes on without {}: recorded as overridden{}\n",
        lock.release,
        missing.join(", "),
        by.map(|b| format!(" by `{b}`")).unwrap_or_default()
    ));
    Ok(())
}
