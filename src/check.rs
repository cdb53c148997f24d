//! The whole of `distrib check` as one library call: the rules on the manifests, the audit of
//! the lockfiles, then the rule levels of `distrib.yaml`.

use crate::diagnostic::Report;
use crate::manifest::Manifests;
use crate::{lock, validate};

/// Adds every problem of the manifest repository to `report`, levels applied, sorted.
pub fn check(manifests: &Manifests, report: &mut Report) {
    validate::validate(manifests, report);
    let first_build =
        crate::manifest::model::Config::first_build(manifests.config.as_ref().map(|c| &c.value));
    let locks = lock::audit::audit(&report.sources, &manifests.locks, first_build);
    report.diagnostics.extend(locks);
    validate::finish(manifests, report);
}
