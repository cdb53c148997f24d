//! From a validated manifest repository to the exact content of a release: the dependency
//! closure of a distribution, where each repository's mirror is, which ref each one follows,
//! and the commits, trees, versions and identities they resolve to.

mod closure;
pub mod platform;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::git::mirror::{Mirror, MirrorError, ResolveError};
use crate::identity;
use crate::lock::{LockedEnvironment, LockedProduct, LockedRepository};
use crate::manifest::model::{Environment, Product, Repository, Requirement};
use crate::manifest::span::{Entries, Node};

pub use closure::{
    FetchJob, Plan, declared_platforms, default_platform, fetched_platforms, find_distribution,
    host_platform, lock_platform, platform_problem,
};

#[derive(Debug, Error, Diagnostic)]
pub enum ResolveFailure {
    #[error("unknown distribution `{name}`")]
    #[diagnostic(code("distribution-unknown"), help("{}", help_known(known)))]
    UnknownDistribution { name: String, known: Vec<String> },
    #[error("unknown environment `{name}`")]
    #[diagnostic(
        code("environment-unknown"),
        help("run `distrib check`: it reports what is missing")
    )]
    EnvironmentMissing { name: String },
    #[error("no mirror of `{url}` (product `{product}`) at `{}`", mirror.display())]
    #[diagnostic(
        code("mirror-missing"),
        help("run `distrib fetch {distribution}` first, or drop `--offline`")
    )]
    NotFetched {
        product: String,
        url: String,
        mirror: PathBuf,
        distribution: String,
    },
    #[error("the mirror of `{url}` (product `{product}`) cannot be used: {reason}")]
    #[diagnostic(code("mirror-corrupt"), help("delete `{}` and run `distrib fetch` to create it again", mirror.display()))]
    Corrupt {
        product: String,
        url: String,
        mirror: PathBuf,
        reason: String,
    },
    #[error(
        "`{product}` requires `{dependency}` `{requirement}`, and `{dependency}` resolved to `{version}`"
    )]
    #[diagnostic(
        code("requirement-unsatisfied"),
        help(
            "tag a release of `{dependency}` that satisfies it, build `{dependency}` from one with --set, or change the requirement"
        )
    )]
    Requirement {
        product: String,
        dependency: String,
        requirement: String,
        version: String,
    },
    #[error("product `{product}`, repository `{url}`: {problem}")]
    #[diagnostic(code("ref-unresolved"), help("{help}"))]
    Ref {
        product: String,
        url: String,
        problem: Box<ResolveError>,
        help: String,
    },
    #[error(
        "product `{product}`, repository `{url}`: `{prefix}` is the beginning of {} commits: {}",
        candidates.len(),
        candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
    )]
    #[diagnostic(
        code("ref-unresolved"),
        help("write more digits of the commit id, enough for one commit only")
    )]
    AmbiguousPrefix {
        product: String,
        url: String,
        prefix: String,
        candidates: Vec<String>,
    },
    #[error("dependency cycle in `{distribution}` on `{platform}`: {cycle}")]
    #[diagnostic(
        code("dependency-cycle"),
        help(
            "break the cycle: one of these products must not depend on the next on this platform (`distrib check` shows where)"
        )
    )]
    Cycle {
        distribution: String,
        platform: String,
        cycle: String,
    },
}

fn help_known(known: &[String]) -> String {
    if known.is_empty() {
        "add a file under `distributions/`".into()
    } else {
        let known: Vec<String> = known.iter().map(|name| format!("`{name}`")).collect();
        format!("the distributions are {}", known.join(", "))
    }
}

/// Where fetching and resolving read from.
pub struct Mirrors<'a> {
    /// The folder that holds every mirror.
    pub dir: &'a Path,
    /// URL prefix rewrites, like git's `insteadOf`, longest prefix first.
    pub rewrite: Vec<(String, String)>,
    /// The manifest root: relative local repository paths are relative to it.
    pub root: &'a Path,
}

impl Mirrors<'_> {
    /// The mirror of a repository: `<dir>/<host>/<path>.git`, from the URL as written, each
    /// segment percent-encoded (`crate::url::mirror_path`): two repositories never share one.
    pub fn path(&self, url: &str) -> PathBuf {
        let key = crate::url::normalize(url).unwrap_or_else(|_| url.to_owned());
        // A relative local path names a repository relative to this manifest repository: key
        // its mirror by the absolute path, so two manifest repositories sharing the mirrors
        // folder cannot mix theirs up.
        let key = match key.strip_prefix("file://") {
            Some(path) if !path.starts_with('/') => {
                let mut absolute = self.root.to_path_buf();
                for segment in path.split('/') {
                    match segment {
                        ".." => {
                            absolute.pop();
                        }
                        _ => absolute.push(segment),
                    }
                }
                format!("file://{}", absolute.display())
            }
            _ => key,
        };
        crate::url::mirror_path(self.dir, &key)
    }

    /// The URL to fetch from: rewritten, and a relative local path made absolute.
    pub fn fetch_url(&self, url: &str) -> String {
        let rewritten = self
            .rewrite
            .iter()
            .find(|(from, _)| url.starts_with(from.as_str()))
            .map_or_else(
                || url.to_owned(),
                |(from, to)| format!("{to}{}", &url[from.len()..]),
            );
        let is_local_relative = !rewritten.contains("://")
            && !rewritten.starts_with('/')
            && (rewritten.starts_with('.') || !rewritten.contains(':'));
        if is_local_relative {
            self.root.join(&rewritten).display().to_string()
        } else {
            rewritten
        }
    }
}

/// What decides the resolution besides the manifests.
pub struct Options<'a> {
    pub platform: &'a str,
    /// `--set PRODUCT=REF`: the ref of every repository of that product.
    pub overrides: &'a BTreeMap<String, String>,
    /// What a release inherits from the release it is made from, by product.
    pub inherited: &'a BTreeMap<String, Inherited>,
    /// A release branch (`b.17.0.x`): a repository that has it is taken from its head.
    pub branch: Option<&'a str>,
    /// The distribution's build inputs and their values: they enter every identity.
    pub inputs: &'a BTreeMap<String, String>,
}

impl<'a> Options<'a> {
    /// The options of a lock made from the manifests alone.
    pub fn new(platform: &'a str, overrides: &'a BTreeMap<String, String>) -> Self {
        static NONE: BTreeMap<String, Inherited> = BTreeMap::new();
        static NO_INPUTS: BTreeMap<String, String> = BTreeMap::new();
        Options {
            platform,
            overrides,
            inherited: &NONE,
            branch: None,
            inputs: &NO_INPUTS,
        }
    }
}

/// A product as the parent release locked it.
#[derive(Clone, Debug, Default)]
pub struct Inherited {
    /// The commit of each repository, by its `source_key`.
    pub commits: BTreeMap<(String, Option<String>), String>,
    /// The version those commits were released as.
    pub version: Option<String>,
}

impl Inherited {
    /// Every product of a lock, as a release made from it inherits them.
    pub fn from_lock(lock: &crate::lock::Lockfile) -> BTreeMap<String, Inherited> {
        lock.products
            .iter()
            .map(|p| {
                let commits = p
                    .repositories
                    .iter()
                    .map(|r| (source_key(&r.url, r.path.as_deref()), r.commit.clone()))
                    .collect();
                let version = p.version.clone();
                (p.name.clone(), Inherited { commits, version })
            })
            .collect()
    }
}

/// What identifies one source of a product across releases: the normalized URL (so
/// `https://host/o/r` and `git@host:o/r.git` are one repository) and the sub-tree.
pub fn source_key(url: &str, path: Option<&str>) -> (String, Option<String>) {
    let url = crate::url::normalize(url).unwrap_or_else(|_| url.to_owned());
    (url, path.map(identity::normalize_path))
}

/// The environment as a lock records it.
pub fn locked_environment(environment: &Environment) -> LockedEnvironment {
    let purpose = serde_json::to_value(environment.purpose.value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    LockedEnvironment {
        name: environment.name.value.clone(),
        digest: identity::environment_digest_with_env(
            &purpose,
            environment
                .packages
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            environment
                .env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
        purpose,
        packages: environment.packages.clone(),
        env: environment.env.clone(),
    }
}

/// Resolves every product of the plan in its mirrors. All failures are returned, not the first.
pub fn resolve(
    plan: &Plan,
    mirrors: &Mirrors,
    options: &Options,
) -> Result<Vec<LockedProduct>, Vec<ResolveFailure>> {
    let environment = locked_environment(plan.environment);
    let context = crate::lock::IdentityContext {
        version: identity::Version::CURRENT,
        platform: options.platform,
        environment: &environment.digest,
        inputs: options
            .inputs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    };
    // The repositories of each product, read from their mirrors: independent of one another,
    // so on every core (the identities then follow, dependencies first).
    let sources =
        |product: &Product| -> (Vec<LockedRepository>, Option<String>, Vec<ResolveFailure>) {
            let mut failures = Vec::new();
            let mut repositories = Vec::new();
            let overridden = options.overrides.contains_key(product.name.as_str());
            // What the parent release locked for this product, under its name or a former one.
            let inherited = std::iter::once(&product.name)
                .chain(&product.aliases)
                .find_map(|name| options.inherited.get(name.as_str()))
                .filter(|_| !overridden);
            // After the first candidate, a `tag:` pin changed in the manifests is a deliberate
            // change: it wins over the release branch and the parent's commits.
            let retagged = options.branch.is_some()
                && product.tag.is_some()
                && inherited.is_some_and(|i| i.version.as_deref() != pinned_version(product));
            let inherited = inherited.filter(|_| !retagged);
            let mut version: Option<String> = None;
            let mut all_inherited = inherited.is_some();
            for repository in &product.repositories {
                let path = repository.path.as_ref().map(|p| p.as_str());
                let source = Source {
                    inherited: inherited
                        .and_then(|i| i.commits.get(&source_key(&repository.url, path))),
                    retagged,
                    // `describe` walks history: only when the version comes from it.
                    version: version.is_none(),
                };
                match resolve_repository(
                    plan,
                    product,
                    &repository.value,
                    mirrors,
                    options,
                    &source,
                ) {
                    Ok((locked_repository, found)) => {
                        all_inherited &= source.inherited == Some(&locked_repository.reference);
                        version = version.or(found);
                        repositories.push(locked_repository);
                    }
                    Err(failure) => failures.push(failure),
                }
            }
            if all_inherited && let Some(inherited) = inherited {
                version = inherited.version.clone().or(version);
            }
            (repositories, version, failures)
        };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = plan.products.len().div_ceil(threads).max(16);
    let resolved: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .products
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|p| sources(p)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut failures = Vec::new();
    let mut identities: HashMap<String, String> = HashMap::new();
    let mut locked = Vec::with_capacity(plan.products.len());
    for (product, (repositories, mut version, failed)) in plan.products.iter().zip(resolved) {
        failures.extend(failed);
        if product.repositories.is_empty() {
            version = pinned_version(product).map(str::to_owned);
        }
        // Dependencies that do not hold on this platform are not part of the package.
        debug_assert_eq!(plan.platform, options.platform);
        let canonical = |entries: &Entries<Node<Requirement>>| -> Vec<String> {
            entries
                .iter()
                .filter(|(_, requirement)| requirement.holds_on(&plan.platform))
                .filter_map(|(name, _)| plan.canonical(name))
                .map(str::to_owned)
                .collect()
        };
        let depends = canonical(&product.depends);
        let build_depends = canonical(&product.build_depends);
        let recipe = identity::canonical_recipe(product.build.as_ref().map(|b| &b.value));
        if !failures.is_empty() {
            continue;
        }
        locked.push(LockedProduct {
            name: product.name.value.clone(),
            version,
            kind: product.kind.as_str().to_owned(),
            repositories,
            depends,
            build_depends,
            recipe,
            identity: String::new(),
        });
        let product = locked.last_mut().expect("just pushed");
        product.identity =
            product.compute_identity(&context, |d| identities.get(d).map(String::as_str));
        identities.insert(product.name.clone(), product.identity.clone());
    }
    if failures.is_empty() {
        Ok(locked)
    } else {
        Err(failures)
    }
}

/// Requirements checked against the versions resolved: a product that tracks a branch has no
/// version until it is locked, and then its nearest tag says which release it is past.
pub fn check_requirements(plan: &Plan, locked: &[LockedProduct]) -> Vec<ResolveFailure> {
    let versions: HashMap<&str, &str> = locked
        .iter()
        .filter_map(|p| Some((p.name.as_str(), p.version.as_deref()?)))
        .collect();
    let mut failures = Vec::new();
    for product in &plan.products {
        for (name, requirement) in plan.dependencies(product) {
            let text = requirement.version().trim();
            if text == "*" {
                continue;
            }
            let Some(version) = plan.canonical(name).and_then(|target| versions.get(target)) else {
                continue;
            };
            let (Ok(required), Some(release)) =
                (semver::VersionReq::parse(text), nearest_release(version))
            else {
                continue;
            };
            if !crate::validate::satisfies(&required, &release) {
                failures.push(ResolveFailure::Requirement {
                    product: product.name.value.clone(),
                    dependency: name.value.clone(),
                    requirement: text.to_owned(),
                    version: (*version).to_owned(),
                });
            }
        }
    }
    failures
}

/// The version the manifests give a product: its `version` when it is built from its tag or
/// has no repository, else its `tag`; `None` for a product that tracks a branch (its version
/// comes from `describe` when it is locked).
pub fn pinned_version(product: &Product) -> Option<&str> {
    let version = product.version.as_ref().map(|v| v.value.as_str());
    match &product.tag {
        Some(tag) => version.or(Some(tag.value.as_str())),
        None => version.filter(|_| product.repositories.is_empty()),
    }
}

/// The semver release a version is at or past: `27.1.0`, or `27.1.0-3-gabc1234` on a branch.
fn nearest_release(version: &str) -> Option<semver::Version> {
    crate::validate::version_of_tag(described(version).unwrap_or(version))
}

/// The tag of a version in `git describe` form (`<tag>-<n>-g<sha>`, past that tag), or `None`
/// when the version is a tag itself.
pub fn described(version: &str) -> Option<&str> {
    let (rest, sha) = version.rsplit_once("-g")?;
    let (tag, depth) = rest.rsplit_once('-')?;
    let is_sha = !sha.is_empty() && sha.bytes().all(|b| b.is_ascii_hexdigit());
    (is_sha && depth.parse::<u64>().is_ok()).then_some(tag)
}

/// Whether a ref may be an abbreviated commit id: 7 to 63 hex digits (a full id is resolved as
/// such already).
pub fn is_abbreviated_commit(reference: &str) -> bool {
    (7..64).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How one repository of a product is to be resolved, besides the manifests and options.
struct Source<'a> {
    /// The commit the parent release locked.
    inherited: Option<&'a String>,
    /// The product's `tag:` changed since the parent release: build it.
    retagged: bool,
    /// The product's version is still to be found.
    version: bool,
}

/// Resolves one repository: `--set`, a changed `tag:` pin, the release branch, the parent's
/// commit, `tag:`, `ref:`, the default branch, in that order. The version found is the tag
/// when the tag is what was built, else what `describe` says.
fn resolve_repository(
    plan: &Plan,
    product: &Product,
    repository: &Repository,
    mirrors: &Mirrors,
    options: &Options,
    source: &Source,
) -> Result<(LockedRepository, Option<String>), ResolveFailure> {
    let url = repository.url.as_str();
    let shown = crate::url::redact(url);
    let path = mirrors.path(url);
    let mirror = Mirror::open(&path).map_err(|error| match error {
        MirrorError::Missing(mirror) => ResolveFailure::NotFetched {
            product: product.name.value.clone(),
            url: shown.clone(),
            mirror,
            distribution: plan.distribution.name.value.clone(),
        },
        other => ResolveFailure::Corrupt {
            product: product.name.value.clone(),
            url: shown.clone(),
            mirror: path.clone(),
            reason: other.to_string(),
        },
    })?;
    let ref_failure = |source: ResolveError| {
        let help = match &source {
            ResolveError::NotFound { closest, .. } if !closest.is_empty() => {
                format!(
                    "the closest refs are {}",
                    closest
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            ResolveError::NotFound { .. } => {
                "check the ref, or run `distrib fetch` if it is new".into()
            }
            ResolveError::Ambiguous { reference } => {
                format!(
                    "write `ref: refs/tags/{reference}` or `ref: refs/heads/{reference}` to say which one"
                )
            }
            ResolveError::Empty => {
                "push a branch to the repository, or remove it from the product".into()
            }
            ResolveError::PathMissing { .. } => "fix `path:`, or pin a commit that has it".into(),
            ResolveError::NotACommit { .. } => {
                "only a commit can be built: fix the tag at the origin (`git tag -f NAME COMMIT`), or pin another ref (`tag:`, `ref:` or `--set`)".into()
            }
            ResolveError::Read(_) => "delete the mirror and run `distrib fetch` again".into(),
        };
        ResolveFailure::Ref {
            product: product.name.value.clone(),
            url: shown.clone(),
            problem: Box::new(source),
            help,
        }
    };
    let overridden = options.overrides.get(product.name.as_str()).cloned();
    let release_branch = || {
        let full = format!("refs/heads/{}", options.branch?);
        matches!(mirror.peel(&full), Ok(Some(_))).then_some(full)
    };
    let tag = product.tag.as_ref().map(|t| t.value.clone());
    let requested = overridden
        .or_else(|| tag.clone().filter(|_| source.retagged))
        .or_else(release_branch)
        .or_else(|| source.inherited.cloned())
        .or_else(|| tag.clone())
        .or_else(|| repository.reference.as_ref().map(|r| r.value.clone()))
        .or_else(|| mirror.default_branch())
        .ok_or_else(|| ref_failure(ResolveError::Empty))?;
    let resolved = match mirror.resolve(&requested) {
        Ok(resolved) => resolved,
        // A ref of that name wins, as in git; then an abbreviated commit id.
        Err(error @ ResolveError::NotFound { .. }) if is_abbreviated_commit(&requested) => {
            let mut candidates = mirror
                .commits_with_prefix(&requested)
                .map_err(ref_failure)?;
            match candidates.len() {
                1 => {
                    let commit = candidates.remove(0);
                    crate::git::mirror::Resolved {
                        full_ref: commit.clone(),
                        commit,
                        kind: crate::git::mirror::RefKind::Commit,
                    }
                }
                0 => return Err(ref_failure(error)),
                _ => {
                    return Err(ResolveFailure::AmbiguousPrefix {
                        product: product.name.value.clone(),
                        url: shown.clone(),
                        prefix: requested,
                        candidates,
                    });
                }
            }
        }
        Err(error) => return Err(ref_failure(error)),
    };
    // `libs/a/` and `./libs/a` are the sub-tree `libs/a` (docs/identity.md).
    let subtree = repository
        .path
        .as_ref()
        .map(|p| identity::normalize_path(p));
    let tree = mirror
        .tree(&resolved.commit, subtree.as_deref())
        .map_err(ref_failure)?;
    let version = match (source.version, &tag) {
        (false, _) => None,
        (true, Some(tag)) if *tag == requested => {
            Some(pinned_version(product).unwrap_or(tag).to_owned())
        }
        (true, _) => Some(mirror.describe(&resolved.commit).map_err(ref_failure)?),
    };
    Ok((
        LockedRepository {
            url: shown,
            path: subtree,
            reference: requested,
            resolved: resolved.full_ref,
            commit: resolved.commit,
            tree,
        },
        version,
    ))
}
