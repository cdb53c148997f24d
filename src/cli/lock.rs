//! `distrib lock`: resolve a distribution to exact commits, trees and identities, and write
//! the release's lockfile; `--check` compares instead of writing (is there anything new
//! upstream), and `--check --base REV` asks whether the change since REV can be locked (the
//! pre-merge step).

use super::CommandResult;
use std::collections::BTreeMap;

use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, err, out, out_json};
use crate::diagnostic::Code;
use crate::fsutil::IoError;
use crate::identity;
use crate::lock::history::{self, History};
use crate::lock::{FORMAT_VERSION, LockedProduct, Lockfile, ReleaseKind, VariableSource};
use crate::manifest::model::Level;
use crate::naming::{self, DateTime};
use crate::release;
use crate::resolve::{self, Inherited, Options, Plan};

/// Resolve a distribution and write the lockfile of a release
///
/// Every product of the distribution's closure is resolved in the mirrors (brought up to date
/// first, unless --offline): `--set`, else the product's `tag`, else the repository's `ref`, else
/// the default branch. The lock records commits, trees and package identities, and is written
/// to `locks/<DIST>/<release>.lock.yaml`, atomically. The same manifests and mirrors give the
/// same bytes.
///
/// With --check --base REV (the pre-merge step of a pull request): resolves the manifests with
/// the compared lock's commits for every product whose sources (`repositories`, `ref`, `tag`,
/// `version`) did not change since REV, as `check --base` does, and says what the lock would
/// rebuild. It fails only when the change itself cannot be locked (a tag that does not exist, a
/// requirement the held commits do not satisfy, a new product with no reachable ref), never
/// because a repository moved upstream.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib lock lsst_distrib --kind weekly --date 2026-11-21\n  \
distrib lock O2PDPSuite --kind manual --set O2=v1.2.3 --var flp_suite=0.41.0\n  \
distrib lock O2PDPSuite --kind manual --from RELEASE --set O2=v1.2.4\n  \
distrib lock lsst_distrib --check\n  \
distrib lock lsst_distrib --check --base origin/main   # in a pull request"
)]
pub struct Args {
    /// The distribution
    distribution: String,

    /// The kind of release
    #[arg(long, value_enum, required_unless_present = "check")]
    kind: Option<Kind>,

    /// Compare with the newest nightly, weekly or manual lock of the distribution instead of
    /// writing; exit 1 when stale
    #[arg(long, conflicts_with_all = ["dry_run", "format"])]
    check: bool,

    /// With --check: compare with this release instead of the newest
    #[arg(long, value_name = "NAME", requires = "check")]
    release: Option<String>,

    /// With --check: the pre-merge mode; hold the compared lock's commits for every product
    /// whose sources did not change since this revision, and fail only when the change cannot
    /// be locked
    #[arg(long, value_name = "REV", requires = "check")]
    base: Option<String>,

    /// Start from this release of the distribution: every repository at its commit, except
    /// the products --set names (O2 §5: a manual build "based on the weekly"); the lock
    /// records `from`, and takes the release's platform and build inputs unless given
    #[arg(long, value_name = "RELEASE", conflicts_with = "check")]
    from: Option<String>,

    #[command(flatten)]
    lock: LockArgs,
}

/// What a command that makes a lock prints.
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct Output {
    /// Print the lockfile instead of writing it
    #[arg(long)]
    pub dry_run: bool,

    /// What to print on stdout: nothing (human: messages go to stderr), or a JSON summary of the
    /// release, for scripts
    #[arg(long, value_enum, default_value_t = Format::Human, conflicts_with = "dry_run")]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Messages on stderr only
    Human,
    /// `{"distribution", "release", "kind", "build", "path", "written", ...}` on stdout
    Json,
}

/// What every command that makes a lock takes (`lock`, `release`).
#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// Release date and time (UTC), for the name [default: now]
    #[arg(long, value_name = "YYYY-MM-DD[THH:MM]", value_parser = parse_date)]
    pub date: Option<DateTime>,

    /// Set a naming variable, overriding the distribution's default
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = key_value)]
    pub variables: Vec<(String, String)>,

    /// Build a product from another ref (a tag, a branch or a commit); the lock records it
    #[arg(long = "set", value_name = "PRODUCT=REF", value_parser = product_ref)]
    pub overrides: Vec<(String, String)>,

    /// The platform to lock for [default: the distribution's `platform`; else, with --check,
    /// the compared lock's; else the first of its `platforms`; else this machine's]
    #[arg(long)]
    pub platform: Option<String>,

    /// Use the mirrors as they are, without fetching
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub output: Output,

    /// Repositories fetched at once [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    #[command(flatten)]
    pub mirrors: MirrorArgs,
}

/// The kinds `lock` makes; candidates, finals and patches come from `distrib release`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Kind {
    Nightly,
    Weekly,
    Manual,
}

impl From<Kind> for ReleaseKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Nightly => ReleaseKind::Nightly,
            Kind::Weekly => ReleaseKind::Weekly,
            Kind::Manual => ReleaseKind::Manual,
        }
    }
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// `--set PRODUCT=REF`: a ref is never empty.
fn product_ref(text: &str) -> Result<(String, String), String> {
    match key_value(text)? {
        (product, reference) if reference.is_empty() => Err(format!(
            "`{text}` names no ref: write `--set {product}=REF` with a tag, a branch or a commit"
        )),
        pair => Ok(pair),
    }
}

pub(super) fn parse_date(text: &str) -> Result<DateTime, String> {
    DateTime::parse(text).map_err(|e| e.to_string())
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(super) enum LockFailure {
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
    #[error("unknown product `{name}` in --set")]
    #[diagnostic(
        code("product-unknown"),
        help("--set names a product of the distribution's closure")
    )]
    Override { name: String },
    #[error("`{name}` has no repository, so --set cannot give it a ref")]
    #[diagnostic(
        code("product-unknown"),
        help("--set names a product built from a repository")
    )]
    NoRepository { name: String },
    #[error("cannot lock for platform `{platform}`: {reason}")]
    #[diagnostic(
        code("platform-invalid"),
        help("name one platform of the distribution's `platforms`, such as `linux-x86_64`")
    )]
    Platform { platform: String, reason: String },
    #[error("cannot name the release")]
    #[diagnostic(
        code("release-name"),
        help("check the distribution's `naming` template for this kind, and the --var values")
    )]
    Name(#[source] naming::NamingError),
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
    Outside { folder: std::path::PathBuf },
    #[error("no lock of `{0}` to compare with")]
    #[diagnostic(
        code("lock-missing"),
        help("write one with `distrib lock {0} --kind ...`")
    )]
    NothingToCheck(String),
    #[error("cannot write the lock: {0}")]
    #[diagnostic(code("lock-write"))]
    Text(#[source] crate::lock::LockError),
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.lock.mirrors)? else {
        return Ok(Exit::Failure);
    };
    match lock(context, &workspace, &args) {
        Ok(exit) | Err(exit) => Ok(exit),
    }
}

fn lock(context: &Context, workspace: &Workspace, args: &Args) -> Result<Exit, Exit> {
    let distribution = resolve::find_distribution(&workspace.manifests, &args.distribution)
        .map_err(|e| fail(context, e))?;
    // Everything the command line says is checked before anything is fetched.
    if let Some(platform) = &args.lock.platform {
        check_platform(context, distribution, platform)?;
    }
    let (variables, sources) = variables(context, workspace, distribution, &args.lock.variables)?;
    // `--check` compares like with like: the compared lock's overrides unless the command line
    // gives some, and its platform when neither the command line nor the distribution names one.
    let compared = if args.check {
        let history = History::read(&workspace.root).map_err(|e| fail(context, e))?;
        let existing = match &args.release {
            Some(release) => history.find(&args.distribution, release),
            // Candidates, finals and patches pin their parent's commits, not the manifests'.
            None => history.newest(&args.distribution, Lockfile::follows_manifests),
        }
        .cloned()
        .ok_or_else(|| {
            fail(
                context,
                LockFailure::NothingToCheck(args.distribution.clone()),
            )
        })?;
        Some(existing)
    } else {
        None
    };
    // `--from`: the release whose commits this lock starts from.
    let start = match &args.from {
        Some(from) => {
            let history = History::read(&workspace.root).map_err(|e| fail(context, e))?;
            let start = release::find_release(&history, &distribution.name.value, from)
                .map_err(|e| fail(context, e))?;
            Some(start.clone())
        }
        None => None,
    };
    let platform = resolve::lock_platform(
        distribution,
        args.lock.platform.as_deref(),
        compared
            .as_ref()
            .or(start.as_ref())
            .map(|l| l.platform.as_str()),
    );
    let plan = Plan::new(&workspace.manifests, &args.distribution, &platform)
        .map_err(|e| fail(context, e))?;
    let mut overrides = overrides(context, &plan, &args.lock.overrides)?;
    if let Some(existing) = &compared
        && args.lock.overrides.is_empty()
    {
        overrides = existing.overrides.clone();
    }
    // And the compared lock's build inputs unless the command line sets some.
    let mut inputs = inputs(&plan, &variables);
    if let Some(existing) = &compared
        && args.lock.variables.is_empty()
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
        inherit_inputs(start, &args.lock.variables, &mut variables, &mut inputs);
    }
    let inherited = start.as_ref().map(Inherited::from_lock).unwrap_or_default();
    let mut options = Options {
        inputs: &inputs,
        inherited: &inherited,
        ..Options::new(&platform, &overrides)
    };
    // The pre-merge mode: what the change did not touch keeps the compared lock's commits.
    let held = match (&args.base, &compared) {
        (Some(base), Some(existing)) => {
            let before =
                crate::manifest::open(&context.start, Some(base)).map_err(|e| fail(context, e))?;
            let sources = crate::impact::sources(&before.manifests, &workspace.manifests);
            Some((crate::impact::held(&sources, existing), sources))
        }
        _ => None,
    };
    if let Some((inherited, _)) = &held {
        options.inherited = inherited;
    }
    let products = resolve_products(context, workspace, &plan, &options, &args.lock)?;
    if let Some(existing) = compared {
        return Ok(match (&args.base, &held) {
            (Some(base), Some((_, sources))) => {
                pre_merge(&existing, &products, &args.distribution, base, sources)
            }
            _ => compare(&existing, &products, &args.distribution),
        });
    }

    let date = args.lock.date.unwrap_or_else(DateTime::now);
    let kind = ReleaseKind::from(args.kind.unwrap_or(Kind::Manual));
    // A dry run writes nothing, not even the lock that serializes writers.
    let _guard = writers_lock(context, workspace, args.lock.output)?;
    let history = History::read(&workspace.root).map_err(|e| fail(context, e))?;
    let mut lock = new_lock(workspace, &plan, &history, kind, products, &options)
        .map_err(|e| fail(context, e))?;
    lock.variables = variables;
    lock.sources = sources;
    lock.date = date.to_text();
    lock.from = start.map(|s| s.release);
    let template = template(&plan, kind);
    let name = |template: &str| {
        release_name(template, date, &lock, &plan, |_| None).map_err(|e| fail(context, e))
    };
    let release = name(&template)?;
    // A release is never rewritten: the same content under its name is that release. O2 §7: a
    // second build of a day with other content gets the time.
    let again = name(&format!("{template}-%H%M"))?;
    for candidate in [&release, &again] {
        let Some(existing) = history.find(&args.distribution, candidate) else {
            break;
        };
        if existing.content == lock.content {
            return up_to_date(context, workspace, existing, args.lock.output);
        }
    }
    let release = match history.find(&args.distribution, &release) {
        None => release,
        Some(_) if history.find(&args.distribution, &again).is_none() => again,
        Some(_) => return Err(fail(context, LockFailure::Taken { release, again })),
    };
    lock.release = release;
    super::tag::resolve_companions(context, workspace, &plan, &mut lock, args.lock.offline)?;
    super::tag::record(context, workspace, &mut lock, &plan, date, |_| None)?;
    write(context, workspace, lock, args.lock.output)
}

/// Reports an error and gives the exit code of invalid input.
pub(super) fn fail(context: &Context, error: impl miette::Diagnostic) -> Exit {
    err(&format!("{}\n", context.render_error(&error)));
    Exit::Failure
}

/// Reports a usage problem found in the command line's values.
pub(super) fn usage(context: &Context, error: impl miette::Diagnostic) -> Exit {
    err(&format!("{}\n", context.render_error(&error)));
    Exit::Usage
}

/// `--platform`: a platform name, and one the distribution is built for.
pub(super) fn check_platform(
    context: &Context,
    distribution: &crate::manifest::model::Distribution,
    platform: &str,
) -> Result<(), Exit> {
    match resolve::platform_problem(distribution, platform) {
        None => Ok(()),
        Some(reason) => Err(usage(
            context,
            LockFailure::Platform {
                platform: platform.escape_debug().to_string(),
                reason,
            },
        )),
    }
}

/// `--set PRODUCT=REF`, by canonical product name.
pub(super) fn overrides(
    context: &Context,
    plan: &Plan,
    given: &[(String, String)],
) -> Result<BTreeMap<String, String>, Exit> {
    let mut overrides = BTreeMap::new();
    for (name, reference) in given {
        let Some(product) = plan
            .canonical(name)
            .and_then(|n| plan.products.iter().find(|p| p.name.value == n))
        else {
            return Err(usage(context, LockFailure::Override { name: name.clone() }));
        };
        if product.repositories.is_empty() {
            return Err(usage(
                context,
                LockFailure::NoRepository { name: name.clone() },
            ));
        }
        overrides.insert(product.name.value.clone(), reference.clone());
    }
    Ok(overrides)
}

/// The variables taken from the repository's state: each `--var NAME=@...` given its value
/// now, and where it came from.
pub(super) type Sources = BTreeMap<String, VariableSource>;

/// The distribution's variables with `--var` applied, and where those taken from the
/// repository's state (`@installed:...`, `@newest:...`) came from.
pub(super) fn variables(
    context: &Context,
    workspace: &Workspace,
    distribution: &crate::manifest::model::Distribution,
    given: &[(String, String)],
) -> Result<(BTreeMap<String, String>, Sources), Exit> {
    let mut variables: BTreeMap<String, String> = distribution
        .variables
        .iter()
        .filter_map(|(k, v)| Some((k.value.clone(), v.default_value()?.to_owned())))
        .collect();
    let mut sources = Sources::new();
    let mut history = None;
    for (key, value) in given {
        if distribution.variables.get(key).is_none() {
            return Err(usage(context, LockFailure::Variable { name: key.clone() }));
        }
        let value = match release::Source::parse(value) {
            None => value.clone(),
            Some(source) => {
                let source = source.map_err(|e| usage(context, e))?;
                if history.is_none() {
                    history = Some(History::read(&workspace.root).map_err(|e| fail(context, e))?);
                }
                let deployments: Vec<_> = workspace
                    .manifests
                    .deployments
                    .iter()
                    .map(|d| &d.value)
                    .collect();
                let (lock, found) = source
                    .resolve(history.as_ref().expect("read above"), &deployments)
                    .map_err(|e| fail(context, e))?;
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
        let value = &value;
        // A variable ends up in a release name, a file name and a git tag.
        match naming::check_release_name(value) {
            Ok(()) => {}
            Err(naming::NamingError::Name(_, why)) => {
                return Err(usage(
                    context,
                    LockFailure::VariableValue {
                        name: key.clone(),
                        value: value.clone(),
                        why,
                    },
                ));
            }
            Err(error) => return Err(usage(context, LockFailure::Name(error))),
        }
        variables.insert(key.clone(), value.clone());
    }
    Ok((variables, sources))
}

/// A lock made from `start` takes its build inputs' values, but those `--var` gives.
pub(super) fn inherit_inputs(
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
pub(super) fn inputs(
    plan: &Plan,
    variables: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    plan.distribution
        .variables
        .iter()
        .filter(|(_, variable)| variable.is_input())
        .filter_map(|(name, _)| Some((name.value.clone(), variables.get(name.as_str())?.clone())))
        .collect()
}

/// Brings the mirrors up to date (unless --offline), resolves every product and checks the
/// requirements that only a lock can check.
pub(super) fn resolve_products(
    context: &Context,
    workspace: &Workspace,
    plan: &Plan,
    options: &Options,
    args: &LockArgs,
) -> Result<Vec<LockedProduct>, Exit> {
    let mirrors = workspace.mirrors();
    if !args.offline {
        let jobs: Vec<(String, String)> = plan
            .repositories()
            .into_iter()
            .map(|j| (j.product.to_owned(), j.url.to_owned()))
            .collect();
        let (failures, _) = super::fetch::fetch_all(&mirrors, &jobs, args.jobs);
        if !failures.is_empty() {
            err(if failures.iter().all(|f| f.unreachable) {
                "nothing was locked: a lock is never made from stale mirrors (pass --offline to use them as they are)\n"
            } else {
                "nothing was locked: a lock is never made from stale mirrors\n"
            });
            return Err(Exit::Failure);
        }
    }
    let products = match resolve::resolve(plan, &mirrors, options) {
        Ok(products) => products,
        Err(failures) => {
            for failure in failures {
                err(&format!("{}\n", context.render_error(&failure)));
            }
            return Err(Exit::Failure);
        }
    };
    // What `check` could not know before locking: the version a branch-tracking product is at.
    let level = crate::validate::rule_levels(&workspace.manifests)
        .get(&Code::RequirementUnsatisfied)
        .copied()
        .unwrap_or(Code::RequirementUnsatisfied.default_level());
    let unsatisfied = resolve::check_requirements(plan, &products);
    if level != Level::Allow && !unsatisfied.is_empty() {
        for failure in &unsatisfied {
            match level {
                Level::Warn => err(&format!("warning: {failure} [requirement-unsatisfied]\n")),
                _ => err(&format!("{}\n", context.render_error(failure))),
            }
        }
        if level == Level::Deny {
            return Err(Exit::Failure);
        }
    }
    Ok(products)
}

/// Serializes writers of `locks/`; a dry run writes nothing, not even that lock.
pub(super) fn writers_lock(
    context: &Context,
    workspace: &Workspace,
    output: Output,
) -> Result<Option<history::Guard>, Exit> {
    if output.dry_run {
        return Ok(None);
    }
    history::exclusive(&workspace.root)
        .map(Some)
        .map_err(|e| fail(context, e))
}

/// A lock of these products, with its build number: an earlier release's when it has the same
/// content, else the next one. The caller names it and sets its date.
pub(super) fn new_lock(
    workspace: &Workspace,
    plan: &Plan,
    history: &History,
    kind: ReleaseKind,
    products: Vec<LockedProduct>,
    options: &Options,
) -> Result<Lockfile, history::HistoryError> {
    let distribution = plan.distribution.name.value.clone();
    let content = Lockfile::content_digest(identity::Version::CURRENT, &products);
    let same = history.same_content(&distribution, &content);
    let build = match same {
        Some(lock) => lock.build,
        None => history.next_build_from(crate::manifest::model::Config::first_build(
            workspace.manifests.config.as_ref().map(|c| &c.value),
        ))?,
    };
    Ok(Lockfile {
        version: FORMAT_VERSION,
        identity_version: Some(identity::Version::CURRENT.number()),
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
        content,
        products,
        tags: Vec::new(),
        companions: Vec::new(),
    })
}

/// Fills a naming template: date codes, `{build}`, the lock's variables, each product's
/// version, and what `extra` knows (`{version}`, `{rc}`...).
pub(super) fn release_name(
    template: &str,
    date: DateTime,
    lock: &Lockfile,
    plan: &Plan,
    extra: impl Fn(&str) -> Option<String>,
) -> Result<String, LockFailure> {
    naming::expand(template, date, |key| {
        if key == "build" {
            return Some(lock.build.to_string());
        }
        extra(key)
            .or_else(|| lock.variables.get(key).cloned())
            .or_else(|| {
                let product = plan.canonical(key)?;
                lock.products
                    .iter()
                    .find(|p| p.name == product)
                    .and_then(|p| p.version.clone())
            })
    })
    .map_err(LockFailure::Name)
}

/// The release already has this content: say so (or print it, for a dry run).
pub(super) fn up_to_date(
    context: &Context,
    workspace: &Workspace,
    existing: &Lockfile,
    output: Output,
) -> Result<Exit, Exit> {
    if output.dry_run {
        out(&existing
            .to_text()
            .map_err(|e| fail(context, LockFailure::Text(e)))?);
    } else {
        let path = crate::lock::path(&workspace.root, &existing.distribution, &existing.release);
        err(&format!(
            "`{}` is up to date: it has this content already\n",
            workspace.shown(&path)
        ));
        summary(workspace, existing, &path, false, output);
    }
    Ok(Exit::Success)
}

/// With `--format json`: what was made, for a script to go on with.
fn summary(
    workspace: &Workspace,
    lock: &Lockfile,
    path: &std::path::Path,
    written: bool,
    output: Output,
) {
    if output.format != Format::Json {
        return;
    }
    let document = serde_json::json!({
        "distribution": lock.distribution,
        "release": lock.release,
        "kind": lock.kind.as_str(),
        "build": lock.build,
        "build_name": naming::build_of(&workspace.manifests, lock),
        "path": workspace.shown(path),
        "written": written,
        "same_content_as": lock.same_content_as,
        "from": lock.from,
        "variables": lock.variables,
        "sources": lock.sources,
        "content": lock.content,
        "products": lock.products.len(),
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    out_json(&text);
}

/// Writes the lock atomically inside the manifest repository (or prints it, for a dry run).
pub(super) fn write(
    context: &Context,
    workspace: &Workspace,
    mut lock: Lockfile,
    output: Output,
) -> Result<Exit, Exit> {
    if lock.same_content_as.as_deref() == Some(lock.release.as_str()) {
        lock.same_content_as = None;
    }
    let text = lock
        .to_text()
        .map_err(|e| fail(context, LockFailure::Text(e)))?;
    if output.dry_run {
        out(&text);
        return Ok(Exit::Success);
    }
    let path = crate::lock::path(&workspace.root, &lock.distribution, &lock.release);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| fail(context, IoError::new(parent, e)))?;
        // `locks/` or its distribution folder may be a link: a lock is never written elsewhere.
        let inside = match (parent.canonicalize(), workspace.root.canonicalize()) {
            (Ok(folder), Ok(root)) => folder.starts_with(root),
            _ => false,
        };
        if !inside {
            return Err(fail(
                context,
                LockFailure::Outside {
                    folder: parent.to_path_buf(),
                },
            ));
        }
    }
    crate::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|e| fail(context, IoError::new(&path, e)))?;
    let build = naming::build_of(&workspace.manifests, &lock);
    let mut lineage = match &lock.same_content_as {
        Some(other) => format!(", same content as `{other}` ({build})"),
        None => format!(", build {build}"),
    };
    if let Some(from) = &lock.from {
        lineage.push_str(&format!(", from `{from}`"));
    }
    err(&format!(
        "wrote `{}`: {}{lineage}\n",
        workspace.shown(&path),
        crate::diagnostic::plural(lock.products.len(), "product")
    ));
    summary(workspace, &lock, &path, true, output);
    Ok(Exit::Success)
}

/// The naming template of `kind`, or DMTN-106's default.
pub(super) fn template(plan: &Plan, kind: ReleaseKind) -> String {
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

/// `--check`: is `existing` what the manifests and mirrors give now?
fn compare(existing: &Lockfile, products: &[LockedProduct], distribution: &str) -> Exit {
    let lines = differences(existing, products);
    let other_version = existing.identity_version() != Some(identity::Version::CURRENT);
    if lines.is_empty() && !other_version {
        err(&format!(
            "`{}` is up to date ({})\n",
            existing.release,
            crate::diagnostic::plural(products.len(), "product")
        ));
        return Exit::Success;
    }
    if other_version {
        // Every identity differs: said once rather than once per product.
        err(&format!(
            "`{}` is stale: its identities are `{}`, a lock made now has `{}` identities\n",
            existing.release,
            existing
                .identity_version()
                .map_or("unknown", identity::Version::header),
            identity::Version::CURRENT.header()
        ));
    }
    if !lines.is_empty() {
        err(&format!(
            "`{}` is stale: {} of its products would change\n{}\n",
            existing.release,
            lines.len(),
            lines.join("\n")
        ));
    }
    err(&format!(
        "run `distrib lock {distribution} --kind <kind>` to write a new lock\n"
    ));
    Exit::Failure
}

/// `--check --base`: the change can be locked (resolving failed otherwise); what the lock
/// would rebuild, for whoever reviews it. Never a failure: rebuilding is what a change does.
fn pre_merge(
    existing: &Lockfile,
    products: &[LockedProduct],
    distribution: &str,
    base: &str,
    sources: &[String],
) -> Exit {
    let lines = differences(existing, products);
    let anew = if sources.is_empty() {
        String::new()
    } else {
        format!("; resolved anew: {}", sources.join(", "))
    };
    err(&format!(
        "`{distribution}` can be locked ({}), with `{}`'s commits for every product whose sources did not change since `{base}`{anew}\n",
        crate::diagnostic::plural(products.len(), "product"),
        existing.release,
    ));
    if lines.is_empty() {
        err("no package would be rebuilt\n");
    } else {
        err(&format!(
            "{} would be rebuilt:\n{}\n",
            crate::diagnostic::plural(lines.len(), "package"),
            lines.join("\n")
        ));
    }
    Exit::Success
}

/// One line per product of `products` whose identity differs from `existing`'s, then one per
/// product `existing` has and `products` lacks.
fn differences(existing: &Lockfile, products: &[LockedProduct]) -> Vec<String> {
    let old: BTreeMap<&str, &LockedProduct> = existing
        .products
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let new: BTreeMap<&str, &LockedProduct> =
        products.iter().map(|p| (p.name.as_str(), p)).collect();
    let commits = |p: &LockedProduct| {
        p.repositories
            .iter()
            .map(|r| r.commit.get(..10).unwrap_or(&r.commit).to_owned())
            .collect::<Vec<_>>()
            .join(",")
    };
    let version = |p: &LockedProduct| p.version.clone().unwrap_or_else(|| "-".into());
    let mut lines = Vec::new();
    let other_version = existing.identity_version() != Some(identity::Version::CURRENT);
    for (name, product) in &new {
        match old.get(name) {
            None => lines.push(format!("  added     {name} {}", version(product))),
            Some(before) if before.identity == product.identity => {}
            // Identities of two versions never compare: the sources still do.
            Some(before) if other_version && commits(before) == commits(product) => {}
            Some(before)
                if commits(before) == commits(product) && before.recipe == product.recipe =>
            {
                lines.push(format!(
                    "  changed   {name} {}: a dependency or the environment changed",
                    version(product)
                ));
            }
            Some(before) => lines.push(format!(
                "  changed   {name} {} ({}) -> {} ({})",
                version(before),
                commits(before),
                version(product),
                commits(product)
            )),
        }
    }
    for name in old.keys().filter(|n| !new.contains_key(*n)) {
        lines.push(format!("  removed   {name}"));
    }
    lines
}
