//! `distrib record`: append a check's result to a release's records; and what every gated step
//! (`release candidate|final|patch`, `tag`, `deploy set-default`) is given for its gate, and
//! says when it went on through it.

use super::{CommandError, CommandResult};

use super::lock::parse_date;
use super::{Context, Exit, boxed, err, out_json};
use crate::manifest::{self, Origin};
use crate::naming::DateTime;
use crate::records::{self, Entry, Outcome};

/// Record the result of a check of a release: a build, a Full System Test, a workout, a
/// validation campaign
///
/// The entry is appended to `records/<distribution>/<release>.yaml` with the digest of the
/// release's lock, and is never rewritten: `verify` reports an edited entry, and an entry of
/// other content than the lock. A distribution's `gates:` name the checks a step requires.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib record w.2026.47 build --result pass --url https://ci.example.org/b/8467\n  \
distrib record O2PDPSuite/O2PDPSuite-epn-20261119 fst --result fail --by FST --note \"TPC timeouts\""
)]
pub struct Args {
    /// The release: `RELEASE`, or `DIST/RELEASE` when several distributions have a release of
    /// that name
    release: String,

    /// The check: letters, digits and `._-` (`build`, `fst`, `workout`, `validation`)
    check: String,

    /// What the check said
    #[arg(long, value_enum)]
    result: Result,

    /// The release's distribution, when several have a release of that name (as
    /// `DIST/RELEASE` says it)
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

    /// `human`: a line on stderr; `json`: the `distrib-record/1` document on stdout
    #[arg(long, value_enum, default_value_t = super::lock::Format::Human)]
    format: super::lock::Format,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Result {
    Pass,
    Fail,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let opened = manifest::open(&context.start, None).map_err(boxed)?;
    let Origin::WorkTree(root) = &opened.origin else {
        return Ok(Exit::Failure);
    };
    let request = records::Request {
        release: args.release.clone(),
        distribution: args.distribution.clone(),
        entry: Entry {
            check: args.check.clone(),
            result: match args.result {
                Result::Pass => Outcome::Pass,
                Result::Fail => Outcome::Fail,
            },
            date: args.date.unwrap_or_else(DateTime::now).to_text(),
            by: args.by.clone(),
            url: args.url.clone(),
            note: args.note.clone(),
        },
    };
    let recorded = records::record(root, request).map_err(command_error)?;
    if args.format == super::lock::Format::Json {
        out_json(&crate::json::to_text(&recorded.document(root)));
        return Ok(Exit::Success);
    }
    err(&format!(
        "recorded `{}` {} for `{}` in `{}`\n",
        recorded.record.check,
        recorded.record.result.as_str(),
        recorded.lock.release,
        crate::json::relative(root, &recorded.path)
    ));
    Ok(Exit::Success)
}

/// A record's failure, of the kind its cause is.
fn command_error(error: records::RecordFailure) -> CommandError {
    if error.is_usage() {
        CommandError::usage(error)
    } else {
        CommandError::user(error)
    }
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

impl GateArgs {
    /// The override given: its reason, who gives it (`--by`, else `$USER`), and now.
    pub(super) fn given(&self) -> Option<records::Override> {
        let by = self
            .by
            .clone()
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()));
        self.override_gate.as_ref().map(|reason| records::Override {
            reason: reason.clone(),
            by,
            date: DateTime::now().to_text(),
        })
    }
}

/// Says that a step went on through its closed gate, when that was recorded (a dry run records
/// nothing, and says nothing).
pub(super) fn warn(context: &Context, passed: &records::Passed) {
    if let records::Passed::Overridden(overridden) = passed
        && overridden.recorded
    {
        context.warn(overridden);
    }
}
