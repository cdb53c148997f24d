//! Distributions: their roots, their environment, what their run-time closure may contain, their
//! naming templates and their issue-key pattern.

use std::collections::{HashMap, VecDeque};

use super::ProductIndex;
use super::templates;
use crate::diagnostic::{Code, Diagnostic, closest};
use crate::manifest::model::{ProductType, Purpose};
use crate::manifest::{Loaded, Manifests};

pub(super) fn check(manifests: &Manifests, products: &ProductIndex, found: &mut Vec<Diagnostic>) {
    let environments: HashMap<&str, &Loaded<_>> = manifests
        .environments
        .iter()
        .rev()
        .map(|e| (e.value.name.as_str(), e))
        .collect();
    for distribution in &manifests.distributions {
        let file = distribution.file;
        let value = &distribution.value;
        let roots: Vec<usize> = value
            .products
            .iter()
            .filter_map(|root| {
                products.resolve(file, root, Code::ProductUnknown, "`products`", found)
            })
            .collect();

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
        if let Some(environment) = environment.filter(|e| *e.value.purpose == Purpose::Operations) {
            for (tool, path) in run_time_build_tools(manifests, products, &roots) {
                let product = &manifests.products[tool];
                let chain: Vec<&str> = path
                    .iter()
                    .map(|&i| manifests.products[i].value.name.as_str())
                    .collect();
                let dependent = path
                    .len()
                    .checked_sub(2)
                    .map(|i| &manifests.products[path[i]]);
                let mut diagnostic = Diagnostic::new(
                    Code::BuildToolInOperations,
                    file,
                    format!(
                        "build tool `{}` is in the run-time closure of `{}`, whose environment `{}` is for operations",
                        product.value.name, value.name, environment.value.name
                    ),
                )
                .with_label(file, value.environment.span.clone(), "an operations environment");
                if let Some(dependent) = dependent {
                    let key = dependent.value.depends.iter().map(|(k, _)| k).find(|k| {
                        matches!(products.lookup(k), super::Lookup::Name(i) | super::Lookup::Alias(i) if i == tool)
                    });
                    if let Some(key) = key {
                        diagnostic = diagnostic.with_label(
                            dependent.file,
                            key.span.clone(),
                            "needed at run time here",
                        );
                    }
                }
                found.push(diagnostic.with_help(format!(
                    "{}; move `{}` to `build_depends` where it is only needed to build",
                    chain.join(" → "),
                    product.value.name
                )));
            }
        }
        templates::check(distribution, manifests, products, &roots, found);
        if let Some(pattern) = &value.issues
            && let Err(error) = regex::Regex::new(pattern)
        {
            let reason = error.to_string();
            let reason = reason.lines().last().unwrap_or_default().trim();
            let reason = reason.strip_prefix("error: ").unwrap_or(reason).to_owned();
            found.push(
                Diagnostic::new(Code::IssuesPatternInvalid, file, format!("invalid `issues` pattern: {reason}"))
                    .with_label(file, pattern.span.clone(), "not a regular expression")
                    .with_help("write a regular expression matching one issue key, such as `DM-\\d+` or `#\\d+`"),
            );
        }
    }
}

/// Each build tool reached from the roots through run-time (`depends`) edges only, with the
/// shortest chain from a root to it.
fn run_time_build_tools(
    manifests: &Manifests,
    products: &ProductIndex,
    roots: &[usize],
) -> Vec<(usize, Vec<usize>)> {
    let mut parent: HashMap<usize, Option<usize>> = roots.iter().map(|&r| (r, None)).collect();
    let mut queue: VecDeque<usize> = roots.iter().copied().collect();
    let mut tools = Vec::new();
    while let Some(node) = queue.pop_front() {
        let product = &manifests.products[node].value;
        if *product.kind == ProductType::BuildTool {
            let mut path = vec![node];
            let mut current = node;
            while let Some(Some(up)) = parent.get(&current) {
                path.push(*up);
                current = *up;
            }
            path.reverse();
            tools.push((node, path));
        }
        for (name, _) in product.depends.iter() {
            if let super::Lookup::Name(next) | super::Lookup::Alias(next) = products.lookup(name)
                && let std::collections::hash_map::Entry::Vacant(entry) = parent.entry(next)
            {
                entry.insert(Some(node));
                queue.push_back(next);
            }
        }
    }
    tools.sort_unstable();
    tools
}

/// Every product the roots need, at run time or to build.
pub(crate) fn closure(
    manifests: &Manifests,
    products: &ProductIndex,
    roots: &[usize],
) -> Vec<usize> {
    let mut seen = vec![false; manifests.products.len()];
    let mut stack: Vec<usize> = roots.to_vec();
    let mut result = Vec::new();
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut seen[node], true) {
            continue;
        }
        result.push(node);
        let product = &manifests.products[node].value;
        for (name, _) in product.depends.iter().chain(product.build_depends.iter()) {
            if let super::Lookup::Name(next) | super::Lookup::Alias(next) = products.lookup(name)
                && !seen[next]
            {
                stack.push(next);
            }
        }
    }
    result.sort_unstable();
    result
}
