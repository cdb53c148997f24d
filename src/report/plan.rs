//! What a binary store lacks for a lock, in build order. The store is laid out by package
//! identity: `<store>/<first 2 hex digits>/<64 hex digits>/`, one folder per package, so that
//! whether a package exists is whether its folder does. This module only computes the folder
//! names and the order; the caller says which folders exist.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;
use thiserror::Error;

use super::{OrderError, build_order};
use crate::json::Release;
use crate::lock::Lockfile;

/// The store layout, in words, for help texts and JSON output.
pub const LAYOUT: &str = "<store>/<first 2 hex digits of the identity>/<identity hex>/";

#[derive(Debug, Error, miette::Diagnostic, PartialEq, Eq)]
pub enum PlanError {
    #[error("the identity of `{product}` is `{identity}`, not `sha256:` and 64 hex digits")]
    #[diagnostic(
        code("lock-invalid"),
        help("a lock is written by distrib only: write it again with `distrib lock`")
    )]
    Identity { product: String, identity: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Order(#[from] OrderError),
}

/// The format of the document `distrib plan --format json` prints.
pub const FORMAT: &str = "distrib-plan/1";

/// What a store lacks for one release: the document `distrib plan --format json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "distrib plan: what a binary store lacks for a release, in build order")]
pub struct Plan {
    /// `distrib-plan/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// The release planned.
    #[serde(flatten)]
    pub release: Release,
    /// The store, as given (`--store`); `null` until the caller says.
    pub store: Option<String>,
    /// Where a package's folder is in the store.
    pub layout: &'static str,
    pub summary: PlanSummary,
    /// Every product, dependencies before dependents.
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PlanSummary {
    pub products: usize,
    /// Steps with status `build`.
    pub build: usize,
    /// Steps with status `present`.
    pub present: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Step {
    /// 1-based position in the build order.
    pub order: usize,
    #[serde(rename = "product")]
    pub name: String,
    pub version: Option<String>,
    /// The package identity, `sha256:` and 64 hex digits.
    pub identity: String,
    /// The package's folder, relative to the store.
    pub path: String,
    pub status: StepStatus,
    /// Run-time and build-time dependencies, which come earlier in the order.
    pub depends: Vec<String>,
}

/// Whether the store has the package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// No folder for this identity: build it and upload it there.
    Build,
    /// The store has it.
    Present,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Build => "build",
            StepStatus::Present => "present",
        }
    }
}

/// The folder of a package in the store, relative to the store: `ab/abcdef...`.
pub fn store_path(identity: &str) -> Option<PathBuf> {
    let hex = identity.strip_prefix("sha256:")?;
    let valid = hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    valid.then(|| Path::new(&hex[..2]).join(hex))
}

/// The plan of `lock` against a store where `exists(path)` says whether the folder `path`
/// (relative to the store) is there.
pub fn plan(lock: &Lockfile, exists: impl Fn(&Path) -> bool) -> Result<Plan, PlanError> {
    let mut steps = Vec::with_capacity(lock.products.len());
    for (index, product) in build_order(lock)?.into_iter().enumerate() {
        let path = store_path(&product.identity).ok_or_else(|| PlanError::Identity {
            product: product.name.clone(),
            identity: product.identity.clone(),
        })?;
        let mut depends: Vec<String> = product
            .depends
            .iter()
            .chain(&product.build_depends)
            .cloned()
            .collect();
        depends.sort();
        depends.dedup();
        steps.push(Step {
            order: index + 1,
            name: product.name.clone(),
            version: product.version.clone(),
            identity: product.identity.clone(),
            status: if exists(&path) {
                StepStatus::Present
            } else {
                StepStatus::Build
            },
            path: path.to_string_lossy().into_owned(),
            depends,
        });
    }
    let to_build = steps
        .iter()
        .filter(|s| s.status == StepStatus::Build)
        .count();
    Ok(Plan {
        format: FORMAT,
        release: Release::of(lock, None),
        store: None,
        layout: LAYOUT,
        summary: PlanSummary {
            products: steps.len(),
            build: to_build,
            present: steps.len() - to_build,
        },
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lock, spec};
    use super::*;

    #[test]
    fn store_paths_follow_the_layout() {
        let hex = "ab".to_owned() + &"0".repeat(62);
        assert_eq!(
            store_path(&format!("sha256:{hex}")),
            Some(PathBuf::from(format!("ab/{hex}")))
        );
        assert_eq!(store_path(&hex), None);
        assert_eq!(store_path("sha256:ab"), None);
        assert_eq!(store_path(&format!("sha256:{}", "é".repeat(32))), None);
        assert_eq!(store_path(&format!("sha256:{}", "A".repeat(64))), None);
    }

    #[test]
    fn present_packages_are_reported_in_build_order() {
        let lock = lock(
            "w.1",
            "3.12",
            &[
                spec("app", Some('1'), &["utils"]),
                spec("utils", Some('2'), &["base"]),
                spec("base", Some('3'), &[]),
            ],
        );
        let base = store_path(
            &lock
                .products
                .iter()
                .find(|p| p.name == "base")
                .unwrap()
                .identity,
        )
        .unwrap();
        let plan = plan(&lock, |p| p == base).unwrap();
        let steps: Vec<(usize, &str, StepStatus)> = plan
            .steps
            .iter()
            .map(|s| (s.order, s.name.as_str(), s.status))
            .collect();
        assert_eq!(
            steps,
            [
                (1, "base", StepStatus::Present),
                (2, "utils", StepStatus::Build),
                (3, "app", StepStatus::Build)
            ]
        );
        assert_eq!((plan.summary.build, plan.summary.present), (2, 1));
    }

    #[test]
    fn a_malformed_identity_is_an_error_not_a_panic() {
        let mut lock = lock("w.1", "3.12", &[spec("a", None, &[])]);
        lock.products[0].identity = "sha256:x".into();
        assert!(matches!(
            plan(&lock, |_| false),
            Err(PlanError::Identity { .. })
        ));
    }
}
