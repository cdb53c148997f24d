//! `distrib notes A B`: the release note between two locks, with the commits read from the
//! mirrors.

use super::{CommandError, CommandResult};
use clap::ValueEnum;
use regex::Regex;

use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, boxed, err, out, out_json};
use crate::git::mirror::Mirror;
use crate::lock::Lockfile;
use crate::report::notes::{self, Notes, Range, RangeLog, Text};
use crate::resolve::Mirrors;

/// Write the release note between two releases
///
/// For every product whose commits changed, the commits between its two locked commits, read
/// from the mirrors (run `distrib fetch` first if they are older than the locks); the issue keys
/// the distribution's `issues` pattern finds in their messages, grouped by issue; the narrative
/// of `notes/<DIST>/<B>.md` when that file exists; the distribution's `install` instructions; and
/// the technical table: every product with its version change, commit and identity. A range
/// that cannot be walked (a commit missing from the mirror, history rewritten, B older than A)
/// is reported in the note, never left out.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib notes w.2026.46 w.2026.47 > notes.md\n  \
distrib notes 29.0.0.rc1 29.0.0 --format html > 29.0.0.html\n  \
distrib notes lsst_distrib/w.2026.46 lsst_distrib/w.2026.47 --format json\n\n\
Exit status: 0 when the note was written (ranges that cannot be walked are reported in it), 1 \
when a release is unknown or a lock cannot be read, 2 on a usage error."
)]
pub struct Args {
    /// The older release: RELEASE, DIST/RELEASE, or a lockfile's path
    #[arg(value_name = "A")]
    from: String,

    /// The newer release, in the same forms
    #[arg(value_name = "B")]
    to: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Markdown, for a release page, an announcement or a job summary
    Markdown,
    /// One JSON document
    Json,
    /// A self-contained HTML page
    Html,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let (from, to) = super::diff::locate_pair(context, &args.from, &args.to).map_err(boxed)?;
    let (note, unavailable) = note(&workspace, &from, &to)?;
    match args.format {
        Format::Markdown => out(&note.markdown()),
        Format::Html => out(&note.html()),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&note).unwrap_or_default();
            text.push('\n');
            out_json(&text);
        }
    }
    if unavailable > 0 {
        err(&format!(
            "warning: the commits of {} could not be read; the note says why (`distrib fetch` updates the mirrors)\n",
            crate::diagnostic::plural(unavailable, "repository")
        ));
    }
    Ok(Exit::Success)
}

/// The note from `from` to `to`, with the commits read from the mirrors, the distribution's
/// issue pattern and install instructions, and the narrative of `notes/`; and how many
/// repositories' commits could not be read.
pub(super) fn note(
    workspace: &Workspace,
    from: &Lockfile,
    to: &Lockfile,
) -> Result<(Notes, usize), CommandError> {
    let distribution = workspace
        .manifests
        .distributions
        .iter()
        .map(|d| &d.value)
        .find(|d| d.name.value == to.distribution);
    // `check` has validated the pattern.
    let issues = distribution
        .and_then(|d| d.issues.as_ref())
        .and_then(|p| Regex::new(p).ok());
    let narrative_path = workspace
        .root
        .join("notes")
        .join(&to.distribution)
        .join(format!("{}.md", to.release));
    let narrative = match std::fs::read_to_string(&narrative_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(boxed(crate::fsutil::IoError::new(&narrative_path, e))),
    };
    let install = distribution.and_then(|d| d.install.as_ref()).map(|text| {
        crate::naming::fill(text, |key| match key {
            "release" => Some(to.release.clone()),
            "distribution" => Some(to.distribution.clone()),
            "build" => Some(to.build.to_string()),
            "platform" => Some(to.platform.clone()),
            _ => to.variables.get(key).cloned(),
        })
    });
    let (ranges, missing): (Vec<_>, Vec<_>) =
        notes::ranges(from, to).into_iter().partition(Result::is_ok);
    let mut logs = read_logs(&workspace.mirrors(), ranges.into_iter().flatten().collect());
    let unavailable = logs
        .iter()
        .filter(|(_, log)| matches!(log, RangeLog::Unavailable(_)))
        .count();
    // A repository new to a product has no range: the note says so.
    logs.extend(
        missing
            .into_iter()
            .filter_map(Result::err)
            .map(|(range, why)| (range, RangeLog::Unavailable(why))),
    );
    let build = distribution
        .and_then(|d| d.naming.build.as_ref())
        .map(|t| t.value.clone());
    let digest = crate::records::lock_digest(to);
    let records = crate::records::read(&workspace.root, &to.distribution, &to.release)
        .ok()
        .flatten()
        .map(|r| r.records.into_iter().filter(|r| r.lock == digest).collect())
        .unwrap_or_default();
    let text = Text {
        narrative,
        install,
        build,
        records,
    };
    Ok((
        notes::notes(from, to, logs, issues.as_ref(), text),
        unavailable,
    ))
}

/// Each range's commits, read from its mirror; the repositories are read in parallel.
fn read_logs(mirrors: &Mirrors, ranges: Vec<Range>) -> Vec<(Range, RangeLog)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = ranges.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = ranges
            .chunks(chunk)
            .map(|part| {
                let worker = scope.spawn(move || {
                    part.iter()
                        .map(|r| read_log(mirrors, r))
                        .collect::<Vec<_>>()
                });
                (part, worker)
            })
            .collect();
        let mut logs = Vec::with_capacity(ranges.len());
        for (part, worker) in workers {
            let read = worker.join().unwrap_or_else(|_| {
                let failed = || RangeLog::Unavailable("reading the mirror failed".into());
                part.iter().map(|_| failed()).collect()
            });
            logs.extend(part.iter().cloned().zip(read));
        }
        logs
    })
}

fn read_log(mirrors: &Mirrors, range: &Range) -> RangeLog {
    let path = mirrors.path(&range.url);
    let mirror = match Mirror::open(&path) {
        Ok(mirror) => mirror,
        Err(error) => {
            return RangeLog::Unavailable(format!("no usable mirror of {}: {error}", range.url));
        }
    };
    match mirror.log(&range.from, &range.to, range.path.as_deref()) {
        Ok(log) => RangeLog::Walked {
            commits: log.commits,
            problem: log.problem,
        },
        Err(error) => RangeLog::Unavailable(format!(
            "cannot read {}..{} of {}: {error}; the mirror may be older than the locks (run `distrib fetch`), or the history was rewritten",
            &range.from[..10.min(range.from.len())],
            &range.to[..10.min(range.to.len())],
            range.url
        )),
    }
}
