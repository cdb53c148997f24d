//! The requirements that only a lock can check: a product that tracks a branch has no version
//! until it is locked, and then its nearest tag says which release it is past.

use std::collections::HashMap;

use super::{Plan, ResolveFailure, described};
use crate::lock::LockedProduct;

/// Each requirement of the plan's products (on its platform) that the versions resolved do not
/// satisfy. A requirement of `*`, on a product without a version, or that no semver release can
/// be read from, is not checked here (`check` reports those that are wrong).
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

/// The semver release a version is at or past: `27.1.0`, or `27.1.0-3-gabc1234` on a branch.
fn nearest_release(version: &str) -> Option<semver::Version> {
    crate::validate::version_of_tag(described(version).unwrap_or(version))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use miette::Diagnostic;

    use super::*;
    use crate::resolve::fake::Fake;
    use crate::resolve::tests::{LINUX, dist, history, id, write_manifests};
    use crate::resolve::{Options, resolve};

    const LIB: &str = "https://example.org/lib";

    /// The failures of `app`'s `requirement` on `lib`, whose repository's entry ends with
    /// `lib` (its history is [`history`]).
    fn unsatisfied(requirement: &str, lib: &str) -> Vec<ResolveFailure> {
        unsatisfied_by(
            requirement,
            &format!("name: lib\nrepositories:\n  - url: {LIB}\n{lib}"),
        )
    }

    fn unsatisfied_by(requirement: &str, lib: &str) -> Vec<ResolveFailure> {
        let (_dir, manifests) = write_manifests(&[
            (
                "products/app.yaml",
                &format!("name: app\ndepends: {{ lib: {requirement} }}\n"),
            ),
            ("products/lib.yaml", lib),
            ("distributions/dist.yaml", &dist("app")),
        ]);
        let fake = Fake::new().with(LIB, history());
        let plan = Plan::new(&manifests, "dist", LINUX).unwrap();
        let none = BTreeMap::new();
        let locked = resolve(&plan, &fake, &Options::new(LINUX, &none)).unwrap();
        check_requirements(&plan, &locked)
    }

    #[test]
    fn a_branch_past_a_release_satisfies_what_that_release_does() {
        // `main` is `1.0.0-1-g...`: past 1.0.0.
        assert!(unsatisfied("\">=1.0\"", "").is_empty());
        assert!(unsatisfied("\"~1.0.0\"", "").is_empty());
        // A tag is its own version.
        assert!(unsatisfied("\"^1.1\"", "tag: 1.1.0\n").is_empty());
    }

    #[test]
    fn an_unsatisfied_requirement_names_both_sides_and_the_fix() {
        let failures = unsatisfied("\">=1.1\"", "");
        let [failure] = &failures[..] else {
            panic!("{failures:?}");
        };
        assert_eq!(
            failure.code().map(|c| c.to_string()).as_deref(),
            Some("requirement-unsatisfied")
        );
        assert_eq!(
            failure.to_string(),
            format!(
                "`app` requires `lib` `>=1.1`, and `lib` resolved to `1.0.0-1-g{}`",
                &id("2")[..7]
            )
        );
        assert_eq!(
            failure.help().map(|h| h.to_string()).as_deref(),
            Some(
                "tag a release of `lib` that satisfies it, build `lib` from one with --set, or change the requirement"
            )
        );
        // Pinned to a tag below the requirement.
        let failures = unsatisfied("\"<1.0\"", "tag: 1.0.0\n");
        assert!(
            matches!(&failures[..], [ResolveFailure::Requirement { version, .. }] if version == "1.0.0"),
            "{failures:?}"
        );
    }

    #[test]
    fn what_is_not_checked_at_lock_time() {
        // Any version; a requirement on another platform only.
        assert!(unsatisfied("\"*\"", "").is_empty());
        assert!(unsatisfied("{ version: \">=9\", platforms: [\"osx*\"] }", "").is_empty());
        // A version that is no release: a meta-package's, or a commit past no tag.
        assert!(unsatisfied_by("\">=9\"", "name: lib\nversion: daily-20260301\n").is_empty());
        assert!(unsatisfied("\">=9\"", "    ref: no-tag\n").is_empty());
    }
}
