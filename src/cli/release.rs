//! `distrib release candidate|final|patch`: the steps of DMTN-106 §4 and §5, each one command
//! that enforces what the procedure states and records where the release came from.

use super::lock::{self, LockArgs, Output};
use super::record::{self, GateArgs};
use super::workspace::MirrorArgs;
use super::{CommandError, CommandResult, Context, Exit};
use crate::naming::DateTime;
use crate::release::make::{self, CandidateRequest, Error, FinalRequest, Request};

/// Make a release candidate, a final release or a patch (DMTN-106 §4, §5)
///
/// A candidate or final lock is built from immutable references only (tags, commits, and the
/// release branch), records the release it was made from, and is never rewritten.
#[derive(Debug, clap::Args)]
#[command(after_help = "The cycle of a release:\n  \
distrib release candidate lsst_distrib 17.0.0 --from w.2026.47  # 17.0.0.rc1\n  \
distrib release candidate lsst_distrib 17.0.0   # 17.0.0.rc2, from b.17.0.x\n  \
distrib release final lsst_distrib 17.0.0       # 17.0.0, same build as rc2\n  \
distrib release patch lsst_distrib 17.0.1       # 17.0.1.rc1, from 17.0.0")]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(Debug, clap::Subcommand)]
enum Step {
    Candidate(CandidateArgs),
    Final(FinalArgs),
    Patch(PatchArgs),
}

/// Make the next release candidate of VERSION
///
/// The first candidate (rc1) pins exactly the commits of the --from release, a nightly, weekly
/// or manual lock. Candidate N takes each repository from the release branch (the `branch`
/// naming template, default `b.{major}.{minor}.x`) where the repository has it, else from
/// candidate N-1's commit. N comes from the existing locks.
#[derive(Debug, clap::Args)]
struct CandidateArgs {
    /// The distribution
    distribution: String,

    /// The version to release: semver `M.n.p`
    version: String,

    /// The release the first candidate starts from (a nightly, weekly or manual lock)
    #[arg(long, value_name = "RELEASE")]
    from: Option<String>,

    #[command(flatten)]
    lock: LockArgs,

    #[command(flatten)]
    gate: GateArgs,
}

/// Make the final release of VERSION from its newest candidate
///
/// The final is its candidate unchanged: every commit, tree and identity, and the build number
/// (a final is no rebuild). No mirror is read.
#[derive(Debug, clap::Args)]
struct FinalArgs {
    /// The distribution
    distribution: String,

    /// The version to release: semver `M.n.p`
    version: String,

    /// Release date and time (UTC), for the name [default: now]
    #[arg(long, value_name = "YYYY-MM-DD[THH:MM]", value_parser = lock::parse_date)]
    date: Option<DateTime>,

    #[command(flatten)]
    output: Output,

    #[command(flatten)]
    gate: GateArgs,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

/// Make the first candidate of a patch release M.n.p, from the final M.n.(p-1)
///
/// Each repository comes from the release branch `b.M.n.x` where it has one, else from the
/// commit of the final it patches. Later candidates come from `release candidate`.
#[derive(Debug, clap::Args)]
struct PatchArgs {
    /// The distribution
    distribution: String,

    /// The patch version to release: `M.n.p` with p > 0
    version: String,

    #[command(flatten)]
    lock: LockArgs,

    #[command(flatten)]
    gate: GateArgs,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let mirrors = match &args.step {
        Step::Candidate(a) => &a.lock.mirrors,
        Step::Final(a) => &a.mirrors,
        Step::Patch(a) => &a.lock.mirrors,
    };
    let Some(workspace) = super::workspace::open(context, mirrors)? else {
        return Ok(Exit::Failure);
    };
    let (request, output, distribution) = match args.step {
        Step::Candidate(a) => (
            candidate_request(
                &a.lock,
                a.distribution.clone(),
                a.version,
                a.from,
                false,
                &a.gate,
            ),
            a.lock.output,
            a.distribution,
        ),
        Step::Patch(a) => (
            candidate_request(
                &a.lock,
                a.distribution.clone(),
                a.version,
                None,
                true,
                &a.gate,
            ),
            a.lock.output,
            a.distribution,
        ),
        Step::Final(a) => (
            Request::Final(FinalRequest {
                distribution: a.distribution.clone(),
                version: a.version,
                date: a.date,
                dry_run: a.output.dry_run,
                gate: a.gate.given(),
            }),
            a.output,
            a.distribution,
        ),
    };
    let step = make::prepare(workspace, request).map_err(|e| error(context, e))?;
    let (step, gate) = step.pass().map_err(|e| error(context, e))?;
    if let Some(passed) = &gate {
        record::warn(context, passed);
    }
    let made = step
        .make(&super::fetch::progress_line())
        .map_err(|e| error(context, e))?;
    Ok(lock::render(
        context,
        workspace,
        made,
        output,
        &distribution,
        "distrib-release/1",
    ))
}

fn candidate_request(
    args: &LockArgs,
    distribution: String,
    version: String,
    from: Option<String>,
    patch: bool,
    gate: &GateArgs,
) -> Request {
    Request::Candidate(CandidateRequest {
        distribution,
        version,
        from,
        patch,
        date: args.date,
        variables: args.variables.clone(),
        overrides: args.overrides.clone(),
        platform: args.platform.clone(),
        fetch: args.fetch(),
        dry_run: args.output.dry_run,
        gate: gate.given(),
    })
}

fn error(context: &Context, error: Error) -> CommandError {
    match error {
        Error::Make(error) => lock::error(context, error),
        error if error.is_usage() => CommandError::usage(error),
        error => CommandError::user(error),
    }
}
