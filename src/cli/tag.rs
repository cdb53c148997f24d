//! `distrib tag`: put the tags a release's lock records in every repository of the release.
//! The engine here (pre-flight, create, push, report) is shared with `distrib branch`.

use super::CommandResult;
use std::sync::Mutex;

use super::locate::{Accept, locate};
use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, err, out_json, out_text};
use crate::lock::Lockfile;
use crate::progress::{Finished, Progress};
use crate::tag::{self, End, Mode, Refs};

/// Tag every repository of a release, as its lock records (DMTN-106 §2.5, §4.2, §4.4, §4.9)
///
/// Pre-flight first: every origin's tag is read (in parallel) and each repository is classified
/// as to create, in sync (the tag is there, on the recorded commit), conflicting (the tag is
/// there, on another commit) or unreachable. Every problem is reported before anything is
/// written, and a conflict stops the run unless --force. Then annotated tags are created in the
/// mirrors and, with --push, pushed with `git push --atomic`, one repository at a time per job.
/// Running it again finishes what a failed run left: repositories already tagged are in sync.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib tag w.2026.47 --dry-run\n  distrib tag 29.0.0.rc1 --push\n  distrib tag 29.0.0 --verify"
)]
pub struct Args {
    /// The release: `DIST/RELEASE`, a release name, or a lockfile's path
    release: String,

    #[command(flatten)]
    run: RunArgs,

    /// Move a tag that exists on another commit (a conflict stops the run without it)
    #[arg(long)]
    force: bool,

    /// Exit 1 unless every repository has the release's tag on the recorded commit (for CI
    /// after a release); writes nothing
    #[arg(long, conflicts_with_all = ["dry_run", "push", "force"])]
    verify: bool,

    #[command(flatten)]
    gate: super::record::GateArgs,
}

/// What `tag` and `branch` share.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Push the new refs to the origins (without it they are made in the mirrors only)
    #[arg(long)]
    pub push: bool,

    /// Print the plan, write nothing
    #[arg(long, conflicts_with = "push")]
    pub dry_run: bool,

    /// Repositories read and pushed at once [default: the number of CPUs]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// `human`: one line per repository; `json`: the plan or the outcome per repository
    #[arg(long, value_enum, default_value_t = super::lock::Format::Human)]
    pub format: super::lock::Format,

    #[command(flatten)]
    pub mirrors: MirrorArgs,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.run.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let lock = locate(context, &args.release, Accept::Release, None).map_err(super::boxed)?;
    let mode = if args.verify {
        Mode::Verify
    } else {
        args.run.mode(args.force)
    };
    let refs = Refs::Tags {
        gate: args.gate.given(),
    };
    execute(context, workspace, lock, refs, mode, &args.run)
}

impl RunArgs {
    /// What the flags ask: a dry run, or writing (and pushing with --push).
    pub fn mode(&self, force: bool) -> Mode {
        if self.dry_run {
            Mode::DryRun
        } else {
            Mode::Write {
                push: self.push,
                force,
            }
        }
    }
}

/// Runs [`tag::prepare`] and [`tag::Prepared::execute`] and renders them: a line per repository (or the JSON document) on
/// stdout, the problems as diagnostics and how the run ended on stderr. Shared with
/// `distrib branch`.
pub(super) fn execute(
    context: &Context,
    workspace: &Workspace,
    lock: Lockfile,
    refs: Refs,
    mode: Mode,
    run: &RunArgs,
) -> CommandResult {
    let request = tag::ReleaseRequest {
        lock,
        refs,
        mode,
        jobs: run.jobs,
    };
    let prepared = tag::prepare(workspace, &request).map_err(super::boxed)?;
    // Said before anything is pushed: the override is recorded whatever the run does.
    if let Some(passed) = &prepared.gate {
        super::record::warn(context, passed);
    }
    let execution = prepared
        .execute(&workspace.root, &Bar::default())
        .map_err(super::boxed)?;
    let lock = &request.lock;
    if run.format == super::lock::Format::Json {
        let document = execution.document(crate::json::Release::of(lock, Some(&workspace.root)));
        out_json(&crate::json::to_text(&document));
        return Ok(if execution.succeeded() {
            Exit::Success
        } else {
            Exit::Failure
        });
    }
    out_text(&lines(&execution));
    for problem in execution.problems() {
        err(&format!("{}\n", context.render_error(&problem)));
    }
    let release = format!("{}/{}", lock.distribution, lock.release);
    match tag::end(&execution, &release).map_err(super::boxed)? {
        End::Verified(in_sync) => err(&format!("{in_sync}\n")),
        End::Planned { summary, blocked } => {
            err(&format!("plan: {summary}; nothing was written\n"));
            if blocked {
                return Ok(Exit::Failure);
            }
        }
        End::Written(tally) => err(&format!("{tally}\n")),
    }
    Ok(Exit::Success)
}

/// One line per repository: what became of it (or its pre-flight state), the ref, the commit,
/// the URL.
fn lines(execution: &tag::Execution) -> String {
    let mut text = String::new();
    for outcome in &execution.repositories {
        let shown = match &outcome.written {
            Some(Ok(written)) => written.as_str(),
            Some(Err(_)) => "failed",
            None => outcome.state.as_str(),
        };
        let commit = &outcome.item.commit;
        text.push_str(&format!(
            "{shown:<11} {} {} {}\n",
            outcome.item.name(),
            &commit[..commit.len().min(12)],
            crate::url::redact(&outcome.item.url)
        ));
    }
    text
}

/// The progress line of the pre-flight and the pushes, on a terminal.
#[derive(Default)]
struct Bar(Mutex<Option<indicatif::ProgressBar>>);

impl Progress for Bar {
    fn begin(&self, what: &str, total: usize) {
        use std::io::IsTerminal;
        if super::verbosity() == super::Verbosity::Quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix:>9} [{bar:30}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(what.to_owned());
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn finished(&self, _index: usize, _name: &str, _finished: Finished<'_>) {
        if let Some(bar) = &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.inc(1);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
