//! `distrib lock`: resolve a distribution to exact commits, trees and identities, and write
//! the release's lockfile; `--check` compares instead of writing (the pre-merge step).

use std::collections::BTreeMap;

use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, boxed, err, out};
use crate::diagnostic::Code;
use crate::fsutil::IoError;
use crate::lock::history::{self, History};
use crate::lock::{FORMAT_VERSION, LockedProduct, Lockfile, ReleaseKind};
use crate::manifest::model::Level;
use crate::naming::{self, DateTime};
use crate::resolve::{self, Options, Plan};

/// Resolve a distribution and write the lockfile of a release
///
/// Every product of the distribution's closure is resolved in the mirrors (brought up to date
/// first, unless --offline): `--set`, else the product's `tag`, else the repository's `ref`, else
/// the default branch. The lock records commits, trees and package identities, and is written
/// to `locks/<DIST>/<release>.lock.yaml`, atomically. The same manifests and mirrors give the
/// same bytes.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib lock lsst_distrib --kind weekly --date 2026-11-21\n  \
distrib lock O2PDPSuite --kind manual --set O2=v1.2.3 --var flp_suite=0.41.0\n  \
distrib lock lsst_distrib --check"
)]
pub struct Args {
    /// The distribution
    distribution: String,

    /// The kind of release
    #[arg(long, value_enum, required_unless_present = "check")]
    kind: Option<Kind>,

    /// Release date and time (UTC), for the name [default: now]
    #[arg(long, value_name = "YYYY-MM-DD[THH:MM]", value_parser = parse_date)]
    date: Option<DateTime>,

    /// Set a naming variable, overriding the distribution's default
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = key_value)]
    variables: Vec<(String, String)>,

    /// Build a product from another ref (a tag, a branch or a commit)
    #[arg(long = "set", value_name = "PRODUCT=REF", value_parser = key_value)]
    overrides: Vec<(String, String)>,

    /// The platform to lock for [default: the distribution's `platform`; else, with --check,
    /// the compared lock's; else this machine's]
    #[arg(long)]
    platform: Option<String>,

    /// Use the mirrors as they are, without fetching
    #[arg(long)]
    offline: bool,

    /// Print the lockfile instead of writing it
    #[arg(long)]
    dry_run: bool,

    /// Compare with the newest lock of the distribution instead of writing; exit 1 when stale
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,

    /// With --check: compare with this release instead of the newest
    #[arg(long, value_name = "NAME", requires = "check")]
    release: Option<String>,

    /// Repositories fetched at once [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

/// The kinds `lock` makes; candidates, finals and patches come from a parent release.
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

fn parse_date(text: &str) -> Result<DateTime, String> {
    DateTime::parse(text).map_err(|e| e.to_string())
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum LockFailure {
    #[error("unknown variable `{name}` in --var")]
    #[diagnostic(
        code("variable-unknown"),
        help("declare it under `variables:` in the distribution")
    )]
    Variable { name: String },
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

pub fn run(context: &Context, args: Args) -> Result<Exit, Box<dyn miette::Diagnostic>> {
    let Some(workspace) = Workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let plan = Plan::new(&workspace.manifests, &args.distribution).map_err(boxed)?;
    // Everything the command line says is checked before anything is fetched.
    let mut overrides: BTreeMap<String, String> = BTreeMap::new();
    for (name, reference) in &args.overrides {
        let Some(product) = plan
            .canonical(name)
            .and_then(|n| plan.products.iter().find(|p| p.name.value == n))
        else {
            return Ok(usage(context, LockFailure::Override { name: name.clone() }));
        };
        if product.repositories.is_empty() {
            return Ok(usage(
                context,
                LockFailure::NoRepository { name: name.clone() },
            ));
        }
        overrides.insert(product.name.value.clone(), reference.clone());
    }
    let mut variables: BTreeMap<String, String> = plan
        .distribution
        .variables
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.clone()))
        .collect();
    for (key, value) in &args.variables {
        if !variables.contains_key(key) {
            return Ok(usage(context, LockFailure::Variable { name: key.clone() }));
        }
        // A variable ends up in a release name, a file name and a git tag.
        if let Err(error) = naming::check_release_name(value) {
            return Ok(usage(context, LockFailure::Name(error)));
        }
        variables.insert(key.clone(), value.clone());
    }
    // `--check` compares like with like: the compared lock's overrides unless the command line
    // gives some, and its platform when neither the command line nor the distribution names one.
    let compared = if args.check {
        let history = History::read(&workspace.root).map_err(boxed)?;
        let existing = match &args.release {
            Some(release) => history.find(&args.distribution, release),
            None => history.newest(&args.distribution),
        }
        .cloned()
        .ok_or_else(|| boxed(LockFailure::NothingToCheck(args.distribution.clone())))?;
        if args.overrides.is_empty() {
            overrides = existing.overrides.clone();
        }
        Some(existing)
    } else {
        None
    };
    let platform = args
        .platform
        .clone()
        .or_else(|| plan.distribution.platform.as_ref().map(|p| p.value.clone()))
        .or_else(|| compared.as_ref().map(|l| l.platform.clone()))
        .unwrap_or_else(|| format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH));

    let mirrors = workspace.mirrors();
    if !args.offline {
        let jobs: Vec<(String, String)> = plan
            .repositories()
            .into_iter()
            .map(|j| (j.product.to_owned(), j.url.to_owned()))
            .collect();
        let (failures, _) = super::fetch::fetch_all(&mirrors, &jobs, args.jobs);
        if !failures.is_empty() {
            for (product, url, error) in &failures {
                err(&format!(
                    "error: cannot fetch `{url}` (product `{product}`): {error}\n"
                ));
            }
            err(
                "nothing was locked: a lock is never made from stale mirrors (pass --offline to use them as they are)\n",
            );
            return Ok(Exit::Failure);
        }
    }
    let options = Options {
        platform: &platform,
        overrides: &overrides,
    };
    let products = match resolve::resolve(&plan, &mirrors, &options) {
        Ok(products) => products,
        Err(failures) => {
            for failure in failures {
                err(&format!("{}\n", context.render_error(&failure)));
            }
            return Ok(Exit::Failure);
        }
    };
    // What `check` could not know before locking: the version a branch-tracking product is at.
    let level = crate::validate::rule_levels(&workspace.manifests)
        .get(&Code::RequirementUnsatisfied)
        .copied()
        .unwrap_or(Code::RequirementUnsatisfied.default_level());
    let unsatisfied = resolve::check_requirements(&plan, &products, &options);
    if level != Level::Allow && !unsatisfied.is_empty() {
        for failure in &unsatisfied {
            match level {
                Level::Warn => err(&format!("warning: {failure} [requirement-unsatisfied]\n")),
                _ => err(&format!("{}\n", context.render_error(failure))),
            }
        }
        if level == Level::Deny {
            return Ok(Exit::Failure);
        }
    }
    if let Some(existing) = compared {
        return Ok(compare(&existing, &products, &args.distribution));
    }

    let date = args.date.unwrap_or_else(DateTime::now);
    let kind = ReleaseKind::from(args.kind.unwrap_or(Kind::Manual));
    // A dry run writes nothing, not even the lock that serializes writers.
    let _guard = if args.dry_run {
        None
    } else {
        Some(history::exclusive(&workspace.root).map_err(boxed)?)
    };
    let history = History::read(&workspace.root).map_err(boxed)?;
    let content = Lockfile::content_digest(&products);
    let same = history.same_content(&args.distribution, &content);
    let build = match same {
        Some(lock) => lock.build,
        None => history.next_build().map_err(boxed)?,
    };
    let mut lock = Lockfile {
        version: FORMAT_VERSION,
        distribution: args.distribution.clone(),
        release: String::new(),
        kind,
        parent: None,
        build,
        same_content_as: same.map(|l| l.release.clone()),
        date: date.to_text(),
        manifest_commit: workspace.manifest_commit(),
        platform,
        variables,
        overrides,
        environment: resolve::locked_environment(plan.environment),
        content,
        products,
    };
    let template = template(&plan, kind);
    let name = |template: &str| {
        naming::expand(template, date, |key| {
            if key == "build" {
                return Some(lock.build.to_string());
            }
            lock.variables.get(key).cloned().or_else(|| {
                let product = plan.canonical(key)?;
                lock.products
                    .iter()
                    .find(|p| p.name == product)
                    .and_then(|p| p.version.clone())
            })
        })
        .map_err(|e| boxed(LockFailure::Name(e)))
    };
    let mut release = name(&template)?;
    let path_of = |release: &str| crate::lock::path(&workspace.root, &args.distribution, release);
    let shown = |path: &std::path::Path| {
        path.strip_prefix(&workspace.root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    // A release is never rewritten: the same content under its name is that release. O2 §7: a
    // second build of a day with other content gets the time.
    let again = name(&format!("{template}-%H%M"))?;
    for candidate in [&release, &again] {
        let Some(existing) = history.find(&args.distribution, candidate) else {
            break;
        };
        if existing.content == lock.content {
            if args.dry_run {
                out(&existing
                    .to_text()
                    .map_err(|e| boxed(LockFailure::Text(e)))?);
            } else {
                err(&format!(
                    "`{}` is up to date: it has this content already\n",
                    shown(&path_of(candidate))
                ));
            }
            return Ok(Exit::Success);
        }
    }
    if history.find(&args.distribution, &release).is_some() {
        if history.find(&args.distribution, &again).is_some() {
            return Err(boxed(LockFailure::Taken { release, again }));
        }
        release = again;
    }
    if lock.same_content_as.as_deref() == Some(release.as_str()) {
        lock.same_content_as = None;
    }
    lock.release = release;
    let text = lock.to_text().map_err(|e| boxed(LockFailure::Text(e)))?;
    if args.dry_run {
        out(&text);
        return Ok(Exit::Success);
    }
    let path = path_of(&lock.release);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| boxed(IoError::new(parent, e)))?;
        // `locks/` or its distribution folder may be a link: a lock is never written elsewhere.
        let inside = match (parent.canonicalize(), workspace.root.canonicalize()) {
            (Ok(folder), Ok(root)) => folder.starts_with(root),
            _ => false,
        };
        if !inside {
            return Err(boxed(LockFailure::Outside {
                folder: parent.to_path_buf(),
            }));
        }
    }
    crate::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|e| boxed(IoError::new(&path, e)))?;
    let reuse = match &lock.same_content_as {
        Some(other) => format!(", same content as `{other}` (b{})", lock.build),
        None => format!(", build b{}", lock.build),
    };
    err(&format!(
        "wrote `{}`: {}{reuse}\n",
        shown(&path),
        crate::diagnostic::plural(lock.products.len(), "product")
    ));
    Ok(Exit::Success)
}

/// Reports a usage problem found in the command line's values.
fn usage(context: &Context, failure: LockFailure) -> Exit {
    err(&format!("{}\n", context.render_error(&failure)));
    Exit::Usage
}

/// The naming template of `kind`, or DMTN-106's default.
fn template(plan: &Plan, kind: ReleaseKind) -> String {
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
    for (name, product) in &new {
        match old.get(name) {
            None => lines.push(format!("  added     {name} {}", version(product))),
            Some(before) if before.identity == product.identity => {}
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
    if lines.is_empty() {
        err(&format!(
            "`{}` is up to date ({})\n",
            existing.release,
            crate::diagnostic::plural(products.len(), "product")
        ));
        return Exit::Success;
    }
    err(&format!(
        "`{}` is stale: {} of its products would change\n{}\n",
        existing.release,
        lines.len(),
        lines.join("\n")
    ));
    err(&format!(
        "run `distrib lock {distribution} --kind <kind>` to write a new lock\n"
    ));
    Exit::Failure
}
