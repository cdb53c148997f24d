//! Making a lock: a request (the distribution, its kind and date, `--var`, `--set`, the
//! platform, the release it starts from) and a mode (write, dry run, check, pre-merge check) in,
//! a typed outcome or a typed error out. Nothing here prints; the pieces `release` shares
//! (variables, overrides, resolution, naming, tags, companions, writing) are public.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::fetch::FetchOutcome;
use crate::fsutil::IoError;
use crate::git::mirror;
use crate::identity;
use crate::lock::history::{self, History, HistoryError};
use crate::lock::{
    Draft, LockError, LockedCompanion, LockedProduct, Lockfile, ReleaseKind, VariableSource,
};
use crate::manifest::model::{Distribution, Level};
use crate::naming::{self, DateTime, NamingError};
use crate::progress::Progress;
use crate::release::{self, ReleaseError};
use crate::report::diff::{ProductChange, Status};
use crate::resolve::{self, Inherited, Options, Plan, ResolveFailure};
use crate::workspace::Workspace;

/// What to lock.
#[derive(Clone, Debug)]
pub struct Request {
    pub distribution: String,
    /// Nightly, weekly or manual (candidates, finals and patches are `release`'s).
    pub kind: ReleaseKind,
    /// For the name [default: now].
    pub date: Option<DateTime>,
    /// `--var KEY=VALUE`, in the order given.
    pub variables: Vec<(String, String)>,
    /// `--set PRODUCT=REF`.
    pub overrides: Vec<(String, String)>,
    pub platform: Option<String>,
    /// The release whose commits this lock starts from.
    pub from: Option<String>,
    pub fetch: Fetch,
    pub mode: Mode,
}

/// Whether the mirrors are brought up to date first.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fetch {
    /// Use the mirrors as they are.
    pub offline: bool,
    /// Repositories fetched at once [default: the number of cores].
    pub jobs: Option<usize>,
}

/// The fetches of mirrors made on the way to a lock: how, the caller's progress, and what each
/// fetch did (for [`Made::fetched`]).
pub struct Fetcher<'a> {
    pub fetch: Fetch,
    pub progress: &'a dyn Progress,
    pub fetched: Vec<FetchOutcome>,
}

impl<'a> Fetcher<'a> {
    pub fn new(fetch: Fetch, progress: &'a dyn Progress) -> Self {
        Self {
            fetch,
            progress,
            fetched: Vec::new(),
        }
    }
}

/// What is done with the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write it to `locks/<DIST>/<release>.lock.yaml`, atomically.
    Write,
    /// Give its text, write nothing.
    DryRun,
    /// Compare with `release` (default: the newest nightly, weekly or manual lock) instead.
    Check { release: Option<String> },
    /// The pre-merge check: hold the compared lock's commits for every product whose sources
    /// did not change since `base`, and fail only when the change cannot be locked.
    PreMerge {
        release: Option<String>,
        base: String,
    },
}

impl Mode {
    fn compared(&self) -> Option<&Option<String>> {
        match self {
            Mode::Check { release } | Mode::PreMerge { release, .. } => Some(release),
            Mode::Write | Mode::DryRun => None,
        }
    }

    /// Whether nothing is written, not even the lock that serializes writers.
    pub fn writes(&self) -> bool {
        *self == Mode::Write
    }
}

/// A lock made, and what was found on the way.
#[derive(Debug)]
pub struct Made {
    pub outcome: Outcome,
    /// Requirements that only a lock can check, unsatisfied where `rules:` says `warn`.
    pub warnings: Vec<ResolveFailure>,
    /// What each fetch of mirrors did (none when offline): for the caller to report.
    pub fetched: Vec<FetchOutcome>,
}

/// How a request ended.
#[derive(Debug)]
pub enum Outcome {
    /// The lock was written at `path`.
    Written { lock: Box<Lockfile>, path: PathBuf },
    /// The release already has this content: nothing was written.
    UpToDate { lock: Box<Lockfile>, path: PathBuf },
    /// A dry run: the text the lock would have (an existing release's, when it has this
    /// content already).
    Printed { lock: Box<Lockfile>, text: String },
    /// `--check`: the compared lock is what the manifests and mirrors give now.
    Current {
        lock: Box<Lockfile>,
        products: usize,
    },
    /// `--check`: the compared lock is stale.
    Stale {
        lock: Box<Lockfile>,
        staleness: Staleness,
    },
    /// The pre-merge check: the change can be locked.
    Lockable {
        lock: Box<Lockfile>,
        products: usize,
        base: String,
        /// The products whose sources changed since `base`, resolved anew.
        sources: Vec<String>,
        /// What a lock made now would rebuild.
        changes: Vec<ProductChange>,
    },
}

/// Why a compared lock is stale.
#[derive(Debug)]
pub struct Staleness {
    /// The lock's identities are of another version than this build's (every identity differs).
    pub identity_version: Option<Option<identity::Version>>,
    /// The products that would change, by name, then those removed.
    pub changes: Vec<ProductChange>,
}

/// Why no lock was made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MakeError {
    #[error("unknown variable `{name}` in --var")]
    #[diagnostic(
        code("variable-unknown"),
        help("declare it under `variables:` in the distribution")
    )]
    Variable { name: String },
    #[error("`--var {name}={value}` is refused: {why}")]
    #[diagnostic(
        code("release-name"),
        help(
            "a variable's value may go into release names, file names and git tags (whether or not a template uses it today): use letters, digits and `._+-`"
        )
    )]
    VariableValue {
        name: String,
        value: String,
        why: &'static str,
    },
    #[error("cannot name the release")]
    #[diagnostic(
        code("release-name"),
        help("check the distribution's `naming` template for this kind, and the --var values")
    )]
    VariableName(#[source] NamingError),
    /// A variable's `@installed:...` or `@newest:...` is not written right.
    #[error(transparent)]
    #[diagnostic(transparent)]
    SourceSyntax(ReleaseError),
    #[error("unknown product `{name}` in --set")]
    #[diagnostic(
        code("set-product-invalid"),
        help("--set names a product of the distribution's closure")
    )]
    Override { name: String },
    #[error("{} is excluded from `{distribution}`, so --set cannot give it a ref", excluded_name(.name, .product))]
    #[diagnostic(
        code("set-product-invalid"),
        help("leave it out of --set, or out of the distribution's `exclude`")
    )]
    OverrideExcluded {
        name: String,
        product: String,
        distribution: String,
    },
    #[error("`{name}` has no repository, so --set cannot give it a ref")]
    #[diagnostic(
        code("set-product-invalid"),
        help("--set names a product built from a repository")
    )]
    NoRepository { name: String },
    #[error("cannot lock for platform `{platform}`: {reason}")]
    #[diagnostic(
        code("platform-unsupported"),
        help("name one platform of the distribution's `platforms`, such as `linux-x86_64`")
    )]
    Platform { platform: String, reason: String },
    #[error("cannot name the release")]
    #[diagnostic(
        code("release-name"),
        help("check the distribution's `naming` template for this kind, and the --var values")
    )]
    Name(#[source] NamingError),
    #[error("`{release}` already exists with other content, and so does `{again}`")]
    #[diagnostic(
        code("release-exists"),
        help("pass another --date, or change the naming template")
    )]
    Taken { release: String, again: String },
    #[error("`{}` leads out of the manifest repository", folder.display())]
    #[diagnostic(
        code("symlink-escape"),
        help("locks belong in the repository: replace the link with a folder")
    )]
    Outside { folder: PathBuf },
    #[error("no lock of `{0}` to compare with")]
    #[diagnostic(
        code("lock-missing"),
        help("write one with `distrib lock {0} --kind ...`")
    )]
    NothingToCheck(String),
    #[error("cannot write the lock: {0}")]
    #[diagnostic(code("lock-write"))]
    Text(#[source] LockError),
    #[error("nothing was locked: a lock is never made from stale mirrors")]
    #[diagnostic(
        code("mirrors-stale"),
        help("{}", if *unreachable {
            "the fetch errors above say why; pass --offline to use the mirrors as they are"
        } else {
            "the fetch errors above say why"
        })
    )]
    StaleMirrors {
        /// Every failure was an origin that could not be read: the mirrors as they are can
        /// still be used on purpose.
        unreachable: bool,
        /// The fetch that failed, with its failures: for the caller to report first.
        fetched: Box<FetchOutcome>,
    },
    /// Every product that cannot be resolved.
    #[error("{} cannot be resolved", crate::diagnostic::plural(failures.len(), "product"))]
    #[diagnostic(code("ref-unresolved"), help("each problem below says its fix"))]
    Resolve {
        #[related]
        failures: Vec<ResolveFailure>,
    },
    /// Every requirement the locked commits do not satisfy, where `rules:` denies that.
    #[error("the locked commits do not satisfy {}", crate::diagnostic::plural(failures.len(), "requirement"))]
    #[diagnostic(
        code("requirement-unsatisfied"),
        help("each problem below says its fix")
    )]
    Requirements {
        #[related]
        failures: Vec<ResolveFailure>,
    },
    #[error("the tag `{name}` is not a valid git ref name")]
    #[diagnostic(
        code("tag-name"),
        help("change `naming.tag` of the distribution or the product's `tag_prefix`")
    )]
    TagName { name: String },
    #[error("{0}")]
    #[diagnostic(
        code("tag-name"),
        help("give the products of one repository one commit, or each its own `tag_prefix`")
    )]
    TagPlan(crate::tag::PlanError),
    #[error("the companion `{name}` of `{distribution}` is no product")]
    #[diagnostic(
        code("companion-unknown"),
        help("name a product of `products/` in `companions:`, or remove it")
    )]
    CompanionUnknown { name: String, distribution: String },
    #[error("cannot resolve `{reference}` of the companion `{name}` in `{url}`: {reason}")]
    #[diagnostic(
        code("ref-unresolved"),
        help("run `distrib fetch`, or fix the companion's `ref`")
    )]
    CompanionUnresolved {
        name: String,
        url: String,
        reference: String,
        reason: String,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plan(ResolveFailure),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Release(ReleaseError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Io(#[from] IoError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Base(#[from] crate::manifest::OpenError),
}

/// A product as `--set` named it: `b_old` (now `b`) when that is a former name.
fn excluded_name(name: &str, product: &str) -> String {
    if name == product {
        format!("`{name}`")
    } else {
        format!("`{name}` (now `{product}`)")
    }
}

impl MakeError {
    /// Whether the request itself is wrong (a value of the command line), rather than what it
    /// was run on.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            MakeError::Variable { .. }
                | MakeError::VariableValue { .. }
                | MakeError::VariableName(_)
                | MakeError::SourceSyntax(_)
                | MakeError::Override { .. }
                | MakeError::OverrideExcluded { .. }
                | MakeError::NoRepository { .. }
                | MakeError::Platform { .. }
        )
    }
}

/// Makes the lock `request` asks for: resolves the distribution (in mirrors brought up to date
/// unless offline), then writes, prints or compares it as its mode says.
pub fn make(
    workspace: &Workspace,
    request: &Request,
    progress: &dyn Progress,
) -> Result<Made, MakeError> {
    let distribution = resolve::find_distribution(&workspace.manifests, &request.distribution)
        .map_err(MakeError::Plan)?;
    // Everything the request says is checked before anything is fetched.
    if let Some(platform) = &request.platform {
        check_platform(distribution, platform)?;
    }
    let (variables, sources) = variables(workspace, distribution, &request.variables)?;
    // A check compares like with like: the compared lock's overrides unless the request gives
    // some, and its platform when neither the request nor the distribution names one.
    let compared = match request.mode.compared() {
        Some(release) => {
            let history = History::read(&workspace.root)?;
            let existing = match release {
                Some(release) => history.find(&request.distribution, release),
                // Candidates, finals and patches pin their parent's commits, not the manifests'.
                None => history.newest(&request.distribution, Lockfile::follows_manifests),
            }
            .cloned()
            .ok_or_else(|| MakeError::NothingToCheck(request.distribution.clone()))?;
            Some(existing)
        }
        None => None,
    };
    // `from`: the release whose commits this lock starts from.
    let start = match &request.from {
        Some(from) => {
            let history = History::read(&workspace.root)?;
            let start = release::find_release(&history, &distribution.name.value, from)
                .map_err(MakeError::Release)?;
            Some(start.clone())
        }
        None => None,
    };
    let platform = resolve::lock_platform(
        distribution,
        request.platform.as_deref(),
        compared
            .as_ref()
            .or(start.as_ref())
            .map(|l| l.platform.as_str()),
    );
    let plan = Plan::new(&workspace.manifests, &request.distribution, &platform)
        .map_err(MakeError::Plan)?;
    let mut overrides = overrides(&workspace.manifests, &plan, &request.overrides)?;
    if let Some(existing) = &compared
        && request.overrides.is_empty()
    {
        overrides = existing.overrides.clone();
    }
    // And the compared lock's build inputs unless the request sets some.
    let mut inputs = inputs(&plan, &variables);
    if let Some(existing) = &compared
        && request.variables.is_empty()
    {
        for (name, value) in existing.input_values() {
            if inputs.contains_key(&name) {
                inputs.insert(name, value);
            }
        }
    }
    // And the build inputs of the release it starts from, unless `--var` sets them.
    let mut variables = variables;
    if let Some(start) = &start {
        inherit_inputs(start, &request.variables, &mut variables, &mut inputs);
    }
    let inherited = start.as_ref().map(Inherited::from_lock).unwrap_or_default();
    let mut options = Options {
        inputs: &inputs,
        inherited: &inherited,
        ..Options::new(&platform, &overrides)
    };
    // The pre-merge mode: what the change did not touch keeps the compared lock's commits.
    let held = match (&request.mode, &compared) {
        (Mode::PreMerge { base, .. }, Some(existing)) => {
            let before = crate::manifest::open(&workspace.root, Some(base))?;
            let sources = crate::impact::sources(&before.manifests, &workspace.manifests);
            Some((crate::impact::held(&sources, existing), sources))
        }
        _ => None,
    };
    if let Some((inherited, _)) = &held {
        options.inherited = inherited;
    }
    let mut fetcher = Fetcher::new(request.fetch, progress);
    let (products, warnings) = resolve_products(workspace, &plan, &options, &mut fetcher)?;
    if let Some(existing) = compared {
        let outcome = match (&request.mode, held) {
            (Mode::PreMerge { base, .. }, Some((_, sources))) => Outcome::Lockable {
                changes: changes(&existing, &products),
                products: products.len(),
                lock: Box::new(existing),
                base: base.clone(),
                sources,
            },
            _ => compare(existing, &products),
        };
        return Ok(Made {
            outcome,
            warnings,
            fetched: fetcher.fetched,
        });
    }

    let date = request.date.unwrap_or_else(DateTime::now);
    let kind = request.kind;
    let _guard = writers_lock(workspace, &request.mode)?;
    let history = History::read(&workspace.root)?;
    let template = template(&plan, kind);
    let mut draft = draft(workspace, &plan, &history, kind, products, &options)?;
    draft.variables = variables;
    draft.sources = sources;
    draft.date = date.to_text();
    draft.from = start.map(|s| s.release);
    let name = |template: &str| release_name(template, date, &draft, &plan, |_| None);
    let release = name(&template)?;
    // A release is never rewritten: the same content under its name is that release. O2 §7: a
    // second build of a day with other content gets the time.
    let again = name(&format!("{template}-%H%M"))?;
    let content = Lockfile::content_digest(identity::Version::CURRENT, &draft.products);
    for candidate in [&release, &again] {
        let Some(existing) = history.find(&request.distribution, candidate) else {
            break;
        };
        if existing.content == content {
            return Ok(Made {
                outcome: up_to_date(workspace, existing, &request.mode)?,
                warnings,
                fetched: fetcher.fetched,
            });
        }
    }
    draft.release = match history.find(&request.distribution, &release) {
        None => release,
        Some(_) if history.find(&request.distribution, &again).is_none() => again,
        Some(_) => return Err(MakeError::Taken { release, again }),
    };
    let lock = seal(workspace, &plan, draft, date, |_| None, &mut fetcher)?;
    Ok(Made {
        outcome: write(workspace, lock, &request.mode)?,
        warnings,
        fetched: fetcher.fetched,
    })
}

/// How every lock is finished, `lock`'s and `release`'s alike, once its draft is named: the
/// distribution's companions resolved (their mirrors fetched first unless offline), the lock
/// built from the draft (sorted, its content computed), then the tags it records, named by
/// `date` and `extra` (`{version}`, `{rc}`...).
pub fn seal(
    workspace: &Workspace,
    plan: &Plan,
    mut draft: Draft,
    date: DateTime,
    extra: impl Fn(&str) -> Option<String>,
    fetcher: &mut Fetcher,
) -> Result<Lockfile, MakeError> {
    draft.companions = companions(workspace, plan, &draft.products, fetcher)?;
    let mut lock = Lockfile::new(draft).map_err(MakeError::Text)?;
    name_tags(workspace, &mut lock, plan, date, extra)?;
    Ok(lock)
}

/// `--platform`: a platform name, and one the distribution is built for.
pub fn check_platform(distribution: &Distribution, platform: &str) -> Result<(), MakeError> {
    match resolve::platform_problem(distribution, platform) {
        None => Ok(()),
        Some(reason) => Err(MakeError::Platform {
            platform: platform.escape_debug().to_string(),
            reason,
        }),
    }
}

/// `--set PRODUCT=REF`, by canonical product name; a product the distribution excludes (under
/// any of its names) is said to be.
pub fn overrides(
    manifests: &crate::manifest::Manifests,
    plan: &Plan,
    given: &[(String, String)],
) -> Result<BTreeMap<String, String>, MakeError> {
    let mut overrides = BTreeMap::new();
    for (name, reference) in given {
        let Some(product) = plan
            .canonical(name)
            .and_then(|n| plan.products.iter().find(|p| p.name.value == n))
        else {
            let excluded = manifests
                .products
                .iter()
                .map(|p| &p.value)
                .find(|p| p.name.value == *name || p.aliases.iter().any(|a| a.value == *name))
                .filter(|p| {
                    plan.distribution
                        .exclude
                        .iter()
                        .any(|e| e.value == p.name.value)
                });
            return Err(match excluded {
                Some(product) => MakeError::OverrideExcluded {
                    name: name.clone(),
                    product: product.name.value.clone(),
                    distribution: plan.distribution.name.value.clone(),
                },
                None => MakeError::Override { name: name.clone() },
            });
        };
        if product.repositories.is_empty() {
            return Err(MakeError::NoRepository { name: name.clone() });
        }
        overrides.insert(product.name.value.clone(), reference.clone());
    }
    Ok(overrides)
}

/// The variables taken from the repository's state: each `--var NAME=@...` given its value
/// now, and where it came from.
pub type Sources = BTreeMap<String, VariableSource>;

/// The distribution's variables with `given` (`--var`) applied, and where those taken from
/// the repository's state (`@installed:...`, `@newest:...`) came from.
pub fn variables(
    workspace: &Workspace,
    distribution: &Distribution,
    given: &[(String, String)],
) -> Result<(BTreeMap<String, String>, Sources), MakeError> {
    let mut variables: BTreeMap<String, String> = distribution
        .variables
        .iter()
        .filter_map(|(k, v)| Some((k.value.clone(), v.default_value()?.to_owned())))
        .collect();
    let mut sources = Sources::new();
    let mut history = None;
    for (key, value) in given {
        if distribution.variables.get(key).is_none() {
            return Err(MakeError::Variable { name: key.clone() });
        }
        let value = match release::Source::parse(value) {
            None => value.clone(),
            Some(source) => {
                let source = source.map_err(MakeError::SourceSyntax)?;
                if history.is_none() {
                    history = Some(History::read(&workspace.root)?);
                }
                let deployments: Vec<_> = workspace
                    .manifests
                    .deployments
                    .iter()
                    .map(|d| &d.value)
                    .collect();
                let (lock, found) = source
                    .resolve(history.as_ref().expect("read above"), &deployments)
                    .map_err(MakeError::Release)?;
                sources.insert(
                    key.clone(),
                    VariableSource {
                        source: value.clone(),
                        distribution: lock.distribution.clone(),
                        release: lock.release.clone(),
                    },
                );
                found
            }
        };
        // A variable ends up in a release name, a file name and a git tag.
        match naming::check_release_name(&value) {
            Ok(()) => {}
            Err(NamingError::Name(_, why)) => {
                return Err(MakeError::VariableValue {
                    name: key.clone(),
                    value,
                    why,
                });
            }
            Err(error) => return Err(MakeError::VariableName(error)),
        }
        variables.insert(key.clone(), value);
    }
    Ok((variables, sources))
}

/// A lock made from `start` takes its build inputs' values, but those `given` (`--var`) sets.
pub fn inherit_inputs(
    start: &Lockfile,
    given: &[(String, String)],
    variables: &mut BTreeMap<String, String>,
    inputs: &mut BTreeMap<String, String>,
) {
    for (name, value) in start.input_values() {
        let set = given.iter().any(|(k, _)| *k == name);
        if inputs.contains_key(&name) && !set {
            variables.insert(name.clone(), value.clone());
            inputs.insert(name, value);
        }
    }
}

/// The values of the distribution's build inputs, from `variables` (defaults and `--var`).
pub fn inputs(plan: &Plan, variables: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    plan.distribution
        .variables
        .iter()
        .filter(|(_, variable)| variable.is_input())
        .filter_map(|(name, _)| Some((name.value.clone(), variables.get(name.as_str())?.clone())))
        .collect()
}

/// Brings the mirrors up to date (unless offline), resolves every product and checks the
/// requirements that only a lock can check: the products, and the requirements unsatisfied
/// where `rules:` makes that a warning.
pub fn resolve_products(
    workspace: &Workspace,
    plan: &Plan,
    options: &Options,
    fetcher: &mut Fetcher,
) -> Result<(Vec<LockedProduct>, Vec<ResolveFailure>), MakeError> {
    let mirrors = workspace.mirrors();
    if !fetcher.fetch.offline {
        let repositories = crate::fetch::of_plan(plan);
        let fetched = fetch_mirrors(&mirrors, repositories, fetcher.fetch.jobs, fetcher.progress)?;
        fetcher.fetched.push(fetched);
    }
    let products = resolve::resolve(plan, &mirror::Pool::new(&mirrors), options)
        .map_err(|failures| MakeError::Resolve { failures })?;
    // What `check` could not know before locking: the version a branch-tracking product is at.
    let code = crate::diagnostic::Code::RequirementUnsatisfied;
    let level = crate::validate::rule_levels(&workspace.manifests)
        .get(&code)
        .copied()
        .unwrap_or(code.default_level());
    let unsatisfied = resolve::check_requirements(plan, &products);
    match level {
        _ if unsatisfied.is_empty() => Ok((products, Vec::new())),
        Level::Allow => Ok((products, Vec::new())),
        Level::Warn => Ok((products, unsatisfied)),
        Level::Deny => Err(MakeError::Requirements {
            failures: unsatisfied,
        }),
    }
}

/// Fetches the mirrors of `repositories`; any failure leaves them stale.
fn fetch_mirrors(
    mirrors: &resolve::Mirrors,
    repositories: Vec<crate::fetch::Repository>,
    threads: Option<usize>,
    progress: &dyn Progress,
) -> Result<FetchOutcome, MakeError> {
    let request = crate::fetch::Request {
        repositories,
        jobs: threads,
    };
    let outcome = crate::fetch::fetch(mirrors, &request, progress);
    if outcome.failures.is_empty() {
        return Ok(outcome);
    }
    Err(MakeError::StaleMirrors {
        unreachable: outcome.failures.iter().all(|f| f.unreachable()),
        fetched: Box::new(outcome),
    })
}

/// Serializes writers of `locks/`; a dry run or a check writes nothing, not even that lock.
pub fn writers_lock(
    workspace: &Workspace,
    mode: &Mode,
) -> Result<Option<history::Guard>, MakeError> {
    if !mode.writes() {
        return Ok(None);
    }
    Ok(Some(history::exclusive(&workspace.root)?))
}

/// The draft of a lock of these products, with its build number: an earlier release's when it
/// has the same content, else the next one. The caller names it and dates it.
pub fn draft(
    workspace: &Workspace,
    plan: &Plan,
    history: &History,
    kind: ReleaseKind,
    products: Vec<LockedProduct>,
    options: &Options,
) -> Result<Draft, MakeError> {
    let distribution = plan.distribution.name.value.clone();
    let content = Lockfile::content_digest(identity::Version::CURRENT, &products);
    let same = history.same_content(&distribution, &content);
    let build = match same {
        Some(lock) => lock.build,
        None => history.next_build_from(crate::manifest::model::Config::first_build(
            workspace.manifests.config.as_ref().map(|c| &c.value),
        ))?,
    };
    Ok(Draft {
        distribution,
        release: String::new(),
        kind,
        release_version: None,
        rc: None,
        from: None,
        build,
        same_content_as: same.map(|l| l.release.clone()),
        date: String::new(),
        manifest_commit: workspace.manifest_commit(),
        platform: options.platform.to_owned(),
        variables: BTreeMap::new(),
        sources: BTreeMap::new(),
        inputs: options.inputs.keys().cloned().collect(),
        overrides: options.overrides.clone(),
        environment: resolve::locked_environment(plan.environment),
        products,
        companions: Vec::new(),
    })
}

/// What a naming template can say of a lock: `{build}`, its variables, its products' versions.
pub trait Named {
    fn build(&self) -> u64;
    fn variables(&self) -> &BTreeMap<String, String>;
    fn products(&self) -> &[LockedProduct];
}

impl Named for Draft {
    fn build(&self) -> u64 {
        self.build
    }
    fn variables(&self) -> &BTreeMap<String, String> {
        &self.variables
    }
    fn products(&self) -> &[LockedProduct] {
        &self.products
    }
}

impl Named for Lockfile {
    fn build(&self) -> u64 {
        self.build
    }
    fn variables(&self) -> &BTreeMap<String, String> {
        &self.variables
    }
    fn products(&self) -> &[LockedProduct] {
        &self.products
    }
}

/// Fills a naming template: date codes, `{build}`, the lock's variables, each product's
/// version, and what `extra` knows (`{version}`, `{rc}`...).
pub fn release_name(
    template: &str,
    date: DateTime,
    lock: &impl Named,
    plan: &Plan,
    extra: impl Fn(&str) -> Option<String>,
) -> Result<String, MakeError> {
    naming::expand(template, date, |key| {
        if key == "build" {
            return Some(lock.build().to_string());
        }
        extra(key)
            .or_else(|| lock.variables().get(key).cloned())
            .or_else(|| {
                let product = plan.canonical(key)?;
                lock.products()
                    .iter()
                    .find(|p| p.name == product)
                    .and_then(|p| p.version.clone())
            })
    })
    .map_err(MakeError::Name)
}

/// The naming template of `kind`, or DMTN-106's default.
pub fn template(plan: &Plan, kind: ReleaseKind) -> String {
    let naming = &plan.distribution.naming;
    let (configured, default) = match kind {
        ReleaseKind::Nightly => (&naming.nightly, "d.%Y.%m.%d"),
        ReleaseKind::Weekly => (&naming.weekly, "w.%G.%V"),
        ReleaseKind::Manual => (&naming.manual, "m.%Y.%m.%d.%H%M"),
        ReleaseKind::Candidate | ReleaseKind::Patch => (&naming.candidate, "{version}.rc{rc}"),
        ReleaseKind::Final => (&naming.final_, "{version}"),
    };
    configured
        .as_ref()
        .map_or_else(|| default.to_owned(), |t| t.value.clone())
}

/// Names the release's tag (`lock.tag`, the manifest repository's) and the tag each of its
/// repositories is to carry (`lock.tags`, the products' `tag_prefix` before it), from the
/// distribution's `naming.tag` template for its kind; `extra` fills `{version}`, `{rc}`...
pub fn name_tags(
    workspace: &Workspace,
    lock: &mut Lockfile,
    plan: &Plan,
    date: DateTime,
    extra: impl Fn(&str) -> Option<String>,
) -> Result<(), MakeError> {
    (lock.tag, lock.tags) = (None, Vec::new());
    let Some(template) = crate::tag::template(&plan.distribution.naming, lock.kind) else {
        return Ok(());
    };
    let name = match release_name(&template, date, lock, plan, extra) {
        Ok(name) => name,
        Err(MakeError::Name(NamingError::Name(name, _))) => {
            return Err(MakeError::TagName { name });
        }
        Err(other) => return Err(other),
    };
    // The release's products and its companions, which are no part of the plan.
    let companions: BTreeSet<&str> = lock.companions.iter().map(|c| c.name.as_str()).collect();
    let prefixes: BTreeMap<String, String> = plan
        .products
        .iter()
        .copied()
        .chain(
            workspace
                .manifests
                .products
                .iter()
                .map(|p| &p.value)
                .filter(|p| companions.contains(p.name.as_str())),
        )
        .filter_map(|p| Some((p.name.value.clone(), p.tag_prefix.as_ref()?.value.clone())))
        .collect();
    let prefix_of = |product: &str| prefixes.get(product).cloned();
    let mut tags = crate::tag::planned(lock, &name, prefix_of).map_err(|e| match e {
        crate::tag::PlanError::InvalidName { name, .. } => MakeError::TagName { name },
        other => MakeError::TagPlan(other),
    })?;
    tags.sort_by(|a, b| (&a.url, &a.name).cmp(&(&b.url, &b.name)));
    (lock.tag, lock.tags) = (Some(name), tags);
    Ok(())
}

/// The distribution's companions (DMTN-106 §4.5) not among `products`, at their `ref`, else
/// their default branch, in the mirrors (fetched first unless offline).
fn companions(
    workspace: &Workspace,
    plan: &Plan,
    products: &[LockedProduct],
    fetcher: &mut Fetcher,
) -> Result<Vec<LockedCompanion>, MakeError> {
    let mut wanted = Vec::new();
    for name in &plan.distribution.companions {
        let Some(product) = workspace
            .manifests
            .products
            .iter()
            .map(|p| &p.value)
            .find(|p| *p.name == **name)
        else {
            return Err(MakeError::CompanionUnknown {
                name: name.value.clone(),
                distribution: plan.distribution.name.value.clone(),
            });
        };
        if products.iter().any(|p| p.name == *product.name) {
            continue;
        }
        for repository in &product.repositories {
            wanted.push((
                product.name.value.clone(),
                repository.url.value.clone(),
                repository.reference.as_ref().map(|r| r.value.clone()),
            ));
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mirrors = workspace.mirrors();
    if !fetcher.fetch.offline {
        let repositories = wanted
            .iter()
            .map(|(name, url, _)| crate::fetch::Repository {
                product: name.clone(),
                url: url.clone(),
            })
            .collect();
        let fetched = fetch_mirrors(&mirrors, repositories, None, fetcher.progress)?;
        fetcher.fetched.push(fetched);
    }
    let mut companions = Vec::new();
    for (name, url, reference) in wanted {
        let unresolved = |reference: &str, reason: String| MakeError::CompanionUnresolved {
            name: name.clone(),
            url: crate::url::redact(&url),
            reference: reference.to_owned(),
            reason,
        };
        let opened = mirror::Mirror::open(&mirrors.path(&url))
            .map_err(|e| unresolved(reference.as_deref().unwrap_or("HEAD"), e.to_string()))?;
        let Some(reference) = reference.or_else(|| opened.default_branch()) else {
            return Err(unresolved(
                "HEAD",
                "the repository has no default branch".into(),
            ));
        };
        let resolved = opened
            .resolve(&reference)
            .map_err(|e| unresolved(&reference, e.to_string()))?;
        companions.push(LockedCompanion {
            name,
            url,
            reference,
            commit: resolved.commit,
        });
    }
    Ok(companions)
}

/// The release already has this content: nothing to write (a dry run gives its text).
pub fn up_to_date(
    workspace: &Workspace,
    existing: &Lockfile,
    mode: &Mode,
) -> Result<Outcome, MakeError> {
    if *mode == Mode::DryRun {
        return Ok(Outcome::Printed {
            text: existing.to_text().map_err(MakeError::Text)?,
            lock: Box::new(existing.clone()),
        });
    }
    Ok(Outcome::UpToDate {
        path: crate::lock::path(&workspace.root, &existing.distribution, &existing.release),
        lock: Box::new(existing.clone()),
    })
}

/// Writes the lock atomically inside the manifest repository (a dry run gives its text).
pub fn write(workspace: &Workspace, mut lock: Lockfile, mode: &Mode) -> Result<Outcome, MakeError> {
    if lock.same_content_as.as_deref() == Some(lock.release.as_str()) {
        lock.same_content_as = None;
    }
    let text = lock.to_text().map_err(MakeError::Text)?;
    if *mode == Mode::DryRun {
        return Ok(Outcome::Printed {
            text,
            lock: Box::new(lock),
        });
    }
    let path = crate::lock::path(&workspace.root, &lock.distribution, &lock.release);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| IoError::new(parent, e))?;
        // `locks/` or its distribution folder may be a link: a lock is never written elsewhere.
        let inside = match (parent.canonicalize(), workspace.root.canonicalize()) {
            (Ok(folder), Ok(root)) => folder.starts_with(root),
            _ => false,
        };
        if !inside {
            return Err(MakeError::Outside {
                folder: parent.to_path_buf(),
            });
        }
    }
    crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| IoError::new(&path, e))?;
    Ok(Outcome::Written {
        lock: Box::new(lock),
        path,
    })
}

/// A check: is `existing` what the manifests and mirrors give now?
fn compare(existing: Lockfile, products: &[LockedProduct]) -> Outcome {
    let changes = changes(&existing, products);
    let version = existing.identity_version();
    let other_version = version != Some(identity::Version::CURRENT);
    if changes.is_empty() && !other_version {
        return Outcome::Current {
            lock: Box::new(existing),
            products: products.len(),
        };
    }
    Outcome::Stale {
        lock: Box::new(existing),
        staleness: Staleness {
            identity_version: other_version.then_some(version),
            changes,
        },
    }
}

/// What a lock of `products` would change against `existing`, by `report::diff`: every product
/// added, rebuilt or removed, in name order, those removed last. Between identities of two
/// versions, which never compare, a product whose commits did not move is no change.
pub fn changes(existing: &Lockfile, products: &[LockedProduct]) -> Vec<ProductChange> {
    let other_version = existing.identity_version() != Some(identity::Version::CURRENT);
    let diff = crate::report::diff::against(existing, products);
    let (removed, kept): (Vec<ProductChange>, Vec<ProductChange>) = diff
        .products
        .into_iter()
        .filter(|change| match change.status {
            Status::Reuse => false,
            Status::Rebuild => !other_version || change.commit_changed,
            Status::Added | Status::Removed => true,
        })
        .partition(|change| change.status == Status::Removed);
    kept.into_iter().chain(removed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::tests::sample;

    #[test]
    fn changes_are_rebuilt_and_added_products_by_name_then_those_removed() {
        let lock = sample();
        let mut products = lock.products.clone();
        // The first product moves to another commit, the last one is gone, one is new.
        products[0].repositories[0].commit = "f".repeat(40);
        products[0].identity = "sha256:moved".into();
        let gone = products.pop().unwrap().name;
        let mut new = products[0].clone();
        new.name = "aaa_new".into();
        products.push(new);
        let found: Vec<(String, Status)> = changes(&lock, &products)
            .into_iter()
            .map(|c| (c.name, c.status))
            .collect();
        assert_eq!(
            found,
            vec![
                ("aaa_new".to_owned(), Status::Added),
                (lock.products[0].name.clone(), Status::Rebuild),
                (gone, Status::Removed),
            ]
        );
        assert!(changes(&lock, &lock.products).is_empty());
    }

    #[test]
    fn identities_of_another_version_change_only_where_commits_moved() {
        let mut lock = sample();
        lock.identity_version = Some(1);
        let mut products = lock.products.clone();
        for product in &mut products {
            product.identity = format!("sha256:v2-{}", product.name);
        }
        assert!(changes(&lock, &products).is_empty());
        products[0].repositories[0].commit = "f".repeat(40);
        let found = changes(&lock, &products);
        assert_eq!(found.len(), 1);
        assert!(found[0].commit_changed);
    }

    /// Every lock ends the same way: its companions (none to resolve here: the one named is a
    /// product of the closure), its content, and the tags its kind's template names, after each
    /// product's `tag_prefix`.
    #[test]
    fn a_sealed_lock_has_its_content_companions_and_tags() {
        use crate::resolve::tests::{LINUX, id, write_manifests};
        let (dir, _) = write_manifests(&[
            (
                "products/a.yaml",
                "name: a\ntag_prefix: v\nrepositories:\n  - url: https://example.org/a\n",
            ),
            (
                "distributions/dist.yaml",
                "name: dist\nenvironment: ops\nproducts: [a]\ncompanions: [a]\n",
            ),
        ]);
        let workspace = Workspace::open(dir.path(), Some(&dir.path().join("mirrors"))).unwrap();
        let plan = Plan::new(&workspace.manifests, "dist", LINUX).unwrap();
        let mut product = sample().products[0].clone();
        product.name = "a".into();
        product.repositories[0].url = "https://example.org/a".into();
        product.repositories[0].commit = id("1");
        let overrides = BTreeMap::new();
        let history = History::read(&workspace.root).unwrap();
        let options = Options::new(LINUX, &overrides);
        let mut draft = draft(
            &workspace,
            &plan,
            &history,
            ReleaseKind::Final,
            vec![product],
            &options,
        )
        .unwrap();
        draft.release = "1.0.0".into();
        let date = DateTime::parse("2026-11-21").unwrap();
        draft.date = date.to_text();
        let progress = crate::progress::Silent;
        let mut fetcher = Fetcher::new(
            Fetch {
                offline: true,
                jobs: None,
            },
            &progress,
        );
        let version = |key: &str| (key == "version").then(|| "1.0.0".to_owned());
        let lock = seal(&workspace, &plan, draft, date, version, &mut fetcher).unwrap();
        assert!(lock.companions.is_empty(), "{:?}", lock.companions);
        assert_eq!(
            lock.content,
            Lockfile::content_digest(identity::Version::CURRENT, &lock.products)
        );
        let tags: Vec<(&str, &str, &str)> = lock
            .tags
            .iter()
            .map(|t| (t.url.as_str(), t.name.as_str(), t.commit.as_str()))
            .collect();
        assert_eq!(
            tags,
            [("https://example.org/a", "v1.0.0", id("1").as_str())]
        );
        assert!(fetcher.fetched.is_empty(), "offline: nothing fetched");
        // A companion that is no product stops the lock before it is built.
        let (dir, _) = write_manifests(&[
            ("products/a.yaml", "name: a\n"),
            (
                "distributions/dist.yaml",
                "name: dist\nenvironment: ops\nproducts: [a]\ncompanions: [ghost]\n",
            ),
        ]);
        let workspace = Workspace::open(dir.path(), None).unwrap();
        let plan = Plan::new(&workspace.manifests, "dist", LINUX).unwrap();
        let draft = self::draft(
            &workspace,
            &plan,
            &history,
            ReleaseKind::Final,
            Vec::new(),
            &options,
        )
        .unwrap();
        assert!(matches!(
            seal(&workspace, &plan, draft, date, |_| None, &mut fetcher),
            Err(MakeError::CompanionUnknown { name, .. }) if name == "ghost"
        ));
    }
}
