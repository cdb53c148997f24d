//! `distrib release candidate|final|patch`: the steps of DMTN-106 §4 and §5, each one command
//! that enforces what the procedure states and records where the release came from.

use super::CommandResult;
use super::lock::{self, LockArgs, Output, fail, usage};
use super::record::{self, GateArgs};
use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit};
use crate::lock::history::History;
use crate::lock::{Lockfile, ReleaseKind};
use crate::naming::DateTime;
use crate::release::{self, ReleaseError, Version};
use crate::resolve::{Inherited, Options, Plan};

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
    let result = match &args.step {
        Step::Candidate(a) => {
            let request = Request {
                distribution: &a.distribution,
                version: &a.version,
                from: a.from.as_deref(),
                patch: false,
                lock: &a.lock,
                gate: &a.gate,
            };
            candidate(context, &workspace, &request)
        }
        Step::Patch(a) => {
            let request = Request {
                distribution: &a.distribution,
                version: &a.version,
                from: None,
                patch: true,
                lock: &a.lock,
                gate: &a.gate,
            };
            candidate(context, &workspace, &request)
        }
        Step::Final(a) => finalize(context, &workspace, a),
    };
    match result {
        Ok(exit) | Err(exit) => Ok(exit),
    }
}

/// A candidate to make: by `release candidate`, or by `release patch`.
struct Request<'a> {
    distribution: &'a str,
    version: &'a str,
    from: Option<&'a str>,
    patch: bool,
    lock: &'a LockArgs,
    gate: &'a GateArgs,
}

fn candidate(context: &Context, workspace: &Workspace, request: &Request) -> Result<Exit, Exit> {
    let version = Version::parse(request.version).map_err(|e| usage(context, e))?;
    if request.patch && version.patch == 0 {
        return Err(usage(context, ReleaseError::NotAPatch { version }));
    }
    let manifest = crate::resolve::find_distribution(&workspace.manifests, request.distribution)
        .map_err(|e| fail(context, e))?;
    let distribution = manifest.name.value.clone();
    if let Some(platform) = &request.lock.platform {
        lock::check_platform(context, manifest, platform)?;
    }
    let (variables, sources) =
        lock::variables(context, workspace, manifest, &request.lock.variables)?;
    // The candidate number comes from the locks: one writer at a time from here on.
    let _guard = lock::writers_lock(context, workspace, request.lock.output)?;
    let history = History::read(&workspace.root).map_err(|e| fail(context, e))?;
    if let Some(done) = release::final_of(&history, &distribution, version) {
        return Err(fail(
            context,
            ReleaseError::Finalized {
                next: release::next_patch(&history, &distribution, version),
                distribution,
                version,
                release: done.release.clone(),
            },
        ));
    }
    let existing = release::candidates(&history, &distribution, version);
    let branch = || branch_name(manifest, version, &variables).map_err(|e| fail(context, e));
    // DMTN-106 §4.4, §4.8 and §5: what this candidate starts from.
    let (start, rc, branch) = match (existing.last(), version.previous()) {
        (Some(newest), _) => {
            if request.from.is_some() {
                return Err(usage(
                    context,
                    ReleaseError::FromIgnored {
                        version,
                        newest: newest.release.clone(),
                    },
                ));
            }
            (
                *newest,
                newest.rc.unwrap_or(1).saturating_add(1),
                Some(branch()?),
            )
        }
        (None, Some(base)) => {
            if !request.patch {
                return Err(usage(
                    context,
                    ReleaseError::PatchFromWeekly {
                        distribution,
                        version,
                        base,
                    },
                ));
            }
            let Some(base_final) = release::final_of(&history, &distribution, base) else {
                return Err(fail(
                    context,
                    ReleaseError::NoBase {
                        distribution,
                        version,
                        base,
                    },
                ));
            };
            (base_final, 1, Some(branch()?))
        }
        (None, None) => {
            let Some(from) = request.from else {
                return Err(usage(
                    context,
                    ReleaseError::NoFrom {
                        distribution,
                        version,
                    },
                ));
            };
            let start = release::starting_point(&history, &distribution, from)
                .map_err(|e| fail(context, e))?;
            (start, 1, None)
        }
    };
    // DMTN-106 §4.4: the release a first candidate is cut from must have passed its checks
    // (`gates: { candidate: [...] }`); a patch's, the final it patches (`gates: { patch }`).
    if rc == 1 {
        let step = if request.patch { "patch" } else { "candidate" };
        let checks = manifest.gates.of(step);
        let dry_run = request.lock.output.dry_run;
        record::gate(
            context,
            &workspace.root,
            step,
            start,
            &checks,
            request.gate,
            dry_run,
        )?;
    }
    let inherited = Inherited::from_lock(start);
    // A candidate is built for the platform of what it is made from, unless told otherwise.
    let platform = request
        .lock
        .platform
        .clone()
        .unwrap_or_else(|| start.platform.clone());
    let plan = Plan::new(&workspace.manifests, request.distribution, &platform)
        .map_err(|e| fail(context, e))?;
    let overrides = lock::overrides(context, &plan, &request.lock.overrides)?;
    // And with the build inputs of what it is made from, unless `--var` sets them.
    let mut variables = variables;
    let mut inputs = lock::inputs(&plan, &variables);
    lock::inherit_inputs(start, &request.lock.variables, &mut variables, &mut inputs);
    let options = Options {
        platform: &platform,
        overrides: &overrides,
        inherited: &inherited,
        branch: branch.as_deref(),
        inputs: &inputs,
    };
    let products = lock::resolve_products(context, workspace, &plan, &options, request.lock)?;
    let kind = if version.patch > 0 {
        ReleaseKind::Patch
    } else {
        ReleaseKind::Candidate
    };
    let mut lock = lock::new_lock(workspace, &plan, &history, kind, products, &options)
        .map_err(|e| fail(context, e))?;
    let date = request.lock.date.unwrap_or_else(DateTime::now);
    lock.release_version = Some(version.to_string());
    lock.rc = Some(rc);
    lock.from = Some(start.release.clone());
    lock.variables = variables;
    lock.sources = sources;
    lock.date = date.to_text();
    let template = lock::template(&plan, kind);
    lock.release = lock::release_name(&template, date, &lock, &plan, |key| {
        version
            .value(key)
            .or_else(|| (key == "rc").then(|| rc.to_string()))
    })
    .map_err(|e| fail(context, e))?;
    super::tag::resolve_companions(context, workspace, &plan, &mut lock, request.lock.offline)?;
    super::tag::record(context, workspace, &mut lock, &plan, date, |key| {
        version
            .value(key)
            .or_else(|| (key == "rc").then(|| rc.to_string()))
    })?;
    let moving = release::moving_references(&lock.products, branch.as_deref());
    if !moving.is_empty() {
        return Err(fail(
            context,
            ReleaseError::Moving {
                release: lock.release,
                moving,
                branch,
            },
        ));
    }
    // Nothing changed since the previous candidate: that candidate is this one.
    if let Some(newest) = existing.last().filter(|c| c.content == lock.content) {
        return lock::up_to_date(context, workspace, newest, request.lock.output);
    }
    immutable(context, workspace, &history, &lock, request.lock.output)
        .unwrap_or_else(|| lock::write(context, workspace, lock, request.lock.output))
}

fn finalize(context: &Context, workspace: &Workspace, args: &FinalArgs) -> Result<Exit, Exit> {
    let version = Version::parse(&args.version).map_err(|e| usage(context, e))?;
    let distribution = crate::resolve::find_distribution(&workspace.manifests, &args.distribution)
        .map_err(|e| fail(context, e))?
        .name
        .value
        .clone();
    let _guard = lock::writers_lock(context, workspace, args.output)?;
    let history = History::read(&workspace.root).map_err(|e| fail(context, e))?;
    let candidates = release::candidates(&history, &distribution, version);
    let Some(candidate) = candidates.last() else {
        return Err(fail(
            context,
            ReleaseError::NoCandidate {
                distribution,
                version,
            },
        ));
    };
    // DMTN-106 §4.9: the final is, in content, its last candidate: same commits, trees,
    // identities and build.
    let date = args.date.unwrap_or_else(DateTime::now);
    // DMTN-106 §4.6: the candidate must have passed the validation campaign (`gates: { final }`).
    if release::final_of(&history, &distribution, version).is_none() {
        let checks = crate::resolve::find_distribution(&workspace.manifests, &distribution)
            .map(|d| d.gates.of("final"))
            .unwrap_or_default();
        record::gate(
            context,
            &workspace.root,
            "final",
            candidate,
            &checks,
            &args.gate,
            args.output.dry_run,
        )?;
    }
    let mut lock: Lockfile = (*candidate).clone();
    lock.kind = ReleaseKind::Final;
    lock.rc = None;
    lock.from = Some(candidate.release.clone());
    lock.date = date.to_text();
    lock.same_content_as = history
        .same_content(&distribution, &lock.content)
        .map(|l| l.release.clone());
    let plan = Plan::new(&workspace.manifests, &distribution, &candidate.platform)
        .map_err(|e| fail(context, e))?;
    let template = lock::template(&plan, ReleaseKind::Final);
    lock.release = lock::release_name(&template, date, &lock, &plan, |key| version.value(key))
        .map_err(|e| fail(context, e))?;
    super::tag::record(context, workspace, &mut lock, &plan, date, |key| {
        version.value(key)
    })?;
    if let Some(done) = release::final_of(&history, &distribution, version) {
        if done.content == lock.content {
            return lock::up_to_date(context, workspace, done, args.output);
        }
        return Err(fail(
            context,
            ReleaseError::Exists {
                release: done.release.clone(),
                kind: "final",
            },
        ));
    }
    immutable(context, workspace, &history, &lock, args.output)
        .unwrap_or_else(|| lock::write(context, workspace, lock, args.output))
}

/// A release name already taken: the same content is a no-op that says so, other content an
/// error, since candidates and finals are never rewritten (and never renamed with the time).
fn immutable(
    context: &Context,
    workspace: &Workspace,
    history: &History,
    lock: &Lockfile,
    output: Output,
) -> Option<Result<Exit, Exit>> {
    let taken = history.find(&lock.distribution, &lock.release)?;
    Some(if taken.content == lock.content {
        lock::up_to_date(context, workspace, taken, output)
    } else {
        Err(fail(
            context,
            ReleaseError::Exists {
                release: taken.release.clone(),
                kind: taken.kind.as_str(),
            },
        ))
    })
}

/// The release branch of a version: the `branch` template, default `b.{major}.{minor}.x`, with
/// the version's numbers and the distribution's variables.
pub(super) fn branch_name(
    distribution: &crate::manifest::model::Distribution,
    version: Version,
    variables: &std::collections::BTreeMap<String, String>,
) -> Result<String, ReleaseError> {
    let template = distribution
        .naming
        .branch
        .as_ref()
        .map_or("b.{major}.{minor}.x", |t| t.value.as_str());
    let invalid = |name: String, reason: String| ReleaseError::Branch {
        version,
        name,
        reason,
    };
    // The branch template has no date codes (`check` says so): any date fills it.
    let epoch = DateTime {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
    };
    let name = crate::naming::expand(template, epoch, |key| {
        version.value(key).or_else(|| variables.get(key).cloned())
    })
    .map_err(|error| match error {
        crate::naming::NamingError::Name(name, why) => invalid(name, why.to_owned()),
        other => invalid(template.to_owned(), other.to_string()),
    })?;
    if !crate::git::valid_branch_name(&name) {
        return Err(invalid(name, "git refuses it as a branch name".into()));
    }
    Ok(name)
}
