//! Making a candidate, a final or a patch: what it starts from (DMTN-106's table,
//! [`decide`], a pure function of the lock history), then the lock, as `lock::make` makes one.
//! Each step is prepared first (the request checked, `locks/` held, the history read), and its
//! gate passed, before anything is resolved or written.

use std::collections::BTreeMap;

use super::{ReleaseError, Version};
use crate::lock::history::{Guard, History};
use crate::lock::make::{self, Fetch, Fetcher, Made, MakeError, Mode, Outcome, Sources};
use crate::lock::{Lockfile, ReleaseKind};
use crate::naming::DateTime;
use crate::progress::Progress;
use crate::records::{self, Override, Passed, RecordFailure};
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
    /// The step's gate is closed (or its override could not be recorded).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Gate(#[from] RecordFailure),
}

impl Error {
    /// Whether the request itself is wrong, rather than what it was run on.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Make(error) => error.is_usage(),
            Error::Gate(error) => error.is_usage(),
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
    /// The override given for a closed gate.
    pub gate: Option<Override>,
}

/// What `release` makes: a candidate (or a patch's first one), or a final.
#[derive(Clone, Debug)]
pub enum Request {
    Candidate(CandidateRequest),
    Final(FinalRequest),
}

/// A step prepared: the request checked, `locks/` held until it is made, the history read and
/// what the release starts from decided. Its gate is passed next ([`Step::pass`]).
pub enum Step<'w> {
    Candidate(Candidate<'w>),
    Final(Final<'w>),
}

/// A step whose gate is passed (or that has none): what is left is to make it.
pub struct Cleared<'w>(Step<'w>);

/// Checks `request`, holds `locks/` and decides what the release starts from.
pub fn prepare(workspace: &Workspace, request: Request) -> Result<Step<'_>, Error> {
    Ok(match request {
        Request::Candidate(request) => Step::Candidate(candidate(workspace, request)?),
        Request::Final(request) => Step::Final(final_(workspace, request)?),
    })
}

impl<'w> Step<'w> {
    /// Passes the step's gate, or goes on through it with the request's override (recorded,
    /// unless a dry run); closed, the step is refused. `None`: the step has no gate (a
    /// candidate after rc1, a final made again).
    pub fn pass(self) -> Result<(Cleared<'w>, Option<Passed>), Error> {
        let (workspace, gate, given, dry_run) = match &self {
            Step::Candidate(c) => (c.workspace, c.gate(), &c.request.gate, c.request.dry_run),
            Step::Final(f) => (f.workspace, f.gate(), &f.request.gate, f.request.dry_run),
        };
        let passed = gate
            .map(|g| {
                records::pass_gate(
                    &workspace.root,
                    g.step,
                    g.lock,
                    &g.checks,
                    given.as_ref(),
                    dry_run,
                )
            })
            .transpose()?;
        Ok((Cleared(self), passed))
    }
}

impl Cleared<'_> {
    /// Resolves and writes the release (or gives its text, for a dry run).
    pub fn make(self, progress: &dyn Progress) -> Result<Made, Error> {
        match self.0 {
            Step::Candidate(candidate) => candidate.make(progress),
            Step::Final(final_) => final_.make(),
        }
    }
}

/// The gate a step must pass before it goes on: every check of `checks` must have a passing
/// record for `lock` (the `records` module says which are missing).
struct Gate<'a> {
    step: &'static str,
    lock: &'a Lockfile,
    checks: Vec<String>,
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
fn candidate<'w>(
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
    fn gate(&self) -> Option<Gate<'_>> {
        let (step, checks) = self.gate.as_ref()?;
        Some(Gate {
            step,
            lock: &self.start,
            checks: checks.clone(),
        })
    }

    /// Resolves and writes the candidate (or gives its text, for a dry run).
    fn make(self, progress: &dyn Progress) -> Result<Made, Error> {
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
        let overrides = make::overrides(&workspace.manifests, &plan, &request.overrides)?;
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
        let mut fetcher = Fetcher::new(request.fetch, progress);
        let (products, warnings) =
            make::resolve_products(workspace, &plan, &options, &mut fetcher)?;
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
        let lock = make::seal(workspace, &plan, draft, date, extra, &mut fetcher)?;
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
            return Ok(Made {
                outcome,
                warnings,
                fetched: fetcher.fetched,
            });
        }
        let outcome = immutable(workspace, &self.history, lock, &mode)?;
        Ok(Made {
            outcome,
            warnings,
            fetched: fetcher.fetched,
        })
    }
}

/// A final to make: `release final`.
#[derive(Clone, Debug)]
pub struct FinalRequest {
    pub distribution: String,
    pub version: String,
    pub date: Option<DateTime>,
    pub dry_run: bool,
    /// The override given for a closed `final` gate.
    pub gate: Option<Override>,
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
fn final_<'w>(workspace: &'w Workspace, request: FinalRequest) -> Result<Final<'w>, Error> {
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
    fn gate(&self) -> Option<Gate<'_>> {
        Some(Gate {
            step: "final",
            lock: &self.candidate,
            checks: self.gate.clone()?,
        })
    }

    /// Writes the final (or gives its text, for a dry run). DMTN-106 §4.9: the final is, in
    /// content, its last candidate: same commits, trees, identities and build.
    fn make(self) -> Result<Made, Error> {
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
        make::name_tags(workspace, &mut lock, &plan, date, |key| version.value(key))?;
        let warnings = Vec::new();
        if let Some(done) = super::final_of(&self.history, &self.distribution, version) {
            if done.content == lock.content {
                let outcome = make::up_to_date(workspace, done, &mode)?;
                return Ok(Made {
                    outcome,
                    warnings,
                    fetched: Vec::new(),
                });
            }
            return Err(ReleaseError::Exists {
                release: done.release.clone(),
                kind: "final",
            }
            .into());
        }
        let outcome = immutable(workspace, &self.history, lock, &mode)?;
        Ok(Made {
            outcome,
            warnings,
            fetched: Vec::new(),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::tests::sample;
    use std::path::PathBuf;

    const DIST: &str = "lsst_distrib";

    /// A lock of the sample's products: a weekly, or a candidate, final or patch of `version`.
    fn lock(release: &str, kind: ReleaseKind, version: Option<&str>, rc: Option<u32>) -> Lockfile {
        let mut lock = sample();
        lock.release = release.into();
        lock.kind = kind;
        lock.release_version = version.map(str::to_owned);
        lock.rc = rc;
        lock
    }

    fn history(locks: Vec<Lockfile>) -> History {
        History {
            locks: locks
                .into_iter()
                .map(|l| {
                    (
                        PathBuf::from(format!("locks/{DIST}/{}.lock.yaml", l.release)),
                        l,
                    )
                })
                .collect(),
        }
    }

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn weekly() -> Lockfile {
        lock("w.2026.47", ReleaseKind::Weekly, None, None)
    }

    fn rc(n: u32) -> Lockfile {
        let mut lock = lock(
            &format!("17.0.0.rc{n}"),
            ReleaseKind::Candidate,
            Some("17.0.0"),
            Some(n),
        );
        // Each candidate is at its own commit of utils, so which one a decision starts from
        // shows in what the next one inherits.
        lock.products[0].repositories[0].commit = n.to_string().repeat(40);
        lock
    }

    fn final_17() -> Lockfile {
        lock("17.0.0", ReleaseKind::Final, Some("17.0.0"), None)
    }

    #[test]
    fn rc1_pins_the_weekly_it_is_cut_from_and_passes_the_candidate_gate() {
        let history = history(vec![weekly()]);
        let decision = decide(&history, DIST, v("17.0.0"), false, Some("w.2026.47")).unwrap();
        assert_eq!(decision.start.release, "w.2026.47");
        assert_eq!(
            (decision.rc, decision.kind, decision.branch, decision.gate),
            (1, ReleaseKind::Candidate, false, Some("candidate"))
        );
    }

    #[test]
    fn rc1_needs_a_release_to_start_from_and_one_that_follows_the_manifests() {
        let history = history(vec![weekly(), final_17()]);
        let error = decide(&history, DIST, v("18.0.0"), false, None).unwrap_err();
        assert!(matches!(error, ReleaseError::NoFrom { .. }), "{error}");
        let error = decide(&history, DIST, v("18.0.0"), false, Some("17.0.0")).unwrap_err();
        assert!(matches!(error, ReleaseError::FromKind { .. }), "{error}");
        let error = decide(&history, DIST, v("18.0.0"), false, Some("w.2026.99")).unwrap_err();
        assert!(
            matches!(error, ReleaseError::UnknownRelease { .. }),
            "{error}"
        );
    }

    #[test]
    fn rc_n_starts_from_the_newest_candidate_and_the_release_branch_without_a_gate() {
        let history = history(vec![weekly(), rc(2), rc(1)]);
        let decision = decide(&history, DIST, v("17.0.0"), false, None).unwrap();
        assert_eq!(decision.start.release, "17.0.0.rc2");
        assert_eq!(
            (decision.rc, decision.branch, decision.gate),
            (3, true, None)
        );
        // What rc3 inherits where the release branch does not reach: rc2's commits.
        let inherited = Inherited::from_lock(decision.start);
        let utils = &inherited["utils"];
        assert_eq!(
            utils.commits.values().next().map(String::as_str),
            Some("2".repeat(40).as_str())
        );
    }

    #[test]
    fn rc_n_refuses_a_from_it_would_ignore() {
        let history = history(vec![weekly(), rc(1)]);
        let error = decide(&history, DIST, v("17.0.0"), false, Some("w.2026.47")).unwrap_err();
        assert!(
            matches!(&error, ReleaseError::FromIgnored { newest, .. } if newest == "17.0.0.rc1"),
            "{error}"
        );
    }

    #[test]
    fn a_released_version_takes_no_more_candidates_and_names_the_next_patch() {
        let history = history(vec![weekly(), rc(1), final_17()]);
        let error = decide(&history, DIST, v("17.0.0"), false, None).unwrap_err();
        match error {
            ReleaseError::Finalized { next, release, .. } => {
                assert_eq!((next, release.as_str()), (v("17.0.1"), "17.0.0"));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_patch_starts_from_the_final_it_patches_and_the_release_branch() {
        let history = history(vec![weekly(), rc(1), final_17()]);
        let decision = decide(&history, DIST, v("17.0.1"), true, None).unwrap();
        assert_eq!(decision.start.release, "17.0.0");
        assert_eq!(
            (decision.rc, decision.kind, decision.branch, decision.gate),
            (1, ReleaseKind::Patch, true, Some("patch"))
        );
        // Its second candidate starts from its first, like any rcN.
        let mut first = lock("17.0.1.rc1", ReleaseKind::Patch, Some("17.0.1"), Some(1));
        first.from = Some("17.0.0".into());
        let history = self::history(vec![weekly(), rc(1), final_17(), first]);
        let decision = decide(&history, DIST, v("17.0.1"), false, None).unwrap();
        assert_eq!(
            (decision.start.release.as_str(), decision.rc, decision.kind),
            ("17.0.1.rc1", 2, ReleaseKind::Patch)
        );
    }

    #[test]
    fn a_patch_needs_the_final_before_it_and_a_patch_version() {
        let history = history(vec![weekly()]);
        let error = decide(&history, DIST, v("17.0.1"), true, None).unwrap_err();
        assert!(matches!(error, ReleaseError::NoBase { .. }), "{error}");
        let error = decide(&history, DIST, v("17.0.1"), false, Some("w.2026.47")).unwrap_err();
        assert!(
            matches!(error, ReleaseError::PatchFromWeekly { .. }),
            "{error}"
        );
        let error = decide(&history, DIST, v("17.0.0"), true, None).unwrap_err();
        assert!(matches!(error, ReleaseError::NotAPatch { .. }), "{error}");
    }

    #[test]
    fn other_distributions_releases_are_not_this_ones_history() {
        let mut other = rc(1);
        other.distribution = "other".into();
        let history = history(vec![weekly(), other]);
        let decision = decide(&history, DIST, v("17.0.0"), false, Some("w.2026.47")).unwrap();
        assert_eq!(
            (decision.start.release.as_str(), decision.rc),
            ("w.2026.47", 1)
        );
    }

    /// `dist` gates a first candidate on a `build` record; the weekly `w.2026.47` is locked.
    fn gated() -> (tempfile::TempDir, Workspace) {
        crate::records::tests::gated_release("gates:\n  candidate: [build]\n", &[])
    }

    fn rc1(dry_run: bool, gate: Option<Override>) -> Request {
        Request::Candidate(CandidateRequest {
            distribution: "dist".into(),
            version: "1.0.0".into(),
            from: Some("w.2026.47".into()),
            patch: false,
            date: None,
            variables: Vec::new(),
            overrides: Vec::new(),
            platform: None,
            fetch: Fetch {
                offline: true,
                jobs: None,
            },
            dry_run,
            gate,
        })
    }

    #[test]
    fn a_step_passes_its_gate_before_anything_is_made_or_goes_on_through_an_override() {
        let (_dir, workspace) = gated();
        let step = prepare(&workspace, rc1(true, None)).unwrap();
        assert!(matches!(
            step.pass(),
            Err(Error::Gate(RecordFailure::Gate { step, release, .. }))
                if step == "candidate" && release == "w.2026.47"
        ));
        let given = Override {
            reason: "the build farm is down".into(),
            by: Some("ops".into()),
            date: "2026-11-21T10:00".into(),
        };
        // A dry run goes on, and records nothing.
        let step = prepare(&workspace, rc1(true, Some(given.clone()))).unwrap();
        let (_, passed) = step.pass().unwrap();
        let Some(Passed::Overridden(overridden)) = passed else {
            panic!("overridden: {passed:?}")
        };
        assert_eq!(
            (overridden.step.as_str(), overridden.recorded),
            ("candidate", false)
        );
        assert!(
            overridden.missing[0].starts_with("`build`"),
            "{overridden:?}"
        );
        let records = crate::records::read(&workspace.root, "dist", "w.2026.47").unwrap();
        assert!(records.is_none());
        // A real run records the override on the release the candidate is cut from.
        let step = prepare(&workspace, rc1(false, Some(given))).unwrap();
        let (_, passed) = step.pass().unwrap();
        assert!(matches!(passed, Some(Passed::Overridden(o)) if o.recorded));
        let records = crate::records::read(&workspace.root, "dist", "w.2026.47")
            .unwrap()
            .unwrap();
        assert_eq!(
            records.records[0].result,
            crate::records::Outcome::Overridden
        );
    }
}
