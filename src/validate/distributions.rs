//! Distributions: their roots, their environment, what their run-time closure may contain, their
//! naming templates and their issue-key pattern.

use std::collections::{HashMap, VecDeque};

use super::ProductIndex;
use super::dependencies::{Built, Platforms, check_overrides, check_patterns, on_platforms};
use super::templates;
use crate::diagnostic::{Code, Diagnostic, closest};
use crate::manifest::model::{Distribution, Environment, ProductType, Purpose};
use crate::manifest::{Loaded, Manifests};
use crate::resolve::platform;

pub(super) fn check(
    manifests: &Manifests,
    products: &ProductIndex,
    platforms: &Platforms,
    found: &mut Vec<Diagnostic>,
) {
    let environments: HashMap<&str, &Loaded<Environment>> = manifests
        .environments
        .iter()
        .rev()
        .map(|e| (e.value.name.as_str(), e))
        .collect();
    // Each distribution walks its closure: with a hundred distributions of thousands of
    // products, that is worth all cores, eight distributions at a time (each eight compile the
    // patterns they share once).
    let chunks: Vec<&[Loaded<Distribution>]> = manifests.distributions.chunks(8).collect();
    let parts = crate::parallel::map(&chunks, 1, |part| {
        let mut found = Vec::new();
        // Distributions usually share one pattern: compile each once.
        let mut patterns = HashMap::new();
        for distribution in *part {
            check_distribution(
                distribution,
                manifests,
                products,
                platforms,
                &environments,
                &mut patterns,
                &mut found,
            );
        }
        found
    });
    found.extend(parts.into_iter().flatten());
}

fn check_distribution<'a>(
    distribution: &'a Loaded<Distribution>,
    manifests: &Manifests,
    products: &ProductIndex,
    platforms: &Platforms,
    environments: &HashMap<&str, &Loaded<Environment>>,
    patterns: &mut HashMap<&'a str, Option<String>>,
    found: &mut Vec<Diagnostic>,
) {
    let file = distribution.file;
    let value = &distribution.value;
    let roots: Vec<usize> = value
        .products
        .iter()
        .filter_map(|root| products.resolve(file, root, Code::ProductUnknown, "`products`", found))
        .collect();
    // What the distribution excludes or builds differently must be products, and so must the
    // dependencies an override writes.
    for excluded in &value.exclude {
        let Some(index) = products.resolve_exact(file, excluded, "`exclude`", found) else {
            continue;
        };
        // `lock` leaves an excluded product out under every name, a root too: the release
        // would silently lack what `products` asks for.
        for root in value
            .products
            .iter()
            .filter(|root| products.index_of(root) == Some(index))
        {
            found.push(
                Diagnostic::new(
                    Code::RootExcluded,
                    file,
                    format!(
                        "`{root}` is a root of `{}` and is excluded from it, so `{}` would not build it",
                        value.name, value.name
                    ),
                )
                .with_label(file, root.span.clone(), "a root")
                .with_label(file, excluded.span.clone(), "excluded here")
                .with_help(format!(
                    "remove `{excluded}` from `exclude`, or `{root}` from `products`"
                )),
            );
        }
    }
    for (name, product) in value.overrides.iter() {
        products.resolve_exact(file, name, "`overrides`", found);
        let product = &product.value;
        for (field, depends) in [
            ("`depends` of an override", &product.depends),
            ("`build_depends` of an override", &product.build_depends),
        ] {
            for (dependency, requirement) in depends.iter().flat_map(|d| d.iter()) {
                check_patterns(file, dependency, requirement, found);
                products.resolve(file, dependency, Code::DependencyUnknown, field, found);
            }
        }
    }

    let built = Built::new(distribution, products);
    check_overrides(distribution, &built, products, platforms, &roots, found);
    if value
        .overrides
        .iter()
        .any(|(_, o)| o.value.repositories.is_some())
    {
        // The products of the closure on some platform it is built for.
        let mut members = vec![false; manifests.products.len()];
        for platform in platforms.of(value) {
            let on = built.members(products, &roots, std::slice::from_ref(&platform));
            for (member, on) in members.iter_mut().zip(on) {
                *member |= on;
            }
        }
        super::repositories::check_overrides(distribution, &built, products, &members, found);
    }

    let environment = environments.get(value.environment.as_str());
    if environment.is_none()
        && !manifests.is_unparsed(crate::manifest::Kind::Environment, &value.environment)
    {
        let names: Vec<&str> = environments.keys().copied().collect();
        found.push(
            Diagnostic::new(
                Code::EnvironmentUnknown,
                file,
                format!("unknown environment `{}`", value.environment),
            )
            .with_label(
                file,
                value.environment.span.clone(),
                "no environment has this name",
            )
            .with_help(match closest(&value.environment, &names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("add `environments/{}.yaml`", value.environment),
            }),
        );
    }
    check_platforms(distribution, found);
    if let Some(environment) = environment.filter(|e| *e.value.purpose == Purpose::Operations) {
        // Each platform the distribution is built for has its own closure.
        let evaluated = platforms.of(value);
        let mut tools: Vec<(usize, Vec<usize>, Vec<&_>)> = Vec::new();
        for platform in &evaluated {
            for (tool, path) in
                run_time_build_tools(manifests, products, &built, &roots, &platform.name)
            {
                match tools.iter_mut().find(|(t, _, _)| *t == tool) {
                    Some((_, _, on)) => on.push(platform),
                    None => tools.push((tool, path, vec![platform])),
                }
            }
            // Without a dependency on some platforms only, one platform tells it all.
            if !platforms.conditional() {
                break;
            }
        }
        tools.sort_by_key(|(tool, _, _)| *tool);
        for (tool, path, on) in tools {
            let on = if platforms.conditional() {
                on_platforms(&on, &evaluated, true)
            } else {
                String::new()
            };
            let product = &manifests.products[tool];
            let chain: Vec<&str> = path
                .iter()
                .map(|&i| manifests.products[i].value.name.as_str())
                .collect();
            let dependent = path.len().checked_sub(2).map(|i| path[i]);
            let mut diagnostic = Diagnostic::new(
                Code::BuildToolInOperations,
                file,
                format!(
                    "build tool `{}` is in the run-time closure of `{}`{on}, whose environment `{}` is for operations",
                    product.value.name, value.name, environment.value.name
                ),
            )
            .with_label(file, value.environment.span.clone(), "an operations environment");
            // Where the dependency is written: in the product's file, or in an override.
            if let Some((key_file, key)) =
                dependent.and_then(|d| built.run_time_key(products, d, tool))
            {
                diagnostic =
                    diagnostic.with_label(key_file, key.span.clone(), "needed at run time here");
            }
            found.push(diagnostic.with_help(format!(
                "{}; move `{}` to `build_depends` where it is only needed to build",
                chain.join(" → "),
                product.value.name
            )));
        }
    }
    // `{Product}` is the version of a product of the lock: of the closure as the distribution
    // builds it, on whichever of its platforms the lock is made for.
    let members = || {
        // Without a dependency on some platforms only, every platform has one closure.
        let evaluated = if platforms.conditional() {
            platforms.of(value)
        } else {
            Vec::new()
        };
        built.members(products, &roots, &evaluated)
    };
    templates::check(distribution, manifests, products, &members, found);
    if let Some(pattern) = &value.issues
        && let Some(reason) = patterns.entry(pattern.as_str()).or_insert_with(|| {
            match regex::Regex::new(pattern) {
                Err(e) => Some(pattern_error(&e)),
                // An issue key is never empty: a pattern that matches nothing at all finds an
                // empty key in every commit message.
                Ok(regex) if regex.is_match("") => Some(if pattern.is_empty() {
                    "the pattern is empty, so every commit message holds an empty issue key".into()
                } else {
                    format!(
                        "`{}` matches the empty text, so every commit message holds an empty issue key",
                        pattern.as_str()
                    )
                }),
                Ok(_) => None,
            }
        })
    {
        found.push(
            Diagnostic::new(
                Code::IssuesPatternInvalid,
                file,
                format!("invalid `issues` pattern: {reason}"),
            )
            .with_label(
                file,
                pattern.span.clone(),
                if regex::Regex::new(pattern).is_ok() {
                    "matches an empty key"
                } else {
                    "not a regular expression"
                },
            )
            .with_help(
                "write a regular expression matching one issue key, such as `DM-\\d+` or `#\\d+`",
            ),
        );
    }
    // The checks `gates:` names are what `distrib record` takes: a name it refuses could never
    // be recorded, and its gate never opened.
    for (step, checks) in value.gates.steps() {
        for check in checks {
            if let Some(why) = crate::records::check_name_problem(check) {
                found.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        file,
                        format!("`{}` in the `{step}` gate is not a check name: {why}", check.value),
                    )
                    .with_label(file, check.span.clone(), "not a check name")
                    .with_help("name checks with letters, digits and `._-`, as `distrib record` takes them: `build`, `fst`, `validation`"),
                );
            }
        }
    }
}

/// Each build tool reached from the roots through run-time (`depends`) edges that hold on
/// `platform` only, with the shortest chain from a root to it; the products as the distribution
/// builds them (`built`).
fn run_time_build_tools(
    manifests: &Manifests,
    products: &ProductIndex,
    built: &Built,
    roots: &[usize],
    platform: &str,
) -> Vec<(usize, Vec<usize>)> {
    const ROOT: usize = usize::MAX;
    let mut parent: Vec<Option<usize>> = vec![None; manifests.products.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for &root in roots.iter().filter(|&&root| !built.excluded(root)) {
        if parent[root].is_none() {
            parent[root] = Some(ROOT);
            queue.push_back(root);
        }
    }
    let mut tools = Vec::new();
    while let Some(node) = queue.pop_front() {
        if *manifests.products[node].value.kind == ProductType::BuildTool {
            let mut path = vec![node];
            let mut current = node;
            while let Some(up) = parent[current].filter(|&up| up != ROOT) {
                path.push(up);
                current = up;
            }
            path.reverse();
            tools.push((node, path));
        }
        for (next, run_time, requirement) in built.edges(products, node) {
            if run_time && parent[next].is_none() && requirement.holds_on(platform) {
                parent[next] = Some(node);
                queue.push_back(next);
            }
        }
    }
    tools.sort_unstable();
    tools
}

/// `platform` and `platforms`: platform names, at least one listed, and `platform` among them.
fn check_platforms(distribution: &Loaded<Distribution>, found: &mut Vec<Diagnostic>) {
    let file = distribution.file;
    let value = &distribution.value;
    let help = "name platforms with letters, digits, `.`, `_`, `+` and `-`, such as `slc9_x86-64` or `osx_arm64`";
    let listed = value.platforms.iter().flatten();
    for name in value.platform.iter().chain(listed.clone()) {
        if let Some(problem) = platform::name_problem(name) {
            found.push(
                Diagnostic::new(
                    Code::PlatformInvalid,
                    file,
                    format!("invalid platform `{}`: {problem}", name.escape_debug()),
                )
                .with_label(file, name.span.clone(), "not a platform name")
                .with_help(help),
            );
        }
    }
    let Some(list) = &value.platforms else {
        return;
    };
    if list.is_empty() {
        found.push(
            Diagnostic::new(
                Code::PlatformInvalid,
                file,
                format!("`{}` lists no platform in `platforms`", value.name),
            )
            .with_label(file, value.name.span.clone(), "this distribution")
            .with_help("list the platforms it is built for, or remove `platforms`"),
        );
    }
    if let Some(platform) = &value.platform
        && !list.is_empty()
        && !list.iter().any(|p| p.value == platform.value)
    {
        let mut diagnostic = Diagnostic::new(
            Code::PlatformInvalid,
            file,
            format!(
                "`platform: {platform}` is not one of the platforms `{}` is built for",
                value.name
            ),
        )
        .with_label(file, platform.span.clone(), "the default platform");
        if let Some(first) = list.first() {
            diagnostic = diagnostic.with_label(file, first.span.clone(), "the platforms listed");
        }
        found.push(diagnostic.with_help(format!("add `{platform}` to `platforms`, or remove `platform`: the first of `platforms` is the default")));
    }
}

fn pattern_error(error: &regex::Error) -> String {
    let reason = error.to_string();
    let reason = reason.lines().last().unwrap_or_default().trim();
    reason.strip_prefix("error: ").unwrap_or(reason).to_owned()
}
