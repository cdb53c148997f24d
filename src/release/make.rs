//! Making a candidate, a final or a patch: what it starts from (DMTN-106's table, [`decide`],
//! a pure function of the lock history), then the lock, as `lock::make` makes one. Each step is
//! prepared first (the request checked, `locks/` held, the history read), so that the caller
//! can pass the step's gate before anything is resolved or written.

use std::collections::BTreeMap;

use super::{ReleaseError, Version};
use crate::lock::history::{Guard, History};
use crate::lock::make::{self, Fetch, Made, MakeError, Mode, Outcome, Sources};
use crate::lock::{Lockfile, ReleaseKind};
use crate::naming::DateTime;
use crate::progress::Progress;
use crate::resolve::{Inherited, Options, Plan};
use crate::workspace::Workspace;

/// Why no release was made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Make(#[from] MakeError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Release(#[from] ReleaseError),
}

impl Error {
    /// Whether the request itself is wrong, rather than what it was run on.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Make(error) => error.is_usage(),
            Error::Release(error) => matches!(
                error,
                ReleaseError::NotSemver { .. }
                    | ReleaseError::NotAPatch { .. }
                    | ReleaseError::FromIgnored { .. }
                    | ReleaseError::PatchFromWeekly { .. }
                    | ReleaseError::NoFrom { .. }
            ),
        }
    }
}

/// What a candidate starts from, by DMTN-106 §4.4, §4.8 and §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision<'h> {
    /// The release whose commits it inherits: the `--from` lock (rc1), the previous candidate
    /// (rcN), or the final it patches.
    pub start: &'h Lockfile,
    pub rc: u32,
    pub kind: ReleaseKind,
    /// Whether each repository is taken from the release branch where it has one, before the
    /// inherited commit (rcN and patches; rc1 pins its start exactly).
    pub branch: bool,
    /// The gate the start must have passed: `candidate` for rc1, `patch` for a patch's first
    /// candidate, none for later candidates.
    pub gate: Option<&'static str>,
}

/// Decides what the next candidate of `version` starts from. `patch` says the request is
/// `release patch` (the first candidate of `M.n.p`, p > 0); `from` is the release an rc1 is
/// cut from.
pub fn decide<'h>(
    history: &'h History,
    distribution: &str,
    version: Version,
    patch: bool,
    from: Option<&str>,
) -> Result<Decision<'h>, ReleaseError> {
    if patch && version.patch == 0 {
        return Err(ReleaseError::NotAPatch { version });
    }
    if let Some(done) = super::final_of(history, distribution, version) {
        return Err(ReleaseError::Finalized {
            next: super::next_patch(history, distribution, version),
            distribution: distribution.to_owned(),
            version,
            release: done.release.clone(),
        });
    }
    let kind = if version.patch > 0 {
        ReleaseKind::Patch
    } else {
        ReleaseKind::Candidate
    };
    let existing = super::candidates(history, distribution, version);
    let (start, rc, branch) = match (existing.last(), version.previous()) {
        (Some(newest), _) => {
            if from.is_some() {
                return Err(ReleaseError::FromIgnored {
                    version,
                    newest: newest.release.clone(),
                });
            }
            (*newest, newest.rc.unwrap_or(1).saturating_add(1), true)
        }
        (None, Some(base)) => {
            if !patch {
                return Err(ReleaseError::PatchFromWeekly {
                    distribution: distribution.to_owned(),
                    version,
                    base,
                });
            }
            let Some(base_final) = super::final_of(history, distribution, base) else {
                return Err(ReleaseError::NoBase {
                    distribution: distribution.to_owned(),
                    version,
                    base,
                });
            };
            (base_final, 1, true)
        }
        (None, None) => {
            let Some(from) = from else {
                return Err(ReleaseError::NoFrom {
                    distribution: distribution.to_owned(),
                    version,
                });
            };
            (
                super::starting_point(history, distribution, from)?,
                1,
                false,
            )
        }
    };
    let gate = (rc == 1).then_some(if patch { "patch" } else { "candidate" });
    Ok(Decision {
        start,
        rc,
        kind,
        branch,
        gate,
    })
}

/// A candidate to make: `release candidate`, or `release patch`.
#[derive(Clone, Debug)]
pub struct CandidateRequest {
    pub distribution: String,
    /// Semver `M.n.p`.
    pub version: String,
    /// The release an rc1 is cut from.
    pub from: Option<String>,
    /// `release patch`: the first candidate of a patch version.
    pub patch: bool,
    pub date: Option<DateTime>,
    pub variables: Vec<(String, String)>,
    pub overrides: Vec<(String, String)>,
    pub platform: Option<String>,
    pub fetch: Fetch,
    /// Give the lock's text, write nothing.
    pub dry_run: bool,
}

/// The gate a step must pass before it goes on: every check of `checks` must have a passing
/// record for `lock` (the `records` module says which are missing).
pub struct Gate<'a> {
    pub step: &'static str,
    pub lock: &'a Lockfile,
    pub checks: Vec<String>,
}

/// A candidate whose start is decided, with `locks/` held until it is made.
pub struct Candidate<'w> {
    workspace: &'w Workspace,
    request: CandidateRequest,
    version: Version,
    variables: BTreeMap<String, String>,
    sources: Sources,
    history: History,
    start: Lockfile,
    rc: u32,
    kind: ReleaseKind,
    branch: Option<String>,
    gate: Option<(&'static str, Vec<String>)>,
    _guard: Option<Guard>,
}

fn mode(dry_run: bool) -> Mode {
    if dry_run { Mode::DryRun } else { Mode::Write }
}

/// Checks the request, holds `locks/` and decides what the candidate starts from.
pub fn candidate<'w>(
    workspace: &'w Workspace,
    request: CandidateRequest,
) -> Result<Candidate<'w>, Error> {
    let version = Version::parse(&request.version)?;
    if request.patch && version.patch == 0 {
        return Err(ReleaseError::NotAPatch { version }.into());
    }
    let manifest = crate::resolve::find_distribution(&workspace.manifests, &request.distribution)
        .map_err(MakeError::Plan)?;
    let distribution = manifest.name.value.clone();
    if let Some(platform) = &request.platform {
        make::check_platform(manifest, platform)?;
    }
    let (variables, sources) = make::variables(workspace, manifest, &request.variables)?;
    // The candidate number comes from the locks: one writer at a time from here on.
    let guard = make::writers_lock(workspace, &mode(request.dry_run))?;
    let history = History::read(&workspace.root).map_err(MakeError::History)?;
    let decision = decide(
        &history,
        &distribution,
        version,
        request.patch,
        request.from.as_deref(),
    )?;
    let branch = if decision.branch {
        Some(branch_name(manifest, version, &variables)?)
    } else {
        None
    };
    let gate = decision.gate.map(|step| (step, manifest.gates.of(step)));
    let (start, rc, kind) = (decision.start.clone(), decision.rc, decision.kind);
    Ok(Candidate {
        workspace,
        request,
        version,
        variables,
        sources,
        history,
        start,
        rc,
        kind,
        branch,
        gate,
        _guard: guard,
    })
}

impl Candidate<'_> {
    /// DMTN-106 §4.4: the release a first candidate is cut from must have passed its checks
    /// (`gates: { candidate: [...] }`); a patch's, the final it patches (`gates: { patch }`).
    pub fn gate(&self) -> Option<Gate<'_>> {
        let (step, checks) = self.gate.as_ref()?;
        Some(Gate {
            step,
            lock: &self.start,
            checks: checks.clone(),
        })
    }

    /// Resolves and writes the candidate (or gives its text, for a dry run).
    pub fn make(self, progress: &mut dyn Progress) -> Result<Made, Error> {
        let workspace = self.workspace;
        let request = &self.request;
        let start = &self.start;
        let (version, rc, kind) = (self.version, self.rc, self.kind);
        let mode = mode(request.dry_run);
        let inherited = Inherited::from_lock(start);
        // A candidate is built for the platform of what it is made from, unless told otherwise.
        let platform = request
            .platform
            .clone()
            .unwrap_or_else(|| start.platform.clone());
        let plan = Plan::new(&workspace.manifests, &request.distribution, &platform)
            .map_err(MakeError::Plan)?;
        let overrides = make::overrides(&plan, &request.overrides)?;
        // And with the build inputs of what it is made from, unless `--var` sets them.
        let mut variables = self.variables;
        let mut inputs = make::inputs(&plan, &variables);
        make::inherit_inputs(start, &request.variables, &mut variables, &mut inputs);
        let options = Options {
            platform: &platform,
            overrides: &overrides,
            inherited: &inherited,
            branch: self.branch.as_deref(),
            inputs: &inputs,
        };
        let (products, warnings) =
            make::resolve_products(workspace, &plan, &options, request.fetch, progress)?;
        let mut draft = make::draft(workspace, &plan, &self.history, kind, products, &options)?;
        let date = request.date.unwrap_or_else(DateTime::now);
        draft.release_version = Some(version.to_string());
        draft.rc = Some(rc);
        draft.from = Some(start.release.clone());
        draft.variables = variables;
        draft.sources = self.sources;
        draft.date = date.to_text();
        let extra = |key: &str| {
            version
                .value(key)
                .or_else(|| (key == "rc").then(|| rc.to_string()))
        };
        let template = make::template(&plan, kind);
        draft.release = make::release_name(&template, date, &draft, &plan, extra)?;
        draft.companions = make::companions(workspace, &plan, &draft.products, request.fetch)?;
        let mut lock = Lockfile::new(draft).map_err(MakeError::Text)?;
        lock.tags = make::tags(workspace, &lock, &plan, date, extra)?;
        let moving = super::moving_references(&lock.products, self.branch.as_deref());
        if !moving.is_empty() {
            return Err(ReleaseError::Moving {
                release: lock.release,
                moving,
                branch: self.branch,
            }
            .into());
        }
        // Nothing changed since the previous candidate: that candidate is this one.
        let existing = super::candidates(&self.history, &lock.distribution, version);
        if let Some(newest) = existing.last().filter(|c| c.content == lock.content) {
            let outcome = make::up_to_date(workspace, newest, &mode)?;
            return Ok(Made { outcome, warnings });
        }
        let outcome = immutable(workspace, &self.history, lock, &mode)?;
        Ok(Made { outcome, warnings })
    }
}

/// A final to make: `release final`.
#[derive(Clone, Debug)]
pub struct FinalRequest {
    pub distribution: String,
    pub version: String,
    pub date: Option<DateTime>,
    pub dry_run: bool,
}

/// A final whose candidate is found, with `locks/` held until it is made.
pub struct Final<'w> {
    workspace: &'w Workspace,
    request: FinalRequest,
    distribution: String,
    version: Version,
    history: History,
    candidate: Lockfile,
    gate: Option<Vec<String>>,
    _guard: Option<Guard>,
}

/// Checks the request, holds `locks/` and finds the candidate the final is.
pub fn final_<'w>(workspace: &'w Workspace, request: FinalRequest) -> Result<Final<'w>, Error> {
    let version = Version::parse(&request.version)?;
    let manifest = crate::resolve::find_distribution(&workspace.manifests, &request.distribution)
        .map_err(MakeError::Plan)?;
    let distribution = manifest.name.value.clone();
    let guard = make::writers_lock(workspace, &mode(request.dry_run))?;
    let history = History::read(&workspace.root).map_err(MakeError::History)?;
    let Some(candidate) = super::candidates(&history, &distribution, version)
        .last()
        .map(|c| (*c).clone())
    else {
        return Err(ReleaseError::NoCandidate {
            distribution,
            version,
        }
        .into());
    };
    // DMTN-106 §4.6: the candidate must have passed the validation campaign (`gates: { final }`).
    let gate = super::final_of(&history, &distribution, version)
        .is_none()
        .then(|| manifest.gates.of("final"));
    Ok(Final {
        workspace,
        request,
        distribution,
        version,
        history,
        candidate,
        gate,
        _guard: guard,
    })
}

impl Final<'_> {
    /// The gate of the final: the candidate's validation records.
    pub fn gate(&self) -> Option<Gate<'_>> {
        Some(Gate {
            step: "final",
            lock: &self.candidate,
            checks: self.gate.clone()?,
        })
    }

    /// Writes the final (or gives its text, for a dry run). DMTN-106 §4.9: the final is, in
    /// content, its last candidate: same commits, trees, identities and build.
    pub fn make(self) -> Result<Made, Error> {
        let workspace = self.workspace;
        let (version, candidate) = (self.version, &self.candidate);
        let mode = mode(self.request.dry_run);
        let date = self.request.date.unwrap_or_else(DateTime::now);
        let mut lock: Lockfile = candidate.clone();
        lock.kind = ReleaseKind::Final;
        lock.rc = None;
        lock.from = Some(candidate.release.clone());
        lock.date = date.to_text();
        lock.same_content_as = self
            .history
            .same_content(&self.distribution, &lock.content)
            .map(|l| l.release.clone());
        let plan = Plan::new(
            &workspace.manifests,
            &self.distribution,
            &candidate.platform,
        )
        .map_err(MakeError::Plan)?;
        let template = make::template(&plan, ReleaseKind::Final);
        lock.release = make::release_name(&template, date, &lock, &plan, |key| version.value(key))?;
        lock.tags = make::tags(workspace, &lock, &plan, date, |key| version.value(key))?;
        let warnings = Vec::new();
        if let Some(done) = super::final_of(&self.history, &self.distribution, version) {
            if done.content == lock.content {
                let outcome = make::up_to_date(workspace, done, &mode)?;
                return Ok(Made { outcome, warnings });
            }
            return Err(ReleaseError::Exists {
                release: done.release.clone(),
                kind: "final",
            }
            .into());
        }
        let outcome = immutable(workspace, &self.history, lock, &mode)?;
        Ok(Made { outcome, warnings })
    }
}

/// Writes `lock` unless its name is taken: the same content is a no-op that says so, other
/// content an error, since candidates and finals are never rewritten (nor renamed with the
/// time).
fn immutable(
    workspace: &Workspace,
    history: &History,
    lock: Lockfile,
    mode: &Mode,
) -> Result<Outcome, Error> {
    let Some(taken) = history.find(&lock.distribution, &lock.release) else {
        return Ok(make::write(workspace, lock, mode)?);
    };
    if taken.content == lock.content {
        return Ok(make::up_to_date(workspace, taken, mode)?);
    }
    Err(ReleaseError::Exists {
        release: taken.release.clone(),
        kind: taken.kind.as_str(),
    }
    .into())
}

/// The release branch of a version: the `branch` template, default `b.{major}.{minor}.x`, with
/// the version's numbers and the distribution's variables.
pub fn branch_name(
    distribution: &crate::manifest::model::Distribution,
    version: Version,
    variables: &BTreeMap<String, String>,
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
