//! Dependencies between products: every name known, requirements valid semver and satisfied by
//! the pinned version, no cycle, every third-party product pinned.

use semver::{Version, VersionReq};

use super::ProductIndex;
use crate::diagnostic::{Code, Diagnostic, FileId};
use crate::manifest::model::{Distribution, Product, ProductOverride, ProductType, Requirement};
use crate::manifest::span::{Entries, Node};
use crate::manifest::{Loaded, Manifests};
use crate::resolve::platform;

/// One resolved dependency edge: the target product, the key node that names it, and the
/// requirement, which says on which platforms it holds.
#[derive(Clone, Copy)]
pub(crate) struct Edge<'a> {
    pub target: usize,
    pub key: &'a Node<String>,
    pub requirement: &'a Requirement,
}

/// A platform a rule is evaluated on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Evaluated {
    pub name: String,
    /// A platform a distribution declares, rather than one standing for a class of platforms.
    pub declared: bool,
}

/// The platforms the rules that depend on one (cycles, build tools at run time, requirements)
/// are evaluated on. A distribution's are the platforms it declares (`platforms`, else
/// `platform`). Where none is declared, the rule holds when it holds on some platform: the
/// dependencies' patterns tell finitely many classes of platforms apart, and one platform of
/// each class stands for it, so that a cycle that exists on no platform is never reported.
pub(crate) struct Platforms {
    classes: Vec<Evaluated>,
    /// Whether some dependency holds on some platforms only: without one, all are alike.
    conditional: bool,
    /// What cycles are evaluated on: every declared platform, and every class when some
    /// distribution declares none.
    everywhere: Vec<Evaluated>,
}

impl Platforms {
    pub fn new(manifests: &Manifests) -> Self {
        let mut patterns: Vec<&str> = Vec::new();
        let mut conditional = false;
        // The dependencies a distribution's `overrides` write tell platforms apart as much as
        // the product files' do.
        let overriding = manifests
            .distributions
            .iter()
            .flat_map(|d| d.value.overrides.iter())
            .flat_map(|(_, o)| o.value.depends.iter().chain(o.value.build_depends.iter()));
        let written = manifests
            .products
            .iter()
            .flat_map(|p| [&p.value.depends, &p.value.build_depends]);
        for entries in written.chain(overriding) {
            for (_, requirement) in entries.iter() {
                if let Requirement::Conditional(condition) = &requirement.value {
                    conditional = true;
                    patterns.extend(
                        condition
                            .platforms
                            .iter()
                            .filter(|p| platform::pattern_problem(p).is_none())
                            .map(|p| p.strip_prefix('!').unwrap_or(p)),
                    );
                }
            }
        }
        let mut everywhere: Vec<Evaluated> = Vec::new();
        let mut undeclared = manifests.distributions.is_empty();
        for distribution in &manifests.distributions {
            let declared = declared(&distribution.value);
            undeclared |= declared.is_empty();
            for name in declared {
                if !everywhere.iter().any(|e| e.name == name) {
                    everywhere.push(Evaluated {
                        name: name.to_owned(),
                        declared: true,
                    });
                }
            }
        }
        // Classes are only evaluated for a distribution that declares no platform: finding
        // them is the costly part of a check on many patterns (alidist's).
        let classes: Vec<Evaluated> = if !undeclared {
            Vec::new()
        } else if conditional {
            platform::representatives(&patterns)
        } else {
            vec![String::new()]
        }
        .into_iter()
        .map(|name| Evaluated {
            name,
            declared: false,
        })
        .collect();
        if undeclared {
            everywhere.extend(classes.iter().cloned());
        }
        Self {
            classes,
            conditional,
            everywhere,
        }
    }

    /// The platforms a distribution's rules are evaluated on.
    pub fn of(&self, distribution: &Distribution) -> Vec<Evaluated> {
        let declared = declared(distribution);
        if declared.is_empty() {
            return self.classes.clone();
        }
        declared
            .into_iter()
            .map(|name| Evaluated {
                name: name.to_owned(),
                declared: true,
            })
            .collect()
    }

    /// Whether some dependency holds on some platforms only.
    pub fn conditional(&self) -> bool {
        self.conditional
    }

    /// Whether a requirement holds on some platform evaluated.
    fn holds_somewhere(&self, requirement: &Requirement) -> bool {
        !matches!(requirement, Requirement::Conditional(_))
            || self
                .everywhere
                .iter()
                .any(|p| requirement.holds_on(&p.name))
    }
}

/// The valid platform names a distribution declares.
fn declared(distribution: &Distribution) -> Vec<&str> {
    crate::resolve::declared_platforms(distribution)
        .into_iter()
        .filter(|p| platform::name_problem(p).is_none())
        .collect()
}

/// Where a finding holds, for its message: ` on `a`, `b`` for declared platforms, or ` on
/// platforms such as `x``; nothing when it holds on every platform evaluated, unless these are
/// the platforms a distribution declares.
pub(crate) fn on_platforms(
    found: &[&Evaluated],
    evaluated: &[Evaluated],
    declared: bool,
) -> String {
    let declared = declared && evaluated.iter().all(|p| p.declared);
    if found.len() == evaluated.len() && !declared {
        return String::new();
    }
    let declared: Vec<String> = found
        .iter()
        .filter(|p| p.declared)
        .map(|p| format!("`{}`", p.name))
        .collect();
    if declared.is_empty() {
        let examples: Vec<String> = found.iter().map(|p| format!("`{}`", p.name)).collect();
        format!(" on platforms such as {}", examples.join(", "))
    } else {
        format!(" on {}", declared.join(", "))
    }
}

pub(super) fn check(
    manifests: &Manifests,
    products: &ProductIndex,
    platforms: &Platforms,
    found: &mut Vec<Diagnostic>,
) {
    let mut graph: Vec<Vec<Edge>> = Vec::with_capacity(manifests.products.len());
    for product in &manifests.products {
        let file = product.file;
        let mut edges = Vec::new();
        let value = &product.value;
        for (field, entries) in [
            ("`depends`", &value.depends),
            ("`build_depends`", &value.build_depends),
        ] {
            for (name, requirement) in entries.iter() {
                check_patterns(file, name, requirement, found);
                let Some(target) =
                    products.resolve(file, name, Code::DependencyUnknown, field, found)
                else {
                    continue;
                };
                edges.push(Edge {
                    target,
                    key: name,
                    requirement: &requirement.value,
                });
                if platforms.holds_somewhere(requirement) {
                    let target = Target::written(products, target);
                    check_requirement(file, name, requirement, target, found);
                }
            }
        }
        graph.push(edges);
        check_pinned(product.file, value, found);
        check_tag_without_repository(product.file, value, found);
    }
    if !platforms.conditional() {
        for cycle in cycles(&graph) {
            found.push(cycle_diagnostic(manifests, &graph, &cycle, ""));
        }
        return;
    }
    // Each platform has its own graph: the edges that hold on it.
    let evaluated = &platforms.everywhere;
    let mut seen: Vec<(Vec<usize>, Vec<&Evaluated>)> = Vec::new();
    for platform in evaluated {
        let holding: Vec<Vec<Edge>> = graph
            .iter()
            .map(|edges| {
                edges
                    .iter()
                    .filter(|e| e.requirement.holds_on(&platform.name))
                    .copied()
                    .collect()
            })
            .collect();
        for cycle in cycles(&holding) {
            match seen.iter_mut().find(|(c, _)| *c == cycle) {
                Some((_, on)) => on.push(platform),
                None => seen.push((cycle, vec![platform])),
            }
        }
    }
    for (cycle, on) in seen {
        let holding: Vec<Vec<Edge>> = graph
            .iter()
            .map(|edges| {
                edges
                    .iter()
                    .filter(|e| e.requirement.holds_on(&on[0].name))
                    .copied()
                    .collect()
            })
            .collect();
        found.push(cycle_diagnostic(
            manifests,
            &holding,
            &cycle,
            &on_platforms(&on, evaluated, false),
        ));
    }
}

/// A dependency's platform patterns: at least one, each a platform name with `*` and an
/// optional leading `!`.
pub(super) fn check_patterns(
    file: crate::diagnostic::FileId,
    name: &Node<String>,
    requirement: &Node<Requirement>,
    found: &mut Vec<Diagnostic>,
) {
    let Requirement::Conditional(condition) = &requirement.value else {
        return;
    };
    let mut problems: Vec<String> = condition
        .platforms
        .iter()
        .filter_map(|p| {
            platform::pattern_problem(p).map(|why| format!("`{}`: {why}", p.escape_debug()))
        })
        .collect();
    if condition.platforms.is_empty() {
        problems.push("`platforms: []` holds on no platform".into());
    }
    for problem in problems {
        found.push(
            Diagnostic::new(
                Code::PlatformInvalid,
                file,
                format!("invalid platform pattern for `{name}`: {problem}"),
            )
            .with_label(file, requirement.span.clone(), "platforms here")
            .with_help(
                "write platform patterns such as `osx*` (`*` matches any text) or `!osx*` (every platform but those), or drop `platforms` for a dependency on every platform",
            ),
        );
    }
}

/// A `tag` names a commit of a repository: a product without one has a `version` instead.
fn check_tag_without_repository(
    file: crate::diagnostic::FileId,
    product: &Product,
    found: &mut Vec<Diagnostic>,
) {
    if let Some(tag) = product
        .tag
        .as_ref()
        .filter(|_| product.repositories.is_empty())
    {
        found.push(tag_without_repository(
            file,
            product,
            tag,
            product.version.as_ref(),
            false,
        ));
    }
}

/// `tag` on `product`, which has no repository, as its file writes it or as an override in
/// `file` gives it (`by_override`); `version` is the one written beside it.
fn tag_without_repository(
    file: crate::diagnostic::FileId,
    product: &Product,
    tag: &Node<String>,
    version: Option<&Node<String>>,
    by_override: bool,
) -> Diagnostic {
    let (from, beside) = if by_override {
        (" from the override", " in the override")
    } else {
        ("", "")
    };
    let diagnostic = Diagnostic::new(
        Code::TagWithoutRepository,
        file,
        format!(
            "`{}` has `tag: {tag}` but no repository, so no commit can be tagged `{tag}`",
            product.name
        ),
    )
    .with_label(file, tag.span.clone(), "a tag without a repository");
    match version {
        Some(version) => diagnostic
            .with_label(file, version.span.clone(), "the product's version")
            .with_help(format!(
                "remove `tag`{from}: the product's version is its `version`"
            )),
        None => diagnostic.with_help(format!(
            "write `version: {tag}`{beside} instead: the version of a product without a repository is its `version`"
        )),
    }
}

/// Whether `version` meets `required`. A pre-release suffix on a tag is often a local patch
/// level (alidist's `v1.83.0-alice2`): it satisfies what its release would.
pub fn satisfies(required: &VersionReq, version: &Version) -> bool {
    required.matches(version)
        || required.matches(&Version {
            pre: semver::Prerelease::EMPTY,
            ..version.clone()
        })
}

/// A version read from a `tag` pin: a leading `v` dropped, `M.n` read as `M.n.0`.
pub fn version_of_tag(tag: &str) -> Option<Version> {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    Version::parse(tag).ok().or_else(|| {
        let (major, minor) = tag.split_once('.')?;
        if major.parse::<u64>().is_ok() && minor.parse::<u64>().is_ok() {
            Version::parse(&format!("{tag}.0")).ok()
        } else {
            None
        }
    })
}

/// A product a requirement names, as the requirement sees it: its fields, and the files its
/// `tag` and `version` are written in (a distribution's, where its override writes them).
#[derive(Clone, Copy)]
struct Target<'a> {
    product: &'a Product,
    tag_file: FileId,
    version_file: FileId,
}

impl<'a> Target<'a> {
    /// The product as its file writes it.
    fn written(products: &'a ProductIndex, index: usize) -> Self {
        let loaded = products.get(index);
        Target {
            product: &loaded.value,
            tag_file: loaded.file,
            version_file: loaded.file,
        }
    }
}

fn check_requirement(
    file: FileId,
    name: &Node<String>,
    requirement: &Node<Requirement>,
    target: Target,
    found: &mut Vec<Diagnostic>,
) {
    let text = requirement.version().trim();
    if text == "*" {
        return;
    }
    let required = match VersionReq::parse(text) {
        Ok(required) => required,
        Err(error) => {
            found.push(
                Diagnostic::new(Code::RequirementInvalid, file, format!("invalid version requirement `{text}` for `{name}`: {error}"))
                    .with_label(file, requirement.span.clone(), "not a semver requirement")
                    .with_help("write a semver requirement such as `>=27`, `^1.2`, `~0.9.1`, `>=1, <2`, or `*` for any version"),
            );
            return;
        }
    };
    // The product's own `version` when it is built from its tag or has no repository, else
    // its tag (as `resolve::pinned_version`).
    let target_value = target.product;
    let (tag, what, tag_file) = match (&target_value.version, &target_value.tag) {
        (Some(version), Some(_)) => (version, "at version", target.version_file),
        (Some(version), None) if target_value.repositories.is_empty() => {
            (version, "at version", target.version_file)
        }
        (_, Some(tag)) => (tag, "pinned to", target.tag_file),
        // A branch-tracking product has no version until it is locked.
        (_, None) => return,
    };
    let diagnostic = match version_of_tag(tag) {
        Some(version) if satisfies(&required, &version) => return,
        Some(version) => Diagnostic::new(
            Code::RequirementUnsatisfied,
            file,
            format!("`{name}` is {what} `{tag}` (version {version}), which does not satisfy `{text}`"),
        )
        .with_help(format!("change the requirement, or pin `{}` to a tag that satisfies it", target_value.name)),
        None => Diagnostic::new(
            Code::RequirementUnsatisfied,
            file,
            format!("`{name}` is {what} `{tag}`, which is not a semver version, so `{text}` cannot be checked"),
        )
        .with_help(if what == "at version" {
            "require `*`, or give the product a semver `version` such as `1.2.3` or `v1.2`"
        } else {
            "require `*`, pin a semver tag such as `1.2.3` or `v1.2`, or give the product its release's `version`"
        }),
    };
    found.push(
        diagnostic
            .with_label(file, requirement.span.clone(), "required here")
            .with_label(
                tag_file,
                tag.span.clone(),
                if what == "at version" {
                    "the version"
                } else {
                    "pinned here"
                },
            ),
    );
}

/// A distribution's products as it builds them: the products it builds differently (as
/// `Manifests::overridden` holds them, with their override) and those it excludes, named by
/// their names as `lock` names them. What the rules on a distribution read instead of the
/// product files.
pub(super) struct Built<'a> {
    file: FileId,
    overridden: Vec<(usize, &'a Product, &'a ProductOverride)>,
    excluded: Vec<usize>,
}

impl<'a> Built<'a> {
    pub fn new(distribution: &'a Loaded<Distribution>, products: &ProductIndex<'a>) -> Self {
        let value = &distribution.value;
        let built = products.manifests.overridden(&value.name);
        let overridden = value
            .overrides
            .iter()
            .filter_map(|(name, o)| {
                let index = products.named(name)?;
                let product = built.iter().find(|p| p.name.value == name.value)?;
                Some((index, product, &o.value))
            })
            .collect();
        let excluded = value
            .exclude
            .iter()
            .filter_map(|name| products.named(name))
            .collect();
        Built {
            file: distribution.file,
            overridden,
            excluded,
        }
    }

    pub fn excluded(&self, index: usize) -> bool {
        self.excluded.contains(&index)
    }

    /// The product `index` as built, with its override, when the distribution overrides it.
    fn override_of(&self, index: usize) -> Option<(&'a Product, &'a ProductOverride)> {
        self.overridden
            .iter()
            .find(|(i, _, _)| *i == index)
            .map(|&(_, product, o)| (product, o))
    }

    /// The requirements of product `index` as the distribution builds it, run-time ones first:
    /// the file they are written in, whether they are run-time ones, the entries, and whether
    /// an override wrote them.
    fn requirements<'p>(
        &self,
        products: &'p ProductIndex<'a>,
        index: usize,
    ) -> [(FileId, bool, &'p Entries<Node<Requirement>>, bool); 2]
    where
        'a: 'p,
    {
        let written = products.get(index);
        let rewrites = self.override_of(index).map(|(_, o)| o);
        [
            (
                true,
                rewrites.and_then(|o| o.depends.as_ref()),
                &written.value.depends,
            ),
            (
                false,
                rewrites.and_then(|o| o.build_depends.as_ref()),
                &written.value.build_depends,
            ),
        ]
        .map(|(run_time, by_override, own)| match by_override {
            Some(entries) => (self.file, run_time, entries, true),
            None => (written.file, run_time, own, false),
        })
    }

    /// What the roots the distribution does not exclude reach, as a table of `count` products:
    /// `next` pushes the products a reached one leads to (those reached already are skipped).
    fn reach(
        &self,
        roots: &[usize],
        count: usize,
        mut next: impl FnMut(usize, &mut Vec<usize>),
    ) -> Vec<bool> {
        let mut reached = vec![false; count];
        let mut stack: Vec<usize> = roots
            .iter()
            .copied()
            .filter(|&r| !self.excluded(r))
            .collect();
        while let Some(node) = stack.pop() {
            if !std::mem::replace(&mut reached[node], true) {
                next(node, &mut stack);
            }
        }
        reached
    }

    /// The products the roots need on every platform of `evaluated`, at run time or to build,
    /// as the distribution builds them: what every lock of it holds, as a membership table.
    /// With no platform evaluated, every dependency holds.
    pub fn members(
        &self,
        products: &ProductIndex<'a>,
        roots: &[usize],
        evaluated: &[Evaluated],
    ) -> Vec<bool> {
        let count = products.products.len();
        let mut members = vec![true; count];
        let all = [None];
        let on: Vec<Option<&str>> = if evaluated.is_empty() {
            all.to_vec()
        } else {
            evaluated.iter().map(|p| Some(p.name.as_str())).collect()
        };
        for platform in on {
            let holds =
                |requirement: &Requirement| platform.is_none_or(|p| requirement.holds_on(p));
            let seen = self.reach(roots, count, |node, stack| {
                // What no override rewrites and nothing excludes: the edges the index resolved.
                if self.excluded.is_empty() && self.override_of(node).is_none() {
                    stack.extend(
                        products.edges[node]
                            .iter()
                            .filter(|&&(_, _, r)| holds(r))
                            .map(|&(next, _, _)| next),
                    );
                    return;
                }
                for (next, _, requirement) in self.edges(products, node) {
                    if holds(requirement) {
                        stack.push(next);
                    }
                }
            });
            for (member, seen) in members.iter_mut().zip(seen) {
                *member &= seen;
            }
        }
        members
    }

    /// The repositories an override gives product `index`, when one does.
    pub fn repositories_of(
        &self,
        index: usize,
    ) -> Option<&'a [Node<crate::manifest::model::Repository>]> {
        self.override_of(index)
            .and_then(|(_, o)| o.repositories.as_deref())
    }

    /// Where product `index`, as the distribution builds it, names its run-time dependency on
    /// `target`: the file (its own, or the distribution's for an override) and the key.
    pub fn run_time_key<'p>(
        &'p self,
        products: &'p ProductIndex<'a>,
        index: usize,
        target: usize,
    ) -> Option<(FileId, &'p Node<String>)>
    where
        'a: 'p,
    {
        let [(file, _, entries, _), _] = self.requirements(products, index);
        entries
            .iter()
            .map(|(key, _)| key)
            .find(|key| products.index_of(key) == Some(target))
            .map(|key| (file, key))
    }

    /// The edges from product `index` as the distribution builds it: the target, whether it
    /// is needed at run time, the requirement; none to what it excludes.
    pub fn edges<'p>(
        &'p self,
        products: &'p ProductIndex<'a>,
        index: usize,
    ) -> impl Iterator<Item = (usize, bool, &'p Requirement)> + 'p
    where
        'a: 'p,
    {
        // What no override rewrites reads the edges the index resolved once.
        let own: &[(usize, bool, &Requirement)] = match self.override_of(index) {
            Some(_) => &[],
            None => &products.edges[index],
        };
        let rewritten = self
            .override_of(index)
            .into_iter()
            .flat_map(move |_| self.requirements(products, index))
            .flat_map(move |(_, run_time, entries, _)| {
                entries.iter().filter_map(move |(name, requirement)| {
                    Some((products.index_of(name)?, run_time, &requirement.value))
                })
            });
        own.iter()
            .copied()
            .chain(rewritten)
            .filter(|(target, _, _)| !self.excluded(*target))
    }
}

/// The requirement and pin rules again where a distribution builds products differently from
/// their files (`overrides`), on its closure as it builds it (an override's `depends`, nothing
/// it excludes, its own platforms): a requirement on a product whose override changes its `tag`
/// or `version`, every requirement an override writes, and the pin of a third-party product
/// whose override changes its repositories, and a cycle that an override's dependencies close.
/// What the product files say alike is reported once, by the rules on the files. Each problem
/// names the distribution; what an override writes is labelled in the distribution's file.
pub(super) fn check_overrides(
    distribution: &Loaded<Distribution>,
    built: &Built,
    products: &ProductIndex,
    platforms: &Platforms,
    roots: &[usize],
    found: &mut Vec<Diagnostic>,
) {
    let value = &distribution.value;
    if built.overridden.is_empty() {
        return;
    }
    let file = distribution.file;
    let count = products.products.len();
    let evaluated = platforms.of(value);
    let holds = |requirement: &Requirement| {
        !matches!(requirement, Requirement::Conditional(_))
            || evaluated.iter().any(|p| requirement.holds_on(&p.name))
    };
    let members = built.reach(roots, count, |node, stack| {
        for (next, _, requirement) in built.edges(products, node) {
            if holds(requirement) {
                stack.push(next);
            }
        }
    });
    let target = |index: usize| -> Target {
        let written = products.get(index);
        match built.override_of(index) {
            Some((product, o)) => Target {
                product,
                tag_file: if o.tag.is_some() { file } else { written.file },
                version_file: if o.version.is_some() {
                    file
                } else {
                    written.file
                },
            },
            None => Target::written(products, index),
        }
    };
    let mut more = Vec::new();
    override_cycles(
        distribution,
        built,
        products,
        platforms,
        roots,
        &evaluated,
        &mut more,
    );
    for dependent in (0..count).filter(|&i| members[i]) {
        let written = &products.get(dependent).value;
        for (entries_file, _, entries, by_override) in built.requirements(products, dependent) {
            for (name, requirement) in entries.iter() {
                let Some(index) = products.index_of(name) else {
                    continue;
                };
                if built.excluded(index) || !holds(requirement) {
                    continue;
                }
                let retagged = built
                    .override_of(index)
                    .is_some_and(|(_, o)| o.tag.is_some() || o.version.is_some());
                // What the files say alike is checked by the rules on the files.
                let as_written = written
                    .depends
                    .iter()
                    .chain(written.build_depends.iter())
                    .any(|(own, r)| own.value == name.value && r.value == requirement.value);
                if retagged || (by_override && !as_written) {
                    check_requirement(entries_file, name, requirement, target(index), &mut more);
                }
            }
        }
    }
    // A `tag` names a commit: an override cannot give one to a product it builds from no
    // repository (its version stays what it was).
    for &(_, product, o) in &built.overridden {
        if let Some(tag) = o.tag.as_ref().filter(|_| product.repositories.is_empty()) {
            more.push(tag_without_repository(
                file,
                product,
                tag,
                o.version.as_ref(),
                true,
            ));
        }
    }
    for index in (0..count).filter(|&i| members[i]) {
        let Some((product, o)) = built.override_of(index) else {
            continue;
        };
        let Some(repositories) = &o.repositories else {
            continue;
        };
        let written = products.get(index);
        if !is_pinned(product) && is_pinned(&written.value) {
            more.push(
                Diagnostic::new(
                    Code::ThirdPartyUnpinned,
                    file,
                    format!("third-party product `{}` is not pinned", product.name),
                )
                .with_label(
                    file,
                    repositories.first().and_then(|r| r.span.clone()),
                    "repositories at no commit id",
                )
                .with_label(
                    written.file,
                    product.kind.span.clone().or_else(|| product.name.span.clone()),
                    "third-party",
                )
                .with_help(
                    "set each repository's `ref` in the override to a commit id, or give the product a `tag`",
                ),
            );
        }
    }
    for mut diagnostic in more {
        diagnostic.message = format!(
            "{} in `{}`, as its `overrides` build it",
            diagnostic.message, value.name
        );
        found.push(diagnostic);
    }
}

/// The dependency cycles of a distribution's closure as it builds it, on each platform
/// evaluated, that an override's dependencies close: `lock` refuses them as it walks that
/// closure. A cycle of the product files alone is the file rule's.
fn override_cycles(
    distribution: &Loaded<Distribution>,
    built: &Built,
    products: &ProductIndex,
    platforms: &Platforms,
    roots: &[usize],
    evaluated: &[Evaluated],
    found: &mut Vec<Diagnostic>,
) {
    let count = products.products.len();
    let name = |i: usize| products.get(i).value.name.as_str();
    // Each cycle, labelled on the platform it is first found on, and where it holds.
    let mut seen: Vec<(Vec<usize>, Diagnostic, Vec<&Evaluated>)> = Vec::new();
    for platform in evaluated {
        // What `lock` walks on this platform: the closure of the roots not excluded, each
        // edge with the file it is written in.
        let mut graph: Vec<Vec<Edge>> = vec![Vec::new(); count];
        let mut files: Vec<Vec<FileId>> = vec![Vec::new(); count];
        built.reach(roots, count, |node, stack| {
            for (file, _, entries, _) in built.requirements(products, node) {
                for (key, requirement) in entries.iter() {
                    let Some(target) = products.index_of(key) else {
                        continue;
                    };
                    if built.excluded(target) || !requirement.holds_on(&platform.name) {
                        continue;
                    }
                    graph[node].push(Edge {
                        target,
                        key,
                        requirement: &requirement.value,
                    });
                    files[node].push(file);
                    stack.push(target);
                }
            }
        });
        for cycle in cycles(&graph) {
            if let Some((_, _, on)) = seen.iter_mut().find(|(c, _, _)| *c == cycle) {
                on.push(platform);
                continue;
            }
            let steps =
                || (0..cycle.len()).map(|step| (cycle[step], cycle[(step + 1) % cycle.len()]));
            // A cycle the product files make alone is reported by the rule on the files.
            let written = steps().all(|(from, to)| {
                products.edges[from]
                    .iter()
                    .any(|&(t, _, r)| t == to && r.holds_on(&platform.name))
            });
            if written {
                continue;
            }
            let mut names: Vec<&str> = cycle.iter().map(|&i| name(i)).collect();
            names.push(name(cycle[0]));
            let mut diagnostic =
                Diagnostic::new(Code::DependencyCycle, distribution.file, names.join(" → "))
                    .with_help(
                        "break the cycle: one of these products must not depend on the next",
                    );
            for (from, to) in steps() {
                if let Some(at) = graph[from].iter().position(|e| e.target == to) {
                    diagnostic = diagnostic.with_label(
                        files[from][at],
                        graph[from][at].key.span.clone(),
                        format!("`{}` depends on `{}`", name(from), name(to)),
                    );
                }
            }
            seen.push((cycle, diagnostic, vec![platform]));
        }
        // Without a dependency on some platforms only, one platform tells it all.
        if !platforms.conditional() {
            break;
        }
    }
    for (_, mut diagnostic, on) in seen {
        let on = if platforms.conditional() {
            on_platforms(&on, evaluated, true)
        } else {
            String::new()
        };
        diagnostic.message = format!("dependency cycle{on}: {}", diagnostic.message);
        found.push(diagnostic);
    }
}

/// Whether a third-party product says exactly which upstream version it is: a tag, a commit id
/// (full or abbreviated) as each repository's `ref`, or, without a repository, a version. Any
/// other product needs no pin.
fn is_pinned(product: &Product) -> bool {
    if *product.kind != ProductType::ThirdParty || product.tag.is_some() {
        return true;
    }
    let by_commit = !product.repositories.is_empty()
        && product.repositories.iter().all(|r| {
            r.value.reference.as_ref().is_some_and(|reference| {
                is_commit_id(reference) || crate::resolve::is_abbreviated_commit(reference)
            })
        });
    by_commit || (product.repositories.is_empty() && product.version.is_some())
}

/// A third-party product must say exactly which upstream version it is.
fn check_pinned(file: FileId, product: &Product, found: &mut Vec<Diagnostic>) {
    if is_pinned(product) {
        return;
    }
    found.push(
        Diagnostic::new(
            Code::ThirdPartyUnpinned,
            file,
            format!("third-party product `{}` is not pinned", product.name),
        )
        .with_label(
            file,
            product
                .kind
                .span
                .clone()
                .or_else(|| product.name.span.clone()),
            "third-party",
        )
        .with_help(
            "add `tag: <upstream version tag>`, or set each repository's `ref` to a commit id",
        ),
    );
}

/// A full SHA-1 or SHA-256 commit id.
pub fn is_commit_id(reference: &str) -> bool {
    matches!(reference.len(), 40 | 64) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The cycles of the graph, one per strongly connected component that has one, each starting
/// at its product that comes first in file order, as the list of product indices along it.
fn cycles(graph: &[Vec<Edge>]) -> Vec<Vec<usize>> {
    let mut result = Vec::new();
    for component in strongly_connected(graph) {
        let start = *component.iter().min().unwrap_or(&0);
        let self_loop = graph[start].iter().any(|e| e.target == start);
        if component.len() == 1 && !self_loop {
            continue;
        }
        let in_component = |n: usize| component.binary_search(&n).is_ok();
        result.push(shortest_cycle(graph, start, in_component));
    }
    result
}

/// Breadth-first search from `start` back to itself, inside one component.
fn shortest_cycle(graph: &[Vec<Edge>], start: usize, inside: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut parent: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for edge in &graph[node] {
            if edge.target == start {
                let mut path = vec![node];
                let mut current = node;
                while current != start {
                    current = parent[&current];
                    path.push(current);
                }
                path.reverse();
                return path;
            }
            if inside(edge.target) && !parent.contains_key(&edge.target) {
                parent.insert(edge.target, node);
                queue.push_back(edge.target);
            }
        }
    }
    vec![start]
}

/// Tarjan's algorithm, iterative so a deep dependency chain cannot overflow the stack. Each
/// component is returned sorted.
fn strongly_connected(graph: &[Vec<Edge>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = graph.len();
    let (mut index, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
    let (mut stack, mut components, mut next) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[node] == UNSEEN {
                index[node] = next;
                low[node] = next;
                next += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(e) = graph[node].get(*edge) {
                *edge += 1;
                let target = e.target;
                if index[target] == UNSEEN {
                    work.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index[target]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}

fn cycle_diagnostic(
    manifests: &Manifests,
    graph: &[Vec<Edge>],
    cycle: &[usize],
    on: &str,
) -> Diagnostic {
    let name = |i: usize| manifests.products[i].value.name.as_str();
    let mut names: Vec<&str> = cycle.iter().map(|&i| name(i)).collect();
    names.push(name(cycle[0]));
    let printed = names.join(" → ");
    let first = &manifests.products[cycle[0]];
    let mut diagnostic = Diagnostic::new(
        Code::DependencyCycle,
        first.file,
        format!("dependency cycle{on}: {printed}"),
    )
    .with_help("break the cycle: one of these products must not depend on the next");
    for (step, &from) in cycle.iter().enumerate() {
        let to = cycle[(step + 1) % cycle.len()];
        if let Some(edge) = graph[from].iter().find(|e| e.target == to) {
            let file = manifests.products[from].file;
            diagnostic = diagnostic.with_label(
                file,
                edge.key.span.clone(),
                format!("`{}` depends on `{}`", name(from), name(to)),
            );
        }
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_versions() {
        assert_eq!(version_of_tag("27.0.0"), Some(Version::new(27, 0, 0)));
        assert_eq!(version_of_tag("v1.2"), Some(Version::new(1, 2, 0)));
        assert_eq!(version_of_tag("3.4.0"), Some(Version::new(3, 4, 0)));
        assert_eq!(version_of_tag("w.2024.10"), None);
        assert_eq!(version_of_tag("27.0.0.rc1"), None);
    }

    #[test]
    fn commit_ids() {
        assert!(is_commit_id(&"a".repeat(40)));
        assert!(!is_commit_id("main"));
        assert!(!is_commit_id(&"g".repeat(40)));
    }
}
