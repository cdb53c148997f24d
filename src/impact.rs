//! What a change of the manifests does, for whoever reviews it (`distrib check --base REV`):
//! which products and environments changed, which distributions' closures changed, and which
//! package identities would change against each affected distribution's newest lock.
//!
//! The identities are computed with the lock's own commits for every product whose sources
//! (`repositories`, `tag`, `version`) did not change, so that what the report shows is the effect of the change under review, not
//! of what happened upstream since the lock.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::lock::{LockedProduct, Lockfile};
use crate::manifest::Manifests;
use crate::resolve::{Inherited, Plan};

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Impact {
    /// The revision compared with, as given.
    pub base: String,
    pub products: Changes,
    /// Changed products whose sources changed (`repositories` or `tag`): these are resolved
    /// anew; every other product keeps the lock's commits.
    pub sources: Vec<String>,
    pub environments: Changes,
    /// Every distribution of the newer manifests, and those only the base has.
    pub distributions: Vec<DistributionImpact>,
}

/// Names added, removed and changed, each sorted.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    fn contains(&self, name: &str) -> bool {
        [&self.added, &self.removed, &self.changed]
            .iter()
            .any(|names| names.iter().any(|n| n == name))
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DistributionImpact {
    #[serde(rename = "distribution")]
    pub name: String,
    /// Its own file changed (roots, environment, naming...); `added`/`removed`: the whole file.
    pub file: Option<&'static str>,
    /// Products that entered or left its closure.
    pub closure: Changes,
    /// Products of its closure whose manifest changed.
    pub changed: Vec<String>,
    pub environment_changed: bool,
    pub identities: Identities,
}

impl DistributionImpact {
    pub fn affected(&self) -> bool {
        self.file.is_some()
            || !self.closure.is_empty()
            || !self.changed.is_empty()
            || self.environment_changed
    }
}

/// Package identities against the newest lock.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Identities {
    /// Not affected: nothing to compute.
    Unchanged,
    /// No lock to compare with.
    NoLock,
    /// Computed against `against`.
    Computed {
        against: String,
        /// Products whose identity would differ from the lock's, sorted.
        changed: Vec<String>,
        /// Products the lock lacks.
        added: Vec<String>,
        /// Products of the lock no longer in the closure.
        removed: Vec<String>,
        /// Products whose identity stays.
        unchanged: usize,
    },
    /// Why they could not be computed.
    NotComputed { reason: String },
}

/// Compares the manifests at the base revision with the newer ones, each distribution's closure
/// on each of the platforms `platforms` gives for its name. Identities are left as
/// `Unchanged` or `NoLock`: `identities` computes them.
pub fn compare(
    base: &Manifests,
    head: &Manifests,
    label: &str,
    platforms: impl Fn(&str) -> Vec<String>,
) -> Impact {
    let products = product_changes(base, head);
    let sources = changed_sources(base, head, &products.changed);
    let environments = changes(
        base.environments
            .iter()
            .map(|e| (e.value.name.as_str(), &e.value)),
        head.environments
            .iter()
            .map(|e| (e.value.name.as_str(), &e.value)),
    );
    let files = changes(
        base.distributions
            .iter()
            .map(|d| (d.value.name.as_str(), &d.value)),
        head.distributions
            .iter()
            .map(|d| (d.value.name.as_str(), &d.value)),
    );
    let names: BTreeSet<&str> = base
        .distributions
        .iter()
        .chain(&head.distributions)
        .map(|d| d.value.name.as_str())
        .collect();
    let distributions = names
        .into_iter()
        .map(|name| {
            let platforms = platforms(name);
            let (old, new) = (
                closure(base, name, &platforms),
                closure(head, name, &platforms),
            );
            let closure = Changes {
                added: new.difference(&old).cloned().collect(),
                removed: old.difference(&new).cloned().collect(),
                changed: Vec::new(),
            };
            let changed = new
                .iter()
                .filter(|p| products.changed.contains(p))
                .cloned()
                .collect();
            let environment = |m: &Manifests| {
                let distribution = crate::resolve::find_distribution(m, name).ok()?;
                m.environments
                    .iter()
                    .any(|e| e.value.name.value == distribution.environment.value)
                    .then(|| distribution.environment.value.clone())
            };
            let environment_changed = match (environment(base), environment(head)) {
                (Some(a), Some(b)) => a != b || environments.contains(&b),
                _ => false,
            };
            let file = if files.added.iter().any(|n| n == name) {
                Some("added")
            } else if files.removed.iter().any(|n| n == name) {
                Some("removed")
            } else if files.changed.iter().any(|n| n == name) {
                Some("changed")
            } else {
                None
            };
            DistributionImpact {
                name: name.to_owned(),
                file,
                closure,
                changed,
                environment_changed,
                identities: Identities::Unchanged,
            }
        })
        .collect();
    Impact {
        base: label.to_owned(),
        products,
        sources,
        environments,
        distributions,
    }
}

/// What the newer manifests' distribution inherits from its newest lock: the commits of every
/// product whose sources (`repositories`, `tag`, `version`) did not change.
pub fn inherited(impact: &Impact, lock: &Lockfile) -> BTreeMap<String, Inherited> {
    held(&impact.sources, lock)
}

/// The lock's commits of every product but those of `sources` (whose sources changed, to be
/// resolved anew). A product the lock lacks is resolved anew too.
pub fn held(sources: &[String], lock: &Lockfile) -> BTreeMap<String, Inherited> {
    let mut inherited = Inherited::from_lock(lock);
    inherited.retain(|name, _| !sources.contains(name));
    inherited
}

/// The products of both manifests whose sources (`repositories`, with their `ref`, `tag`,
/// `version`) differ, sorted.
pub fn sources(base: &Manifests, head: &Manifests) -> Vec<String> {
    let products = product_changes(base, head);
    changed_sources(base, head, &products.changed)
}

/// The products added, removed and changed (as data) between the two manifests.
fn product_changes(base: &Manifests, head: &Manifests) -> Changes {
    changes(named_products(base), named_products(head))
}

fn named_products(
    manifests: &Manifests,
) -> impl Iterator<Item = (&str, &crate::manifest::model::Product)> {
    manifests
        .products
        .iter()
        .map(|p| (p.value.name.as_str(), &p.value))
}

/// Among the products changed, those whose sources changed.
fn changed_sources(base: &Manifests, head: &Manifests, changed: &[String]) -> Vec<String> {
    changed
        .iter()
        .filter(|name| {
            let source = |m: &Manifests| {
                m.products
                    .iter()
                    .find(|p| p.value.name.as_str() == name.as_str())
                    .and_then(|p| {
                        serde_json::to_value((
                            &p.value.repositories,
                            &p.value.tag,
                            &p.value.version,
                        ))
                        .ok()
                    })
            };
            source(base) != source(head)
        })
        .cloned()
        .collect()
}

/// Compares the products resolved from the newer manifests with the lock's, by
/// `report::diff`: rebuilt, added, removed and reused products.
pub fn identities(lock: &Lockfile, products: &[LockedProduct]) -> Identities {
    use crate::report::diff::Status;
    let diff = crate::report::diff::against(lock, products);
    let named = |status: Status| -> Vec<String> {
        diff.products
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.name.clone())
            .collect()
    };
    Identities::Computed {
        against: lock.release.clone(),
        changed: named(Status::Rebuild),
        added: named(Status::Added),
        removed: named(Status::Removed),
        unchanged: diff.summary.reuse,
    }
}

/// The newest lock made from the manifests (nightly, weekly, manual) of each distribution,
/// among the lockfiles that were read and are intact (`check` reports the others).
pub fn newest_locks(manifests: &Manifests, sources: &crate::diagnostic::Sources) -> Vec<Lockfile> {
    let locks: Vec<Lockfile> = manifests
        .locks
        .iter()
        .filter_map(|&file| crate::lock::parse(&sources.get(file).text).ok())
        .collect();
    let mut newest: BTreeMap<String, Lockfile> = BTreeMap::new();
    // In lineage order, oldest first: the last one of each distribution stays.
    for lock in crate::lock::history::lineage_order(&locks) {
        if lock.follows_manifests() {
            newest.insert(lock.distribution.clone(), lock.clone());
        }
    }
    newest.into_values().collect()
}

/// The package identities of each affected distribution, against its newest lock, resolved in
/// `mirrors` as they are (nothing is fetched).
pub fn compute_identities(
    impact: &mut Impact,
    manifests: &Manifests,
    locks: &[Lockfile],
    mirrors: &crate::resolve::Mirrors,
) {
    let inherited: Vec<_> = locks.iter().map(|l| self::inherited(impact, l)).collect();
    // Distributions share repositories: each mirror is opened once for all of them.
    let mirrors = crate::git::mirror::Pool::new(mirrors);
    for distribution in &mut impact.distributions {
        if !distribution.affected() {
            continue;
        }
        let Some(at) = locks
            .iter()
            .position(|l| l.distribution == distribution.name)
        else {
            distribution.identities = Identities::NoLock;
            continue;
        };
        let lock = &locks[at];
        if lock.identity_version() != Some(crate::identity::Version::CURRENT) {
            // Identities of two versions of the encoding never compare.
            distribution.identities = Identities::NotComputed {
                reason: format!(
                    "`{}` has `{}` identities: every identity of a new lock (`{}`) differs",
                    lock.release,
                    lock.identity_version()
                        .map_or("unknown", crate::identity::Version::header),
                    crate::identity::Version::CURRENT.header()
                ),
            };
            continue;
        }
        // As `lock --check` chooses it.
        let platform = crate::resolve::find_distribution(manifests, &distribution.name)
            .map_or_else(
                |_| lock.platform.clone(),
                |d| crate::resolve::lock_platform(d, None, Some(&lock.platform)),
            );
        let plan = match Plan::new(manifests, &distribution.name, &platform) {
            Ok(plan) => plan,
            Err(error) => {
                distribution.identities = Identities::NotComputed {
                    reason: error.to_string(),
                };
                continue;
            }
        };
        // Build inputs as `lock --check` takes them: the lock's values, else the defaults.
        let recorded = lock.input_values();
        let inputs: BTreeMap<String, String> = plan
            .distribution
            .variables
            .iter()
            .filter(|(_, variable)| variable.is_input())
            .filter_map(|(name, variable)| {
                let value = recorded
                    .get(name.as_str())
                    .map(String::as_str)
                    .or(variable.default_value())?;
                Some((name.value.clone(), value.to_owned()))
            })
            .collect();
        let options = crate::resolve::Options {
            platform: &platform,
            overrides: &lock.overrides,
            inherited: &inherited[at],
            branch: None,
            inputs: &inputs,
        };
        distribution.identities = match crate::resolve::resolve(&plan, &mirrors, &options) {
            Ok(products) => identities(lock, &products),
            Err(failures) => Identities::NotComputed {
                reason: format!(
                    "{}{} (`distrib fetch` brings the mirrors up to date)",
                    failures.first().map(|f| f.to_string()).unwrap_or_default(),
                    match failures.len() {
                        1 => String::new(),
                        n => format!(", and {} more", crate::diagnostic::plural(n - 1, "problem")),
                    }
                ),
            },
        };
    }
}

fn changes<'a, T: Serialize + 'a>(
    base: impl Iterator<Item = (&'a str, &'a T)>,
    head: impl Iterator<Item = (&'a str, &'a T)>,
) -> Changes {
    // Compared as data: comments, key order and layout are no change.
    let value = |t: &T| serde_json::to_value(t).ok();
    let base: BTreeMap<&str, &T> = base.collect();
    let head: BTreeMap<&str, &T> = head.collect();
    Changes {
        added: head
            .keys()
            .filter(|n| !base.contains_key(*n))
            .map(|n| (*n).to_owned())
            .collect(),
        removed: base
            .keys()
            .filter(|n| !head.contains_key(*n))
            .map(|n| (*n).to_owned())
            .collect(),
        changed: head
            .iter()
            .filter(|(n, t)| base.get(*n).is_some_and(|b| value(b) != value(t)))
            .map(|(n, _)| (*n).to_owned())
            .collect(),
    }
}

/// The products of the distribution's closures on `platforms`, together.
fn closure(manifests: &Manifests, distribution: &str, platforms: &[String]) -> BTreeSet<String> {
    platforms
        .iter()
        .filter_map(|platform| Plan::new(manifests, distribution, platform).ok())
        .flat_map(|plan| plan.products.into_iter().map(|p| p.name.value.clone()))
        .collect()
}

impl Impact {
    /// What was added, removed or changed: (`products` or `environments`, how, names), each
    /// list not empty.
    fn changes(&self) -> Vec<(&'static str, &'static str, &[String])> {
        let mut found = Vec::new();
        for (what, changes) in [
            ("products", &self.products),
            ("environments", &self.environments),
        ] {
            for (how, names) in [
                ("added", &changes.added),
                ("removed", &changes.removed),
                ("changed", &changes.changed),
            ] {
                if !names.is_empty() {
                    found.push((what, how, names.as_slice()));
                }
            }
        }
        found
    }

    /// The report for people: one line per change, then one per affected distribution.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("compared with `{}`:", self.base)];
        let list = |names: &[String]| names.join(", ");
        for (what, how, names) in self.changes() {
            lines.push(format!("  {what} {how}: {}", list(names)));
        }
        for distribution in &self.distributions {
            if !distribution.affected() {
                lines.push(format!("  {}: not affected", distribution.name));
                continue;
            }
            let mut parts = Vec::new();
            if let Some(file) = distribution.file {
                parts.push(format!("its file {file}"));
            }
            if !distribution.closure.added.is_empty() {
                parts.push(format!(
                    "enters the closure: {}",
                    list(&distribution.closure.added)
                ));
            }
            if !distribution.closure.removed.is_empty() {
                parts.push(format!(
                    "leaves the closure: {}",
                    list(&distribution.closure.removed)
                ));
            }
            if !distribution.changed.is_empty() {
                parts.push(format!("changed: {}", list(&distribution.changed)));
            }
            if distribution.environment_changed {
                parts.push("its environment changed".into());
            }
            lines.push(format!("  {}: {}", distribution.name, parts.join("; ")));
            lines.push(format!("    {}", distribution.identities.line()));
        }
        lines
    }

    /// A Markdown section, for a pull request or a CI job summary.
    pub fn markdown(&self) -> String {
        use crate::escape::{markdown as text, markdown_code as code};
        let mut out = format!(
            "## Impact of the manifest change\n\nCompared with {}.\n\n",
            code(&self.base)
        );
        let changes = self.changes();
        for (what, how, names) in &changes {
            let names: Vec<String> = names.iter().map(|n| code(n)).collect();
            let what = match *what {
                "products" => "Products",
                _ => "Environments",
            };
            out.push_str(&format!("- {what} {how}: {}\n", names.join(", ")));
        }
        if changes.is_empty() {
            out.push_str("No product or environment changed.\n");
        }
        out.push_str("\n| distribution | closure | changed products | package identities |\n| --- | --- | --- | --- |\n");
        for distribution in &self.distributions {
            let mut closure = Vec::new();
            if !distribution.closure.added.is_empty() {
                closure.push(format!("+{}", distribution.closure.added.join(", +")));
            }
            if !distribution.closure.removed.is_empty() {
                closure.push(format!("-{}", distribution.closure.removed.join(", -")));
            }
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                text(&distribution.name),
                if closure.is_empty() {
                    "same".into()
                } else {
                    text(&closure.join(" "))
                },
                if distribution.changed.is_empty() {
                    "none".into()
                } else {
                    text(&distribution.changed.join(", "))
                },
                // Already Markdown (release names in code spans): kept on one line, in its cell.
                crate::escape::inline(&distribution.identities.line()).replace('|', "\\|")
            ));
        }
        out
    }
}

impl Identities {
    pub fn line(&self) -> String {
        match self {
            Identities::Unchanged => "not affected".into(),
            Identities::NoLock => "no lock to compare with".into(),
            Identities::NotComputed { reason } => format!("identities not computed: {reason}"),
            Identities::Computed {
                against,
                changed,
                added,
                removed,
                unchanged,
            } => {
                let mut parts = Vec::new();
                if changed.is_empty() {
                    parts.push("no package identity would change".to_owned());
                } else {
                    parts.push(format!(
                        "{} would change ({})",
                        crate::diagnostic::plural(changed.len(), "package identity"),
                        changed.join(", ")
                    ));
                }
                if !added.is_empty() {
                    parts.push(format!("new: {}", added.join(", ")));
                }
                if !removed.is_empty() {
                    parts.push(format!("gone: {}", removed.join(", ")));
                }
                format!(
                    "against `{against}`: {}, {unchanged} reused",
                    parts.join("; ")
                )
            }
        }
    }
}
