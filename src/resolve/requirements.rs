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
