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

/// `distrib check --format json`: every problem, the counts, and with `--base` what the change
/// does.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Document<'a> {
    /// `distrib-check/1`.
    #[schemars(extend("const" = "distrib-check/1"))]
    pub format: &'static str,
    /// Every problem: `code`, `severity`, `message`, `help`, `file`, `line`, `column`, `end`
    /// and `labels`.
    pub diagnostics: Vec<crate::diagnostic::render::ReportEntry>,
    pub summary: Summary,
    /// With `--base`: what the change since that revision does; `null` without.
    pub impact: Option<&'a crate::impact::Impact>,
}

/// The counts of a check.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    /// Files read.
    pub files: usize,
}

impl<'a> Document<'a> {
    pub fn new(report: &Report, impact: Option<&'a crate::impact::Impact>) -> Self {
        use crate::diagnostic::Severity;
        Document {
            format: "distrib-check/1",
            diagnostics: crate::diagnostic::render::entries(report),
            summary: Summary {
                errors: report.count(Severity::Error),
                warnings: report.count(Severity::Warning),
                files: report.sources.len(),
            },
            impact,
        }
    }
}
