//! `distrib diff A B`: what changed between two locks, what must be rebuilt and why, and what
//! is reused.

use super::CommandResult;
use clap::ValueEnum;

use super::locate::{Accept, LocateError, locate};
use super::{Context, Exit, boxed, out, out_json, out_text};
use crate::json::Release;
use crate::lock::Lockfile;
use crate::report::diff::{self, Diff};

/// Compare two releases: what changed, what must be rebuilt and why, what is reused
///
/// Every product added, removed, re-versioned or re-committed is listed. A product is rebuilt
/// when its package identity changed, and the report says which input changed it: its own
/// source (a repository's tree), its recipe, the environment (its digest or the platform), or a
/// dependency whose identity changed (named). A product whose identity did not change is
/// reused, even at another commit or under another tag: the same tree is the same package. The
/// human and Markdown reports leave out products where nothing changed and count them; JSON has
/// every product.
///
/// A and B are release names (`w.2026.47`, or `DIST/RELEASE` when several distributions have
/// it), looked up in `locks/<DIST>/<RELEASE>.lock.yaml`, or paths to lockfiles (anything ending
/// in `.lock.yaml` or holding a path separator). Both are read and checked as `distrib verify`
/// checks them: a hand-edited lock is refused.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  distrib diff w.2026.46 w.2026.47\n  \
distrib diff lsst_distrib/w.2026.46 lsst_distrib/w.2026.47 --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n  \
distrib diff locks/O2PDPSuite/old.lock.yaml /tmp/new.lock.yaml --format json\n\n\
Exit status: 0 when both locks were read (a difference is not a failure), 1 when a release is \
unknown or a lock cannot be read or was edited, 2 on a usage error.")]
pub struct Args {
    /// The older lock: RELEASE, DIST/RELEASE, or a lockfile's path
    #[arg(value_name = "A")]
    from: String,

    /// The newer lock, in the same forms
    #[arg(value_name = "B")]
    to: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// A table on stdout
    Human,
    /// One JSON document on stdout, with every product
    Json,
    /// A Markdown section, for a pull request, a job summary or a release note
    Markdown,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let (from, to) = locate_pair(context, &args.from, &args.to).map_err(boxed)?;
    let mut diff = diff::diff(&from, &to);
    let root = crate::manifest::find_root(&context.start);
    diff.before = Release::of(&from, root);
    diff.after = Release::of(&to, root);
    match args.format {
        Format::Json => out_json(&crate::json::to_text(&diff)),
        Format::Markdown => out(&diff.markdown()),
        Format::Human => out_text(&human(&diff)),
    }
    Ok(Exit::Success)
}

/// Both locks. A bare release name that several distributions have is taken from the other
/// lock's distribution, when that one is found.
pub(super) fn locate_pair(
    context: &Context,
    a: &str,
    b: &str,
) -> Result<(Lockfile, Lockfile), LocateError> {
    let first = locate(context, a, Accept::Release, None);
    let second = locate(context, b, Accept::Release, None);
    match (first, second) {
        (Err(LocateError::Ambiguous { .. }), Ok(second)) => {
            let first = locate(context, a, Accept::Release, Some(&second.distribution))?;
            Ok((first, second))
        }
        (Ok(first), Err(LocateError::Ambiguous { .. })) => {
            let second = locate(context, b, Accept::Release, Some(&first.distribution))?;
            Ok((first, second))
        }
        (first, second) => Ok((first?, second?)),
    }
}

/// The terminal report: title, environment, a table of the products that changed, counts.
fn human(diff: &Diff) -> String {
    let plain = |s: &str| s.to_owned();
    let mut text = format!(
        "{}\n{}\n\n",
        diff.title(plain, "->"),
        diff.environment_line(plain, "->")
    );
    let changed = diff.changed();
    if changed.is_empty() {
        text.push_str("no product changed\n");
    } else {
        let mut rows = vec![
            ["product", "status", "version", "commit", "reason"]
                .map(String::from)
                .to_vec(),
        ];
        for change in changed {
            rows.push(vec![
                change.name.clone(),
                change.status.as_str().to_owned(),
                diff::versions(change, plain, "->"),
                diff::commits(change, plain, "->"),
                diff::note(change, plain),
            ]);
        }
        text.push_str(&super::list::table(&rows));
    }
    text.push('\n');
    text.push_str(&diff.summary_line());
    text.push('\n');
    text
}
