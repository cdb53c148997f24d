//! What changed between two locks, and what must be rebuilt: every product is added, removed,
//! rebuilt (its identity changed, with the inputs that changed it) or reused (its identity did
//! not change, even where its commit or tag did). Computed from the recorded fields only.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use super::{build_order, short};
use crate::json::{Change, Release};
use crate::lock::{LockedProduct, Lockfile};

/// The format of the document `distrib diff --format json` prints.
pub const FORMAT: &str = "distrib-diff/1";

/// The difference between two locks: the document `distrib diff --format json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "distrib diff: what changed between two releases, what is rebuilt and why")]
pub struct Diff {
    /// `distrib-diff/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// The older release.
    pub before: Release,
    /// The newer release.
    pub after: Release,
    pub environment: EnvironmentChange,
    pub summary: Summary,
    /// Every product of either lock, by name.
    pub products: Vec<ProductChange>,
}

/// What changed in the environment and the platform, an input of every identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EnvironmentChange {
    /// `changed` when its digest or the platform changed: then every product is rebuilt.
    pub change: Change,
    pub before: EnvironmentState,
    pub after: EnvironmentState,
    /// Pinned packages added, removed or re-pinned, by name.
    pub packages: Vec<PackageChange>,
}

/// The environment and platform of one lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EnvironmentState {
    /// The environment's name.
    pub environment: String,
    pub purpose: String,
    pub platform: String,
    /// The environment's digest, `sha256:` and 64 hex digits.
    pub digest: String,
}

/// A pinned package of the environment that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PackageChange {
    pub package: String,
    /// `added`, `removed` or `changed`.
    pub change: Change,
    /// Its version in the older lock; `null` when added.
    pub before: Option<String>,
    /// Its version in the newer lock; `null` when removed.
    pub after: Option<String>,
}

/// How many products fall in each case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Summary {
    /// Products of the newer lock.
    pub products: usize,
    pub added: usize,
    pub removed: usize,
    /// In both locks, with another identity, version or commit.
    pub changed: usize,
    pub unchanged: usize,
    /// Products whose package must be built: added, or in both with another identity.
    pub rebuild: usize,
    /// Products in both locks with the same identity: their package serves.
    pub reuse: usize,
    /// Reused products at another commit or version.
    #[serde(skip)]
    pub reuse_moved: usize,
}

/// What happens to a product's binary package (the terminal's and Markdown's word; JSON says
/// it with `change` and `rebuild`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The identity changed: build it again.
    Rebuild,
    /// Only in the newer lock: build it.
    Added,
    /// The same identity: the existing package serves.
    Reuse,
    /// Only in the older lock.
    Removed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Rebuild => "rebuild",
            Status::Added => "added",
            Status::Reuse => "reuse",
            Status::Removed => "removed",
        }
    }
}

/// One product in one lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct State {
    pub version: Option<String>,
    /// The package identity, `sha256:` and 64 hex digits.
    pub identity: String,
    /// One per repository, in the lock's order.
    pub repositories: Vec<Source>,
    /// The commits of `repositories`, for the reports that show only those.
    #[serde(skip)]
    pub commits: Vec<String>,
}

/// One repository of a product, as locked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Source {
    /// The repository's URL.
    pub repository: String,
    /// The sub-tree built, when not the whole repository.
    pub path: Option<String>,
    /// The full 40-hex commit id.
    pub commit: String,
    /// The git tree id built.
    pub tree: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ProductChange {
    #[serde(rename = "product")]
    pub name: String,
    /// `added`, `removed`, `changed` (another identity, version or commit) or `unchanged`.
    pub change: Change,
    /// Whether its package must be built for the newer release: added, or another identity.
    pub rebuild: bool,
    #[serde(skip)]
    pub status: Status,
    /// `null` when added.
    #[serde(rename = "before")]
    pub from: Option<State>,
    /// `null` when removed.
    #[serde(rename = "after")]
    pub to: Option<State>,
    #[serde(skip)]
    pub version_changed: bool,
    #[serde(skip)]
    pub commit_changed: bool,
    /// Why a rebuilt product's identity changed; empty otherwise.
    pub reasons: Vec<Reason>,
}

impl ProductChange {
    /// Anything at all changed: its identity, version or commits, or its presence.
    pub fn is_change(&self) -> bool {
        self.status != Status::Reuse || self.version_changed || self.commit_changed
    }
}

/// An input of a product's identity that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// Its own source: a repository's tree, or which repositories it builds from.
    Source { repositories: Vec<String> },
    /// Its build recipe.
    Recipe,
    /// The environment's digest or the platform.
    Environment,
    /// Dependencies whose identity changed (for reasons other than the environment, which is
    /// reported once, as its own reason), and dependencies added or removed.
    Dependencies {
        changed: Vec<String>,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

impl Reason {
    /// The reason in words, with names wrapped by `quote` (backticks in Markdown, nothing in a
    /// terminal table).
    pub fn describe(&self, quote: impl Fn(&str) -> String) -> String {
        let list = |names: &[String]| {
            names
                .iter()
                .map(|n| quote(n))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let count = |names: &[String], one: &str, many: &str| {
            if names.len() == 1 {
                format!("{one} {}", list(names))
            } else {
                format!("{many} {}", list(names))
            }
        };
        match self {
            Reason::Source { .. } => "own source".to_owned(),
            Reason::Recipe => "recipe".to_owned(),
            Reason::Environment => "environment".to_owned(),
            Reason::Dependencies {
                changed,
                added,
                removed,
            } => {
                let mut parts = Vec::new();
                if !changed.is_empty() {
                    parts.push(count(changed, "dependency", "dependencies"));
                }
                if !added.is_empty() {
                    parts.push(count(added, "new dependency", "new dependencies"));
                }
                if !removed.is_empty() {
                    parts.push(count(removed, "dropped dependency", "dropped dependencies"));
                }
                parts.join(", ")
            }
        }
    }
}

/// The sources of a product: (normalized URL, path) to (URL as written, commit, tree).
fn sources(product: &LockedProduct) -> BTreeMap<(String, String), (&str, &str, &str)> {
    product
        .repositories
        .iter()
        .map(|r| {
            let url = crate::url::normalize(&r.url).unwrap_or_else(|_| r.url.clone());
            (
                (url, r.path.clone().unwrap_or_default()),
                (r.url.as_str(), r.commit.as_str(), r.tree.as_str()),
            )
        })
        .collect()
}

fn state(product: &LockedProduct) -> State {
    State {
        version: product.version.clone(),
        identity: product.identity.clone(),
        repositories: product
            .repositories
            .iter()
            .map(|r| Source {
                repository: r.url.clone(),
                path: r.path.clone(),
                commit: r.commit.clone(),
                tree: r.tree.clone(),
            })
            .collect(),
        commits: product
            .repositories
            .iter()
            .map(|r| r.commit.clone())
            .collect(),
    }
}

fn environment_state(lock: &Lockfile) -> EnvironmentState {
    EnvironmentState {
        environment: lock.environment.name.clone(),
        purpose: lock.environment.purpose.clone(),
        platform: lock.platform.clone(),
        digest: lock.environment.digest.clone(),
    }
}

fn environment_change(from: &Lockfile, to: &Lockfile) -> EnvironmentChange {
    let (old, new) = (&from.environment, &to.environment);
    let names: BTreeSet<&String> = old.packages.keys().chain(new.packages.keys()).collect();
    let packages = names
        .into_iter()
        .filter(|n| old.packages.get(*n) != new.packages.get(*n))
        .map(|n| {
            let (before, after) = (old.packages.get(n).cloned(), new.packages.get(n).cloned());
            PackageChange {
                package: n.clone(),
                change: match (&before, &after) {
                    (None, _) => Change::Added,
                    (_, None) => Change::Removed,
                    _ => Change::Changed,
                },
                before,
                after,
            }
        })
        .collect();
    let changed = from.platform != to.platform || old.digest != new.digest;
    EnvironmentChange {
        change: if changed {
            Change::Changed
        } else {
            Change::Unchanged
        },
        before: environment_state(from),
        after: environment_state(to),
        packages,
    }
}

impl EnvironmentChange {
    /// Its digest or the platform changed: every product is rebuilt.
    pub fn changed(&self) -> bool {
        self.change == Change::Changed
    }
}

/// A product's entry, its change and whether it is built worked out from its status.
fn entry(
    name: &str,
    status: Status,
    from: Option<State>,
    to: Option<State>,
    version_changed: bool,
    commit_changed: bool,
    reasons: Vec<Reason>,
) -> ProductChange {
    let change = match status {
        Status::Added => Change::Added,
        Status::Removed => Change::Removed,
        Status::Rebuild => Change::Changed,
        Status::Reuse if version_changed || commit_changed => Change::Changed,
        Status::Reuse => Change::Unchanged,
    };
    ProductChange {
        name: name.to_owned(),
        change,
        rebuild: matches!(status, Status::Rebuild | Status::Added),
        status,
        from,
        to,
        version_changed,
        commit_changed,
        reasons,
    }
}

/// Compares `from` (the older lock) with `to`.
pub fn diff(from: &Lockfile, to: &Lockfile) -> Diff {
    let environment = environment_change(from, to);
    let old: BTreeMap<&str, &LockedProduct> =
        from.products.iter().map(|p| (p.name.as_str(), p)).collect();
    let new: BTreeMap<&str, &LockedProduct> =
        to.products.iter().map(|p| (p.name.as_str(), p)).collect();
    // Dependencies are compared before their dependents, so that a dependency rebuilt only
    // because of the environment is not named again as a reason. A lock without a build order
    // (never one that `lock::parse` accepted) is compared in name order.
    let order: Vec<&LockedProduct> =
        build_order(to).unwrap_or_else(|_| to.products.iter().collect());
    let mut changes: BTreeMap<&str, ProductChange> = BTreeMap::new();
    for product in order {
        let name = product.name.as_str();
        let Some(before) = old.get(name) else {
            changes.insert(
                name,
                entry(
                    name,
                    Status::Added,
                    None,
                    Some(state(product)),
                    false,
                    false,
                    Vec::new(),
                ),
            );
            continue;
        };
        let (old_sources, new_sources) = (sources(before), sources(product));
        let commit_changed = old_sources.len() != new_sources.len()
            || old_sources
                .iter()
                .zip(&new_sources)
                .any(|((k1, (_, c1, _)), (k2, (_, c2, _)))| k1 != k2 || c1 != c2);
        let mut reasons = Vec::new();
        if before.identity != product.identity {
            let keys: BTreeSet<&(String, String)> =
                old_sources.keys().chain(new_sources.keys()).collect();
            let repositories: Vec<String> = keys
                .into_iter()
                .filter(|k| {
                    old_sources.get(*k).map(|(_, _, tree)| tree)
                        != new_sources.get(*k).map(|(_, _, tree)| tree)
                })
                .map(|k| {
                    new_sources
                        .get(k)
                        .or_else(|| old_sources.get(k))
                        .map_or_else(|| k.0.clone(), |(url, _, _)| (*url).to_owned())
                })
                .collect();
            if !repositories.is_empty() {
                reasons.push(Reason::Source { repositories });
            }
            if before.recipe != product.recipe {
                reasons.push(Reason::Recipe);
            }
            if environment.changed() {
                reasons.push(Reason::Environment);
            }
            let dependencies = |p: &LockedProduct| -> BTreeSet<String> {
                p.depends.iter().chain(&p.build_depends).cloned().collect()
            };
            let (was, is) = (dependencies(before), dependencies(product));
            let changed: Vec<String> = was
                .intersection(&is)
                .filter(|d| {
                    changes.get(d.as_str()).is_some_and(|c| {
                        c.status == Status::Rebuild
                            && c.reasons.iter().any(|r| *r != Reason::Environment)
                    })
                })
                .cloned()
                .collect();
            let added: Vec<String> = is.difference(&was).cloned().collect();
            let removed: Vec<String> = was.difference(&is).cloned().collect();
            if !changed.is_empty() || !added.is_empty() || !removed.is_empty() {
                reasons.push(Reason::Dependencies {
                    changed,
                    added,
                    removed,
                });
            }
        }
        let status = if before.identity == product.identity {
            Status::Reuse
        } else {
            Status::Rebuild
        };
        changes.insert(
            name,
            entry(
                name,
                status,
                Some(state(before)),
                Some(state(product)),
                before.version != product.version,
                commit_changed,
                reasons,
            ),
        );
    }
    for (name, before) in &old {
        if !new.contains_key(name) {
            changes.insert(
                name,
                entry(
                    name,
                    Status::Removed,
                    Some(state(before)),
                    None,
                    false,
                    false,
                    Vec::new(),
                ),
            );
        }
    }
    let products: Vec<ProductChange> = changes.into_values().collect();
    let mut summary = Summary {
        products: to.products.len(),
        ..Summary::default()
    };
    for change in &products {
        match change.change {
            Change::Added => summary.added += 1,
            Change::Removed => summary.removed += 1,
            Change::Changed => summary.changed += 1,
            Change::Unchanged => summary.unchanged += 1,
        }
        if change.rebuild {
            summary.rebuild += 1;
        }
        if change.status == Status::Reuse {
            summary.reuse += 1;
            if change.is_change() {
                summary.reuse_moved += 1;
            }
        }
    }
    Diff {
        format: FORMAT,
        before: Release::of(from, None),
        after: Release::of(to, None),
        environment,
        summary,
        products,
    }
}

/// What a lock of `products`, made now on `lock`'s terms (its platform, environment and
/// inputs), changes against `lock`: `lock --check` and `check --base` ask this.
pub fn against(lock: &Lockfile, products: &[LockedProduct]) -> Diff {
    let mut now = lock.clone();
    now.products = products.to_vec();
    now.identity_version = Some(crate::identity::Version::CURRENT.number());
    diff(lock, &now)
}

impl Diff {
    /// The products that changed in any way, rebuilds first, then added, reused and removed
    /// ones, each group by name.
    pub fn changed(&self) -> Vec<&ProductChange> {
        let mut list: Vec<&ProductChange> =
            self.products.iter().filter(|c| c.is_change()).collect();
        list.sort_by(|a, b| (a.status, &a.name).cmp(&(b.status, &b.name)));
        list
    }

    /// `dist: a (b1) -> b (b2)`, or both distributions when they differ.
    pub fn title(&self, quote: impl Fn(&str) -> String, arrow: &str) -> String {
        let (from, to) = (&self.before, &self.after);
        let build = |r: &Release| r.build.map_or_else(String::new, |b| format!(" (b{b})"));
        if from.distribution == to.distribution {
            format!(
                "{}: {}{} {arrow} {}{}",
                quote(&to.distribution),
                quote(&from.release),
                build(from),
                quote(&to.release),
                build(to)
            )
        } else {
            format!(
                "{}{} {arrow} {}{}",
                quote(&format!("{}/{}", from.distribution, from.release)),
                build(from),
                quote(&format!("{}/{}", to.distribution, to.release)),
                build(to)
            )
        }
    }

    /// What changed in the environment and platform, in one line.
    pub fn environment_line(&self, quote: impl Fn(&str) -> String, arrow: &str) -> String {
        let (before, after) = (&self.environment.before, &self.environment.after);
        let both = |a: &str, b: &str| {
            if a == b {
                quote(b)
            } else {
                format!("{} {arrow} {}", quote(a), quote(b))
            }
        };
        let name = both(&before.environment, &after.environment);
        let platform = format!("platform {}", both(&before.platform, &after.platform));
        if before.digest == after.digest {
            return format!("environment {name}: unchanged; {platform}");
        }
        let mut details: Vec<String> = Vec::new();
        if before.purpose != after.purpose {
            details.push(format!("purpose {}", both(&before.purpose, &after.purpose)));
        }
        for package in &self.environment.packages {
            details.push(match (&package.before, &package.after) {
                (Some(a), Some(b)) => {
                    format!(
                        "{} {} {arrow} {}",
                        quote(&package.package),
                        quote(a),
                        quote(b)
                    )
                }
                (None, Some(b)) => format!("{} {} added", quote(&package.package), quote(b)),
                (Some(a), None) => format!("{} {} removed", quote(&package.package), quote(a)),
                (None, None) => quote(&package.package),
            });
        }
        format!(
            "environment {name}: {} {arrow} {} ({}); {platform}",
            quote(short(&before.digest, 12)),
            quote(short(&after.digest, 12)),
            details.join(", ")
        )
    }

    /// One line of counts.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        let mut line = format!("{} to rebuild, {} added", s.rebuild - s.added, s.added);
        line.push_str(&format!(", {} reused", s.reuse));
        if s.reuse_moved > 0 {
            line.push_str(&format!(" ({} at a new commit or version)", s.reuse_moved));
        }
        line.push_str(&format!(", {} removed", s.removed));
        line
    }

    /// The report as a Markdown section, for a pull request, an issue or a release note.
    pub fn markdown(&self) -> String {
        let arrow = "→";
        let mut text = format!("## {}\n\n", self.title(code, arrow));
        text.push_str(&format!(
            "- {}\n",
            capitalize(&self.environment_line(code, arrow))
        ));
        text.push_str(&format!("- **{}**\n", self.summary_line()));
        let changed = self.changed();
        let groups = [
            (Status::Rebuild, "Rebuild", "reason"),
            (Status::Added, "Added", ""),
            (Status::Reuse, "Reused at a new commit or version", "note"),
            (Status::Removed, "Removed", ""),
        ];
        for (status, heading, last) in groups {
            let rows: Vec<&&ProductChange> =
                changed.iter().filter(|c| c.status == status).collect();
            if rows.is_empty() {
                continue;
            }
            text.push_str(&format!("\n### {heading}\n\n"));
            if last.is_empty() {
                text.push_str("| product | version | commit |\n| --- | --- | --- |\n");
            } else {
                text.push_str(&format!(
                    "| product | version | commit | {last} |\n| --- | --- | --- | --- |\n"
                ));
            }
            for change in rows {
                let mut cells = vec![
                    code(&change.name),
                    versions(change, code, arrow),
                    commits(change, code, arrow),
                ];
                if !last.is_empty() {
                    cells.push(note(change, code));
                }
                text.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
        }
        if changed.is_empty() {
            text.push_str("\nNo product changed.\n");
        }
        text
    }
}

/// The version column: `a -> b` when it changed, else the one version; `-` for none.
pub fn versions(change: &ProductChange, quote: impl Fn(&str) -> String, arrow: &str) -> String {
    column(change, change.version_changed, arrow, |s| {
        s.version.as_deref().map_or_else(|| "-".to_owned(), &quote)
    })
}

/// The commit column, ten hex digits per repository: `a -> b` when they changed.
pub fn commits(change: &ProductChange, quote: impl Fn(&str) -> String, arrow: &str) -> String {
    column(change, change.commit_changed, arrow, |s| {
        s.repositories
            .iter()
            .map(|r| quote(short(&r.commit, 10)))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// A column showing both sides when `changed`, else the one there is.
fn column(
    change: &ProductChange,
    changed: bool,
    arrow: &str,
    show: impl Fn(&State) -> String,
) -> String {
    match (&change.from, &change.to) {
        (Some(from), Some(to)) if changed => format!("{} {arrow} {}", show(from), show(to)),
        (_, Some(one)) | (Some(one), None) => show(one),
        (None, None) => String::new(),
    }
}

/// The last column: why a product is rebuilt, or why a moved product is reused.
pub fn note(change: &ProductChange, quote: impl Fn(&str) -> String) -> String {
    match change.status {
        Status::Rebuild => change
            .reasons
            .iter()
            .map(|r| r.describe(&quote))
            .collect::<Vec<_>>()
            .join(", "),
        Status::Reuse if change.commit_changed => "new commit, same tree".to_owned(),
        Status::Reuse if change.version_changed => "new version, same commit".to_owned(),
        _ => String::new(),
    }
}

/// A value as a Markdown code span, safe in a table cell.
pub use crate::escape::markdown_code as code;

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Spec, lock, seal, spec};
    use super::*;

    fn base() -> Vec<Spec<'static>> {
        vec![
            spec("base", Some('1'), &[]),
            spec("utils", Some('2'), &["base"]),
            spec("app", Some('3'), &["utils"]),
            spec("other", Some('4'), &[]),
        ]
    }

    fn status(diff: &Diff, name: &str) -> (Status, Vec<Reason>) {
        let change = diff.products.iter().find(|c| c.name == name).unwrap();
        (change.status, change.reasons.clone())
    }

    #[test]
    fn a_source_change_rebuilds_its_dependents_and_nobody_else() {
        let old = lock("a", "3.12", &base());
        let mut specs = base();
        specs[0].tree = Some('9');
        let new = lock("b", "3.12", &specs);
        let diff = diff(&old, &new);
        assert_eq!(
            status(&diff, "base"),
            (
                Status::Rebuild,
                vec![Reason::Source {
                    repositories: vec!["https://example.org/base".into()]
                }]
            )
        );
        let dependency = |name: &str| Reason::Dependencies {
            changed: vec![name.into()],
            added: vec![],
            removed: vec![],
        };
        assert_eq!(
            status(&diff, "utils"),
            (Status::Rebuild, vec![dependency("base")])
        );
        assert_eq!(
            status(&diff, "app"),
            (Status::Rebuild, vec![dependency("utils")])
        );
        assert_eq!(status(&diff, "other"), (Status::Reuse, vec![]));
        assert_eq!(diff.summary.rebuild, 3);
        assert_eq!(diff.summary.reuse, 1);
    }

    #[test]
    fn another_commit_with_the_same_tree_is_reused() {
        let old = lock("a", "3.12", &base());
        let mut new = lock("b", "3.12", &base());
        new.products[0].repositories[0].commit = "d".repeat(40);
        new.products[0].version = Some("2.0.0".into());
        seal(&mut new);
        let diff = diff(&old, &new);
        let change = &diff.products[0];
        assert_eq!(change.status, Status::Reuse);
        assert!(change.commit_changed && change.version_changed);
        assert_eq!(note(change, |s| s.to_owned()), "new commit, same tree");
        assert_eq!(diff.summary.reuse_moved, 1);
        assert_eq!(diff.summary.rebuild, 0);
    }

    #[test]
    fn an_environment_change_is_the_one_reason_of_every_rebuild() {
        let old = lock("a", "3.12", &base());
        let new = lock("b", "3.13", &base());
        let diff = diff(&old, &new);
        assert!(diff.environment.changed());
        assert!(
            diff.products
                .iter()
                .all(|c| c.status == Status::Rebuild && c.reasons == [Reason::Environment])
        );
        assert_eq!(
            diff.environment_line(|s| s.to_owned(), "->")
                .split_once(" (")
                .unwrap()
                .1,
            "python 3.12 -> 3.13); platform linux-x86_64"
        );
    }

    #[test]
    fn a_dependency_changed_with_the_environment_is_still_named() {
        let old = lock("a", "3.12", &base());
        let mut specs = base();
        specs[0].tree = Some('9');
        let new = lock("b", "3.13", &specs);
        let diff = diff(&old, &new);
        let (_, reasons) = status(&diff, "utils");
        assert_eq!(
            reasons,
            [
                Reason::Environment,
                Reason::Dependencies {
                    changed: vec!["base".into()],
                    added: vec![],
                    removed: vec![]
                }
            ]
        );
        assert_eq!(status(&diff, "other").1, [Reason::Environment]);
    }

    #[test]
    fn added_removed_recipes_and_dependency_lists() {
        let old = lock("a", "3.12", &base());
        let mut specs = base();
        specs.remove(3);
        specs.push(spec("extra", None, &[]));
        specs[2].depends = &["utils", "extra"];
        let mut new = lock("b", "3.12", &specs);
        new.products
            .iter_mut()
            .find(|p| p.name == "utils")
            .unwrap()
            .recipe = "{\"script\":\"make\"}".into();
        seal(&mut new);
        let diff = diff(&old, &new);
        assert_eq!(status(&diff, "extra").0, Status::Added);
        assert_eq!(status(&diff, "other").0, Status::Removed);
        assert_eq!(status(&diff, "utils").1, [Reason::Recipe]);
        let (_, reasons) = status(&diff, "app");
        assert_eq!(
            reasons,
            [Reason::Dependencies {
                changed: vec!["utils".into()],
                added: vec!["extra".into()],
                removed: vec![]
            }]
        );
        assert_eq!(
            reasons[0].describe(|s| format!("`{s}`")),
            "dependency `utils`, new dependency `extra`"
        );
        let order: Vec<(&str, Status)> = diff
            .changed()
            .iter()
            .map(|c| (c.name.as_str(), c.status))
            .collect();
        assert_eq!(
            order,
            [
                ("app", Status::Rebuild),
                ("utils", Status::Rebuild),
                ("extra", Status::Added),
                ("other", Status::Removed)
            ]
        );
    }
}
