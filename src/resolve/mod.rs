//! From a validated manifest repository to the exact content of a release: the dependency
//! closure of a distribution, where each repository's mirror is, which ref each one follows,
//! and the commits, trees, versions and identities they resolve to.

mod closure;
pub mod fake;
pub mod platform;
pub mod precedence;
pub mod refs;
mod requirements;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::identity;
use crate::lock::{LockedEnvironment, LockedProduct, LockedRepository};
use crate::manifest::model::{Environment, Product, Repository, Requirement};
use crate::manifest::span::{Entries, Node};

pub use closure::{
    FetchJob, Plan, declared_platforms, default_platform, fetched_platforms, find_distribution,
    host_platform, lock_platform, platform_problem,
};
pub use refs::{Refs, Repositories, ResolveError};
pub use requirements::check_requirements;

#[derive(Debug, Error, Diagnostic)]
pub enum ResolveFailure {
    #[error("unknown distribution `{name}`")]
    #[diagnostic(code("distribution-not-found"), help("{}", help_known(known)))]
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

/// Resolves every product of the plan in its mirrors (a [`Mirrors`], or any other
/// [`Repositories`]). All failures are returned, not the first.
pub fn resolve<M: Repositories + Sync + ?Sized>(
    plan: &Plan,
    mirrors: &M,
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
    // The repositories of each product, read from their mirrors, and its canonical recipe:
    // independent of one another, so on every core (the identities then follow, dependencies
    // first).
    let sources =
        |product: &Product| -> (Vec<LockedRepository>, Option<String>, Vec<ResolveFailure>) {
            let mut failures = Vec::new();
            let mut repositories = Vec::new();
            let parent = precedence::parent(product, options);
            let inherited = parent.inherited;
            let mut version: Option<String> = None;
            let mut all_inherited = inherited.is_some();
            for repository in &product.repositories {
                let path = repository.path.as_ref().map(|p| p.as_str());
                let source = Source {
                    inherited: inherited
                        .and_then(|i| i.commits.get(&source_key(&repository.url, path)))
                        .map(String::as_str),
                    retagged: parent.retagged,
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
                        all_inherited &=
                            source.inherited == Some(locked_repository.reference.as_str());
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
    let resolved = crate::parallel::map(&plan.products, 16, |p| {
        let recipe = identity::canonical_recipe(p.build.as_ref().map(|b| &b.value));
        (sources(p), recipe)
    });
    let mut failures = Vec::new();
    let mut identities: HashMap<String, String> = HashMap::new();
    let mut locked = Vec::with_capacity(plan.products.len());
    for (product, ((repositories, mut version, failed), recipe)) in
        plan.products.iter().zip(resolved)
    {
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
    inherited: Option<&'a str>,
    /// The product's `tag:` changed since the parent release: build it.
    retagged: bool,
    /// The product's version is still to be found.
    version: bool,
}

/// Resolves one repository, from the ref [`precedence::choose`] picks. The version found is
/// the tag when the tag is what was built, else what `describe` says.
fn resolve_repository<M: Repositories + ?Sized>(
    plan: &Plan,
    product: &Product,
    repository: &Repository,
    mirrors: &M,
    options: &Options,
    source: &Source,
) -> Result<(LockedRepository, Option<String>), ResolveFailure> {
    let url = repository.url.as_str();
    let shown = crate::url::redact(url);
    let mirror = mirrors.open(url).map_err(|error| match error {
        refs::Unavailable::Missing(mirror) => ResolveFailure::NotFetched {
            product: product.name.value.clone(),
            url: shown.clone(),
            mirror,
            distribution: plan.distribution.name.value.clone(),
        },
        refs::Unavailable::Unreadable { mirror, reason } => ResolveFailure::Corrupt {
            product: product.name.value.clone(),
            url: shown.clone(),
            mirror,
            reason,
        },
    })?;
    let ref_failure = |problem: ResolveError| ref_failure(product, &shown, problem);
    let tag = product.tag.as_ref().map(|t| t.value.as_str());
    let candidates = precedence::Candidates {
        set: options
            .overrides
            .get(product.name.as_str())
            .map(String::as_str),
        tag,
        retagged: source.retagged,
        release_branch: options.branch,
        inherited: source.inherited,
        reference: repository.reference.as_ref().map(|r| r.value.as_str()),
    };
    let (_, requested) = precedence::choose(&*mirror, &candidates)
        .ok_or_else(|| ref_failure(ResolveError::Empty))?;
    let resolved = refs::resolve_ref(&*mirror, &requested).map_err(|error| match error {
        refs::Unresolved::Ref(error) => ref_failure(error),
        refs::Unresolved::AmbiguousPrefix(candidates) => ResolveFailure::AmbiguousPrefix {
            product: product.name.value.clone(),
            url: shown.clone(),
            prefix: requested.clone(),
            candidates,
        },
    })?;
    // `libs/a/` and `./libs/a` are the sub-tree `libs/a` (docs/identity.md).
    let subtree = repository
        .path
        .as_ref()
        .map(|p| identity::normalize_path(p));
    let tree = mirror
        .tree(&resolved.commit, subtree.as_deref())
        .map_err(ref_failure)?;
    let version = match (source.version, tag) {
        (false, _) => None,
        (true, Some(tag)) if tag == requested => {
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

/// A ref of `product`'s repository `url` that does not resolve, with the fix for each reason.
fn ref_failure(product: &Product, url: &str, problem: ResolveError) -> ResolveFailure {
    let help = match &problem {
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
        ResolveError::NotFound { .. } => "check the ref, or run `distrib fetch` if it is new".into(),
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
        url: url.to_owned(),
        problem: Box::new(problem),
        help,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::manifest::Manifests;
    use crate::resolve::fake::{Fake, Repository};

    /// Manifests written to a temp dir, with an environment `ops` and, unless `files` has one,
    /// the distribution `dist` of `roots`.
    pub(crate) fn write_manifests(files: &[(&str, &str)]) -> (tempfile::TempDir, Manifests) {
        let dir = tempfile::tempdir().unwrap();
        let mut all = vec![
            ("distrib.yaml", ""),
            ("environments/ops.yaml", "name: ops\npurpose: operations\n"),
        ];
        all.extend_from_slice(files);
        for (path, text) in all {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let files = crate::manifest::worktree::list(dir.path());
        let (manifests, _, _) = crate::manifest::load(files, None);
        (dir, manifests)
    }

    /// The distribution `dist` of `roots` on linux.
    pub(crate) fn dist(roots: &str) -> String {
        format!("name: dist\nenvironment: ops\nproducts: [{roots}]\n")
    }

    pub(crate) const LINUX: &str = "linux-x86_64";

    /// A full commit or tree id: `seed` repeated.
    pub(crate) fn id(seed: &str) -> String {
        seed.repeat(40 / seed.len())
    }

    /// `1.0.0` on the first commit (lightweight), `main` one commit past it, `develop` two, at
    /// `1.1.0` (annotated); `no-tag` on a commit of its own, that no tag reaches.
    pub(crate) fn history() -> Repository {
        let (first, second, third) = (id("1"), id("2"), id("3"));
        Repository::new()
            .commit(&first, &[], &id("a"))
            .commit(&second, &[&first], &id("b"))
            .commit(&third, &[&second], &id("c"))
            .commit(&id("4"), &[], &id("f"))
            .branch("no-tag", &id("4"))
            .branch("main", &second)
            .branch("develop", &third)
            .head("main")
            .tag("1.0.0", &first)
            .annotated("1.1.0", &third, "1.1.0", 100)
    }

    fn resolved(
        manifests: &Manifests,
        fake: &Fake,
        options: &Options,
    ) -> Result<BTreeMap<String, LockedProduct>, Vec<ResolveFailure>> {
        let plan = Plan::new(manifests, "dist", LINUX).unwrap();
        let products = resolve(&plan, fake, options)?;
        Ok(products.into_iter().map(|p| (p.name.clone(), p)).collect())
    }

    /// (ref, resolved, commit, version) of each product's first repository.
    fn picked(product: &LockedProduct) -> (&str, &str, &str, Option<&str>) {
        let repository = &product.repositories[0];
        (
            repository.reference.as_str(),
            repository.resolved.as_str(),
            repository.commit.as_str(),
            product.version.as_deref(),
        )
    }

    const URL: &str = "https://example.org/a";

    fn product(name: &str, extra: &str) -> String {
        format!("name: {name}\nrepositories:\n  - url: {URL}\n{extra}")
    }

    #[test]
    fn the_default_branch_then_ref_then_tag_then_set() {
        let fake = Fake::new().with(URL, history());
        let none = BTreeMap::new();
        let options = Options::new(LINUX, &none);
        let short = |seed: &str| id(seed)[..7].to_owned();
        let cases = [
            (
                product("a", ""),
                (
                    "main",
                    "refs/heads/main",
                    id("2"),
                    format!("1.0.0-1-g{}", short("2")),
                ),
            ),
            (
                product("a", "    ref: develop\n"),
                ("develop", "refs/heads/develop", id("3"), "1.1.0".to_owned()),
            ),
            (
                product("a", "    ref: develop\ntag: 1.0.0\n"),
                ("1.0.0", "refs/tags/1.0.0", id("1"), "1.0.0".to_owned()),
            ),
            (
                // A tag whose name is no release says its version with `version:`.
                product("a", "tag: 1.0.0\nversion: v1.0.0-final\n"),
                (
                    "1.0.0",
                    "refs/tags/1.0.0",
                    id("1"),
                    "v1.0.0-final".to_owned(),
                ),
            ),
        ];
        for (text, (reference, full, commit, version)) in cases {
            let (_dir, manifests) = write_manifests(&[
                ("products/a.yaml", &text),
                ("distributions/dist.yaml", &dist("a")),
            ]);
            let products = resolved(&manifests, &fake, &options).unwrap();
            assert_eq!(
                picked(&products["a"]),
                (reference, full, commit.as_str(), Some(version.as_str())),
                "{text}"
            );
        }
        // `--set` wins over the tag, and the version is then what `describe` says.
        let (_dir, manifests) = write_manifests(&[
            ("products/a.yaml", &product("a", "tag: 1.0.0\n")),
            ("distributions/dist.yaml", &dist("a")),
        ]);
        let set = BTreeMap::from([("a".to_owned(), id("2")[..12].to_owned())]);
        let products = resolved(&manifests, &fake, &Options::new(LINUX, &set)).unwrap();
        let expected = format!("1.0.0-1-g{}", short("2"));
        assert_eq!(
            picked(&products["a"]),
            (
                &id("2")[..12],
                id("2").as_str(),
                id("2").as_str(),
                Some(expected.as_str())
            )
        );
    }

    #[test]
    fn sub_trees_of_one_repository() {
        let repository =
            history()
                .folder(&id("2"), "libs/a", &id("d"))
                .folder(&id("2"), "libs/b", &id("e"));
        let fake = Fake::new().with(URL, repository);
        let none = BTreeMap::new();
        let (_dir, manifests) = write_manifests(&[
            ("products/a.yaml", &product("a", "    path: ./libs/a/\n")),
            ("products/b.yaml", &product("b", "    path: libs/b\n")),
            ("products/whole.yaml", &product("whole", "")),
            ("distributions/dist.yaml", &dist("a, b, whole")),
        ]);
        let products = resolved(&manifests, &fake, &Options::new(LINUX, &none)).unwrap();
        let tree = |name: &str| {
            let repository = &products[name].repositories[0];
            (repository.path.as_deref(), repository.tree.clone())
        };
        assert_eq!(tree("a"), (Some("libs/a"), id("d")));
        assert_eq!(tree("b"), (Some("libs/b"), id("e")));
        assert_eq!(tree("whole"), (None, id("b")));

        // A folder the commit does not have.
        let (_dir, manifests) = write_manifests(&[
            ("products/a.yaml", &product("a", "    path: docs\n")),
            ("distributions/dist.yaml", &dist("a")),
        ]);
        let failures = resolved(&manifests, &fake, &Options::new(LINUX, &none)).unwrap_err();
        match &failures[..] {
            [failure @ ResolveFailure::Ref { problem, help, .. }] => {
                assert!(matches!(**problem, ResolveError::PathMissing { .. }));
                assert_eq!(help, "fix `path:`, or pin a commit that has it");
                assert_eq!(
                    failure.to_string(),
                    format!(
                        "product `a`, repository `{URL}`: path `docs` is not a folder in the tree of commit `{}`",
                        id("2")
                    )
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_release_takes_its_branch_then_the_parent_then_a_changed_tag_first() {
        let other = "https://example.org/other";
        let fake = Fake::new()
            .with(URL, history().branch("b.1.x", &id("3")))
            .with(other, history());
        let inherit = |url: &str, commit: &str, version: &str| Inherited {
            commits: BTreeMap::from([(source_key(url, None), commit.to_owned())]),
            version: Some(version.to_owned()),
        };
        let inherited = BTreeMap::from([
            ("branched".to_owned(), inherit(URL, &id("1"), "1.0.0")),
            ("old-name".to_owned(), inherit(other, &id("1"), "0.9.0")),
            ("retagged".to_owned(), inherit(URL, &id("1"), "1.0.0")),
            ("set".to_owned(), inherit(other, &id("1"), "1.0.0")),
        ]);
        let (_dir, manifests) = write_manifests(&[
            ("products/branched.yaml", &product("branched", "")),
            (
                "products/renamed.yaml",
                &format!("name: renamed\naliases: [old-name]\nrepositories:\n  - url: {other}\n"),
            ),
            (
                "products/retagged.yaml",
                &product("retagged", "tag: 1.1.0\n"),
            ),
            (
                "products/set.yaml",
                &format!("name: set\nrepositories:\n  - url: {other}\n"),
            ),
            (
                "distributions/dist.yaml",
                &dist("branched, renamed, retagged, set"),
            ),
        ]);
        let set = BTreeMap::from([("set".to_owned(), "develop".to_owned())]);
        let no_inputs = BTreeMap::new();
        let options = Options {
            platform: LINUX,
            overrides: &set,
            inherited: &inherited,
            branch: Some("b.1.x"),
            inputs: &no_inputs,
        };
        let products = resolved(&manifests, &fake, &options).unwrap();
        let one = id("1");
        assert_eq!(
            picked(&products["branched"]),
            (
                "refs/heads/b.1.x",
                "refs/heads/b.1.x",
                id("3").as_str(),
                Some("1.1.0")
            ),
            "the release branch wins over the parent's commit"
        );
        assert_eq!(
            picked(&products["renamed"]),
            (one.as_str(), one.as_str(), one.as_str(), Some("0.9.0")),
            "no release branch there: the parent's commit, under the former name, and its version"
        );
        assert_eq!(
            picked(&products["retagged"]),
            ("1.1.0", "refs/tags/1.1.0", id("3").as_str(), Some("1.1.0")),
            "a changed tag wins over the release branch"
        );
        assert_eq!(
            picked(&products["set"]),
            (
                "develop",
                "refs/heads/develop",
                id("3").as_str(),
                Some("1.1.0")
            ),
            "`--set` wins over everything, the parent's commit too"
        );
    }

    #[test]
    fn every_failure_is_reported_not_the_first() {
        let twins = [
            format!("abcdef1{}", "0".repeat(33)),
            format!("abcdef1{}", "f".repeat(33)),
        ];
        let fake = Fake::new()
            .with(URL, history())
            .with(
                "https://example.org/twins",
                Repository::new()
                    .commit(&twins[0], &[], &id("a"))
                    .commit(&twins[1], &[], &id("b"))
                    .branch("main", &twins[0]),
            )
            .unreadable("https://example.org/broken", "not a git repository");
        let (_dir, manifests) = write_manifests(&[
            ("products/a.yaml", &product("a", "tag: 9.9.9\n")),
            ("products/b.yaml", &product("b", "    ref: tickets/DM-1\n")),
            (
                "products/c.yaml",
                "name: c\nrepositories:\n  - url: https://example.org/never\n",
            ),
            (
                "products/d.yaml",
                "name: d\nrepositories:\n  - url: https://example.org/broken\n",
            ),
            (
                "products/e.yaml",
                "name: e\nrepositories:\n  - url: https://example.org/twins\n    ref: abcdef1\n",
            ),
            ("distributions/dist.yaml", &dist("a, b, c, d, e")),
        ]);
        let none = BTreeMap::new();
        let failures = resolved(&manifests, &fake, &Options::new(LINUX, &none)).unwrap_err();
        let codes: Vec<String> = failures
            .iter()
            .map(|f| f.code().map(|c| c.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(
            codes,
            [
                "ref-unresolved",
                "ref-unresolved",
                "mirror-missing",
                "mirror-corrupt",
                "ref-unresolved"
            ]
        );
        let helps: Vec<String> = failures
            .iter()
            .map(|f| f.help().map(|h| h.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(helps[0], "the closest refs are `1.0.0`, `1.1.0`, `develop`");
        assert!(
            failures[1]
                .to_string()
                .contains("`tickets/DM-1` is neither a tag")
        );
        assert_eq!(
            helps[2],
            "run `distrib fetch dist` first, or drop `--offline`"
        );
        assert!(failures[3].to_string().contains("not a git repository"));
        assert_eq!(
            failures[4].to_string(),
            format!(
                "product `e`, repository `https://example.org/twins`: `abcdef1` is the beginning of 2 commits: `{}`, `{}`",
                twins[0], twins[1]
            )
        );
        assert_eq!(
            helps[4],
            "write more digits of the commit id, enough for one commit only"
        );
    }

    #[test]
    fn a_dependency_enters_its_dependents_identity() {
        let lib = "https://example.org/lib";
        let none = BTreeMap::new();
        let (_dir, manifests) = write_manifests(&[
            (
                "products/app.yaml",
                &product("app", "depends: { lib: \"*\" }\n"),
            ),
            (
                "products/lib.yaml",
                &format!("name: lib\nrepositories:\n  - url: {lib}\n"),
            ),
            ("distributions/dist.yaml", &dist("app")),
        ]);
        let identities = |lib_head: &str| {
            let fake = Fake::new()
                .with(URL, history())
                .with(lib, history().branch("main", lib_head));
            let products = resolved(&manifests, &fake, &Options::new(LINUX, &none)).unwrap();
            (
                products["app"].identity.clone(),
                products["lib"].identity.clone(),
            )
        };
        let (app, lib_identity) = identities(&id("2"));
        let (moved_app, moved_lib) = identities(&id("3"));
        assert_ne!(lib_identity, moved_lib);
        assert_ne!(
            app, moved_app,
            "the app's own commit did not move, its dependency did"
        );
        assert_eq!(identities(&id("2")), (app, lib_identity), "deterministic");
    }

    /// Resolution is reached from the command line, never the other way, and reads git only
    /// through its seam, that `git::mirror` implements: no file of `resolve/` names clap, the
    /// CLI, gix or the git module.
    #[test]
    fn resolution_imports_neither_the_command_line_nor_git() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/resolve");
        let mut read = 0;
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // The code, not its tests (this one names what it looks for).
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (number, line) in code.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for word in ["clap", "cli::", "gix", "git::"] {
                    assert!(
                        !code.contains(word),
                        "{}:{}: `{word}` in `{line}`",
                        path.display(),
                        number + 1
                    );
                }
            }
            read += 1;
        }
        assert!(read >= 6, "{read} files in {}", folder.display());
    }
}
