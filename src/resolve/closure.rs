//! A distribution's closure on one platform: the products its roots need, following only the
//! dependencies that hold on that platform, dependencies before their dependents. Every
//! command that walks a closure (lock, fetch, release, `check --base`) goes through
//! [`Plan::new`]; which platform a command uses is decided here too.

use std::collections::HashMap;

use super::ResolveFailure;
use super::platform;
use crate::manifest::model::{Distribution, Environment, Product, Requirement};
use crate::manifest::span::Node;
use crate::manifest::{Loaded, Manifests};

/// A distribution with its environment and its products, on one platform, in dependency order.
pub struct Plan<'a> {
    pub distribution: &'a Distribution,
    pub environment: &'a Environment,
    /// The platform the closure was walked for.
    pub platform: String,
    /// Dependencies before their dependents.
    pub products: Vec<&'a Product>,
    by_name: HashMap<&'a str, &'a Product>,
}

/// One repository to fetch.
pub struct FetchJob<'a> {
    pub product: &'a str,
    pub url: &'a str,
}

/// The distribution named `name`.
pub fn find_distribution<'a>(
    manifests: &'a Manifests,
    name: &str,
) -> Result<&'a Distribution, ResolveFailure> {
    manifests
        .distributions
        .iter()
        .map(|d| &d.value)
        .find(|d| *d.name == name)
        .ok_or_else(|| ResolveFailure::UnknownDistribution {
            name: name.to_owned(),
            known: manifests
                .distributions
                .iter()
                .map(|d| d.value.name.value.clone())
                .collect(),
        })
}

/// The platform a lock of `distribution` is made for when the command line names none: its
/// `platform`, else the first of its `platforms`.
pub fn default_platform(distribution: &Distribution) -> Option<&str> {
    distribution
        .platform
        .as_ref()
        .map(|p| p.value.as_str())
        .or_else(|| {
            distribution
                .platforms
                .as_ref()
                .and_then(|list| list.first())
                .map(|p| p.value.as_str())
        })
}

/// The platform a lock of `distribution` is made for: `given` (`--platform`), else its
/// `platform`, else that of the lock it is compared with when the distribution is built for
/// it, else the first of its `platforms`, else this machine's.
pub fn lock_platform(
    distribution: &Distribution,
    given: Option<&str>,
    compared: Option<&str>,
) -> String {
    given
        .or_else(|| distribution.platform.as_ref().map(|p| p.value.as_str()))
        .or_else(|| compared.filter(|p| platform_problem(distribution, p).is_none()))
        .or_else(|| default_platform(distribution))
        .map_or_else(host_platform, str::to_owned)
}

/// The platforms a distribution declares: its `platforms`, else its `platform`; empty when it
/// names none.
pub fn declared_platforms(distribution: &Distribution) -> Vec<&str> {
    match &distribution.platforms {
        Some(list) if !list.is_empty() => list.iter().map(|p| p.value.as_str()).collect(),
        _ => distribution
            .platform
            .iter()
            .map(|p| p.value.as_str())
            .collect(),
    }
}

/// The platforms `fetch` mirrors a distribution for: the ones it declares, else this machine's
/// (which is what `lock` would use).
pub fn fetched_platforms(distribution: &Distribution) -> Vec<String> {
    let declared = declared_platforms(distribution);
    if declared.is_empty() {
        vec![host_platform()]
    } else {
        declared.into_iter().map(str::to_owned).collect()
    }
}

/// This machine's platform, as `lock` names it when nothing else does.
pub fn host_platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// Why a lock of `distribution` cannot be made for `platform`: a name that is no platform, or
/// one the distribution's `platforms` does not list.
pub fn platform_problem(distribution: &Distribution, platform: &str) -> Option<String> {
    if let Some(problem) = platform::name_problem(platform) {
        return Some(problem);
    }
    let listed = distribution.platforms.as_ref()?;
    if listed.is_empty() || listed.iter().any(|p| p.value == platform) {
        return None;
    }
    let names: Vec<String> = listed.iter().map(|p| format!("`{}`", p.value)).collect();
    Some(format!(
        "`{}` is built for {} only",
        distribution.name,
        names.join(", ")
    ))
}

impl<'a> Plan<'a> {
    /// The closure of `name`'s roots on `platform`. The manifests must have passed `check`; a
    /// cycle that only this platform's dependencies make is reported here.
    pub fn new(
        manifests: &'a Manifests,
        name: &str,
        platform: &str,
    ) -> Result<Self, ResolveFailure> {
        let distribution = find_distribution(manifests, name)?;
        let environment = manifests
            .environments
            .iter()
            .map(|e: &Loaded<Environment>| &e.value)
            .find(|e| e.name.value == distribution.environment.value)
            .ok_or_else(|| ResolveFailure::EnvironmentMissing {
                name: distribution.environment.value.clone(),
            })?;
        let mut by_name: HashMap<&str, &Product> = HashMap::new();
        for product in manifests.products.iter().map(|p| &p.value) {
            by_name.insert(product.name.as_str(), product);
            for alias in &product.aliases {
                by_name.entry(alias.as_str()).or_insert(product);
            }
        }
        // The distribution's `overrides` and `exclude`: its products as it builds them.
        for product in manifests.overridden(name) {
            by_name.insert(product.name.as_str(), product);
            for alias in &product.aliases {
                if by_name
                    .get(alias.as_str())
                    .is_some_and(|p| p.name == product.name)
                {
                    by_name.insert(alias.as_str(), product);
                }
            }
        }
        // An excluded product is reached by no name: neither its own nor a former one.
        for excluded in &distribution.exclude {
            by_name.retain(|_, product| product.name.value != excluded.value);
        }
        let mut walk = Walk {
            by_name: &by_name,
            platform,
            state: HashMap::new(),
            order: Vec::new(),
            stack: Vec::new(),
            cycle: None,
        };
        for root in &distribution.products {
            if let Some(product) = by_name.get(root.as_str()) {
                walk.visit(product);
            }
        }
        if let Some(cycle) = walk.cycle {
            return Err(ResolveFailure::Cycle {
                distribution: name.to_owned(),
                platform: platform.to_owned(),
                cycle: cycle.join(" → "),
            });
        }
        Ok(Self {
            distribution,
            environment,
            platform: platform.to_owned(),
            products: walk.order,
            by_name,
        })
    }

    /// The current name of a product named by name or alias.
    pub fn canonical(&self, name: &str) -> Option<&'a str> {
        self.by_name.get(name).map(|p| p.name.as_str())
    }

    /// The dependencies of `product` that hold on the plan's platform, run-time ones first:
    /// (name as written, requirement).
    pub fn dependencies<'p>(
        &self,
        product: &'p Product,
    ) -> impl Iterator<Item = (&'p Node<String>, &'p Node<Requirement>)> {
        holding(product, &self.platform)
    }

    /// Every repository of the closure, once per product.
    pub fn repositories(&self) -> Vec<FetchJob<'a>> {
        self.products
            .iter()
            .flat_map(|p| {
                p.repositories.iter().map(|r| FetchJob {
                    product: p.name.as_str(),
                    url: r.value.url.as_str(),
                })
            })
            .collect()
    }
}

/// The dependencies of `product` (run time, then build time) that hold on `platform`.
fn holding<'p>(
    product: &'p Product,
    platform: &str,
) -> impl Iterator<Item = (&'p Node<String>, &'p Node<Requirement>)> {
    let platform = platform.to_owned();
    product
        .depends
        .iter()
        .chain(product.build_depends.iter())
        .filter(move |(_, requirement)| requirement.holds_on(&platform))
}

/// A depth-first walk, post-order: dependencies first.
struct Walk<'a, 'm> {
    by_name: &'m HashMap<&'a str, &'a Product>,
    platform: &'m str,
    /// `false` while on the stack, `true` once done.
    state: HashMap<&'a str, bool>,
    order: Vec<&'a Product>,
    stack: Vec<&'a str>,
    /// The first cycle met, as the names along it, back to its first.
    cycle: Option<Vec<String>>,
}

impl<'a> Walk<'a, '_> {
    fn visit(&mut self, product: &'a Product) {
        let name = product.name.as_str();
        match self.state.get(name) {
            Some(true) => return,
            Some(false) => {
                if self.cycle.is_none() {
                    let from = self.stack.iter().position(|n| *n == name).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        self.stack[from..].iter().map(|n| (*n).to_owned()).collect();
                    cycle.push(name.to_owned());
                    self.cycle = Some(cycle);
                }
                return;
            }
            None => {}
        }
        self.state.insert(name, false);
        self.stack.push(name);
        for (dependency, _) in holding(product, self.platform) {
            if let Some(dependency) = self.by_name.get(dependency.as_str()) {
                self.visit(dependency);
            }
        }
        self.stack.pop();
        self.state.insert(name, true);
        self.order.push(product);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::resolve::tests::write_manifests as manifests;

    fn names(plan: &Plan) -> Vec<String> {
        plan.products.iter().map(|p| p.name.value.clone()).collect()
    }

    #[test]
    fn each_platform_has_its_closure_and_its_cycles() {
        let (_dir, manifests) = manifests(&[
            (
                "products/a.yaml",
                "name: a\ndepends: { b: { version: \"*\", platforms: [\"osx*\"] }, c: \"*\" }\n",
            ),
            ("products/b.yaml", "name: b\ndepends: { a: \"*\" }\n"),
            (
                "products/c.yaml",
                "name: c\nbuild_depends: { d: { version: \"*\", platforms: [\"!osx*\"] } }\n",
            ),
            ("products/d.yaml", "name: d\n"),
            (
                "distributions/dist.yaml",
                "name: dist\nenvironment: ops\nproducts: [a]\n",
            ),
        ]);
        let linux = Plan::new(&manifests, "dist", "linux-x86_64").unwrap();
        assert_eq!(names(&linux), ["d", "c", "a"]);
        assert_eq!(linux.platform, "linux-x86_64");
        // On osx, `a` needs `b`, which needs `a`: no lock can be made there.
        match Plan::new(&manifests, "dist", "osx_arm64") {
            Err(ResolveFailure::Cycle {
                platform, cycle, ..
            }) => {
                assert_eq!(platform, "osx_arm64");
                assert_eq!(cycle, "a → b → a");
            }
            other => panic!("{:?}", other.map(|p| names(&p))),
        }
    }

    #[test]
    fn a_distribution_builds_its_overrides_and_leaves_out_what_it_excludes() {
        let (_dir, manifests) = manifests(&[
            (
                "products/a.yaml",
                "name: a\ndepends: { b: \"*\", c: \"*\" }\nbuild: { script: make, env: { X: \"1\" } }\n",
            ),
            ("products/b.yaml", "name: b\n"),
            ("products/c.yaml", "name: c\ntag: v1\n"),
            ("products/d.yaml", "name: d\n"),
            (
                "distributions/plain.yaml",
                "name: plain\nenvironment: ops\nproducts: [a]\n",
            ),
            (
                "distributions/other.yaml",
                "name: other\nenvironment: ops\nproducts: [a]\nexclude: [b]\noverrides:\n  c: { tag: v2, depends: { d: \"*\" } }\n  a: { build: { env: { X: \"2\" } } }\n",
            ),
        ]);
        let plain = Plan::new(&manifests, "plain", "linux-x86_64").unwrap();
        assert_eq!(names(&plain), ["b", "c", "a"]);
        let other = Plan::new(&manifests, "other", "linux-x86_64").unwrap();
        assert_eq!(names(&other), ["d", "c", "a"]);
        let c = other.products[1];
        assert_eq!(c.tag.as_ref().map(|t| t.as_str()), Some("v2"));
        let a = other.products[2];
        assert_eq!(
            a.depends
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>(),
            ["c"],
            "the dependency on the excluded product dropped"
        );
        let recipe = crate::identity::canonical_recipe(a.build.as_ref().map(|b| &b.value));
        assert_eq!(recipe, r#"{"env":{"X":"2"},"script":"make"}"#);
        // The product files are unchanged.
        let files: Vec<&str> = manifests
            .products
            .iter()
            .filter_map(|p| p.value.tag.as_ref().map(|t| t.as_str()))
            .collect();
        assert_eq!(files, ["v1"]);
    }

    #[test]
    fn an_excluded_product_is_reached_by_none_of_its_names() {
        let (_dir, manifests) = manifests(&[
            ("products/a.yaml", "name: a\ndepends: { oldb: \"*\" }\n"),
            ("products/b.yaml", "name: b\naliases: [oldb]\n"),
            (
                "distributions/slim.yaml",
                "name: slim\nenvironment: ops\nproducts: [a]\nexclude: [b]\n",
            ),
        ]);
        let slim = Plan::new(&manifests, "slim", "linux-x86_64").unwrap();
        assert_eq!(names(&slim), ["a"]);
        assert_eq!(slim.canonical("oldb"), None);
    }

    #[test]
    fn the_platform_of_a_lock() {
        let (_dir, manifests) = manifests(&[
            ("products/a.yaml", "name: a\n"),
            (
                "distributions/listed.yaml",
                "name: listed\nenvironment: ops\nproducts: [a]\nplatforms: [slc9_x86-64, osx_arm64]\n",
            ),
            (
                "distributions/one.yaml",
                "name: one\nenvironment: ops\nproducts: [a]\nplatform: linux-x86_64\n",
            ),
        ]);
        let listed = find_distribution(&manifests, "listed").unwrap();
        let one = find_distribution(&manifests, "one").unwrap();
        assert_eq!(lock_platform(listed, None, None), "slc9_x86-64");
        assert_eq!(lock_platform(listed, None, Some("osx_arm64")), "osx_arm64");
        assert_eq!(lock_platform(listed, None, Some("windows")), "slc9_x86-64");
        assert_eq!(lock_platform(listed, Some("osx_arm64"), None), "osx_arm64");
        assert_eq!(lock_platform(one, None, Some("osx_arm64")), "linux-x86_64");
        assert_eq!(declared_platforms(listed), ["slc9_x86-64", "osx_arm64"]);
        assert_eq!(fetched_platforms(one), ["linux-x86_64"]);
        assert_eq!(platform_problem(listed, "osx_arm64"), None);
        assert!(
            platform_problem(listed, "linux")
                .unwrap()
                .contains("built for")
        );
        assert_eq!(platform_problem(one, "anything-else"), None);
        assert!(platform_problem(one, "a b").is_some());
    }
}
