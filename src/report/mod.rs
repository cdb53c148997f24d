//! Reports computed from lockfiles: what changed between two releases and what must be rebuilt
//! (`diff`), the release note (`notes`, given the commits read from the mirrors), the
//! dependency graph (`graph`), what a binary store lacks (`plan`), and the document of the
//! locked releases (`list`). Pure functions of
//! `Lockfile`s: nothing here reads files or prints; document formats (Markdown, HTML, DOT,
//! Mermaid) are rendered here, the terminal's tables in `cli/`.

pub mod diff;
pub mod graph;
pub mod list;
pub mod notes;
pub mod plan;

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

use crate::lock::{LockedProduct, Lockfile};

/// Why a lock's products have no build order. `lock::parse` rejects both, so only a lock built
/// in memory can meet them.
#[derive(Debug, Error, miette::Diagnostic, PartialEq, Eq)]
pub enum OrderError {
    #[error("`{product}` depends on `{dependency}`, which the lock does not contain")]
    #[diagnostic(
        code("lock-invalid"),
        help("a lock is written by distrib only: write it again with `distrib lock`")
    )]
    Missing { product: String, dependency: String },
    #[error("the dependencies recorded in the lock form a cycle through {}", names(.0))]
    #[diagnostic(
        code("lock-invalid"),
        help("a lock is written by distrib only: write it again with `distrib lock`")
    )]
    Cycle(Vec<String>),
}

/// `name` in backticks, joined with `, `.
fn names(list: &[String]) -> String {
    list.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The products of `lock` with every dependency (run time and build time) before its
/// dependents; among products ready at the same time, by name. The same lock always gives the
/// same order.
pub fn build_order(lock: &Lockfile) -> Result<Vec<&LockedProduct>, OrderError> {
    let by_name: BTreeMap<&str, &LockedProduct> =
        lock.products.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for product in &lock.products {
        let mut dependencies = BTreeSet::new();
        for dependency in product.depends.iter().chain(&product.build_depends) {
            if !by_name.contains_key(dependency.as_str()) {
                return Err(OrderError::Missing {
                    product: product.name.clone(),
                    dependency: dependency.clone(),
                });
            }
            if dependencies.insert(dependency.as_str()) {
                dependents
                    .entry(dependency.as_str())
                    .or_default()
                    .push(product.name.as_str());
            }
        }
        waiting.insert(product.name.as_str(), dependencies);
    }
    let mut ready: BTreeSet<&str> = waiting
        .iter()
        .filter(|(_, d)| d.is_empty())
        .map(|(n, _)| *n)
        .collect();
    let mut order = Vec::with_capacity(lock.products.len());
    while let Some(name) = ready.pop_first() {
        order.push(by_name[name]);
        waiting.remove(name);
        for dependent in dependents.get(name).into_iter().flatten() {
            if let Some(left) = waiting.get_mut(dependent) {
                left.remove(name);
                if left.is_empty() {
                    ready.insert(dependent);
                }
            }
        }
    }
    if !waiting.is_empty() {
        return Err(OrderError::Cycle(
            waiting.keys().map(|n| (*n).to_owned()).collect(),
        ));
    }
    Ok(order)
}

/// The first characters of an object id or digest, enough to tell them apart in a table.
pub fn short(id: &str, length: usize) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.get(..length).unwrap_or(hex)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::identity;
    use crate::lock::{FORMAT_VERSION, LockedEnvironment, LockedRepository, ReleaseKind};

    /// A product of a test lock: name, tree (`None`: no repository), run-time and build-time
    /// dependencies.
    pub(crate) struct Spec<'a> {
        pub name: &'a str,
        pub tree: Option<char>,
        pub depends: &'a [&'a str],
        pub build_depends: &'a [&'a str],
    }

    pub(crate) fn spec<'a>(name: &'a str, tree: Option<char>, depends: &'a [&'a str]) -> Spec<'a> {
        Spec {
            name,
            tree,
            depends,
            build_depends: &[],
        }
    }

    /// A consistent lock (identities and digests computed) of `products`.
    pub(crate) fn lock(release: &str, python: &str, products: &[Spec]) -> Lockfile {
        let environment = identity::environment_digest("operations", [("python", python)]);
        let mut lock = Lockfile {
            version: FORMAT_VERSION,
            identity_version: Some(identity::Version::CURRENT.number()),
            distribution: "dist".into(),
            release: release.into(),
            kind: ReleaseKind::Weekly,
            release_version: None,
            rc: None,
            from: None,
            build: 1,
            same_content_as: None,
            date: "2026-11-19".into(),
            manifest_commit: None,
            platform: "linux-x86_64".into(),
            variables: BTreeMap::new(),
            sources: BTreeMap::new(),
            inputs: Vec::new(),
            overrides: BTreeMap::new(),
            environment: LockedEnvironment {
                name: "ops".into(),
                purpose: "operations".into(),
                packages: [("python".to_owned(), python.to_owned())].into(),
                env: Default::default(),
                digest: environment,
            },
            content: String::new(),
            products: products
                .iter()
                .map(|s| LockedProduct {
                    name: s.name.into(),
                    version: s.tree.map(|_| "1.0.0".into()),
                    kind: "internal".into(),
                    repositories: s
                        .tree
                        .map(|tree| LockedRepository {
                            url: format!("https://example.org/{}", s.name),
                            path: None,
                            reference: "1.0.0".into(),
                            resolved: "refs/tags/1.0.0".into(),
                            commit: "c".repeat(40),
                            tree: tree.to_string().repeat(40),
                        })
                        .into_iter()
                        .collect(),
                    depends: s.depends.iter().map(|d| (*d).to_owned()).collect(),
                    build_depends: s.build_depends.iter().map(|d| (*d).to_owned()).collect(),
                    recipe: String::new(),
                    identity: String::new(),
                })
                .collect(),
            tag: None,
            tags: Vec::new(),
            companions: Vec::new(),
        };
        seal(&mut lock);
        lock
    }

    /// Recomputes identities and the content digest after an edit.
    pub(crate) fn seal(lock: &mut Lockfile) {
        lock.environment.digest = identity::environment_digest(
            &lock.environment.purpose,
            lock.environment
                .packages
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let identities = lock.recompute_identities().unwrap();
        for product in &mut lock.products {
            product.identity = identities[&product.name].clone();
        }
        lock.normalize();
        lock.content = Lockfile::content_digest(identity::Version::CURRENT, &lock.products);
    }

    #[test]
    fn build_order_puts_dependencies_first_and_breaks_ties_by_name() {
        let lock = lock(
            "r",
            "3.12",
            &[
                spec("zlib", Some('1'), &[]),
                spec("app", Some('2'), &["utils"]),
                Spec {
                    build_depends: &["cmake"],
                    ..spec("utils", Some('3'), &["zlib"])
                },
                spec("cmake", Some('4'), &[]),
                spec("base", None, &[]),
            ],
        );
        let order: Vec<&str> = build_order(&lock)
            .unwrap()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(order, ["base", "cmake", "zlib", "utils", "app"]);
    }

    #[test]
    fn build_order_reports_cycles_and_missing_dependencies() {
        let mut lock = lock("r", "3.12", &[spec("a", None, &[]), spec("b", None, &[])]);
        lock.products[0].depends = vec!["b".into()];
        lock.products[1].depends = vec!["a".into()];
        assert_eq!(
            build_order(&lock).unwrap_err(),
            OrderError::Cycle(vec!["a".into(), "b".into()])
        );
        lock.products[1].depends = vec!["c".into()];
        assert!(matches!(
            build_order(&lock),
            Err(OrderError::Missing { .. })
        ));
    }

    #[test]
    fn short_ids() {
        assert_eq!(short("sha256:0123456789abcdef", 12), "0123456789ab");
        assert_eq!(short("abc", 10), "abc");
    }
}
