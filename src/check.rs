//! The whole of `distrib check` as one library call: the rules on the manifests, the audit of
//! the lockfiles, then the rule levels of `distrib.yaml`.

use std::path::Path;

use crate::diagnostic::{Report, Severity};
use crate::impact::{self, Impact};
use crate::manifest::{self, Manifests, OpenError, Origin, Verdict};
use crate::{lock, validate};

/// What `distrib check` is asked.
pub struct Request<'a> {
    /// The folder the manifest repository is found from.
    pub start: &'a Path,
    /// The revision whose manifests are checked, instead of the work tree.
    pub rev: Option<&'a str>,
    /// Also say what the change since this revision does: what it changes, and which package
    /// identities move.
    pub base: Option<&'a str>,
    /// The folder of the mirrors the identities are computed from, instead of `mirrors:` in
    /// distrib.yaml (else the user's cache).
    pub mirrors: Option<&'a Path>,
}

/// What a check found.
pub struct Checked {
    /// Where the manifests were read: the work tree, or a revision.
    pub origin: Origin,
    /// Every problem, levels applied, sorted.
    pub report: Report,
    /// With a base revision, what the change since it does.
    pub impact: Option<Impact>,
    /// The manifests checked.
    pub manifests: Manifests,
}

impl Checked {
    /// Why `--deny-warnings` fails a run that has warnings and no error.
    pub fn denied(&self, deny_warnings: bool) -> Option<WarningsDenied> {
        let warnings = self.report.count(Severity::Warning);
        (deny_warnings && self.report.count(Severity::Error) == 0 && warnings > 0)
            .then_some(WarningsDenied { warnings })
    }

    /// Whether the check fails: an error, or a warning denied.
    pub fn failed(&self, deny_warnings: bool) -> bool {
        self.report.count(Severity::Error) > 0 || self.denied(deny_warnings).is_some()
    }
}

/// Warnings that fail a check run with `--deny-warnings`: the summary alone ("1 warning") does
/// not say why the run failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{} denied by --deny-warnings", crate::diagnostic::plural(*warnings, "warning"))]
#[diagnostic(
    code("warnings-denied"),
    help("fix them, or set their rules to `allow` under `rules:` in distrib.yaml")
)]
pub struct WarningsDenied {
    pub warnings: usize,
}

/// Checks the manifest repository found from `request.start`, and with a base, compares it
/// with that revision. Only a repository that cannot be read at all is an error: every
/// problem of its manifests is in the report.
pub fn run(request: &Request) -> Result<Checked, OpenError> {
    let opened = manifest::open(request.start, request.rev)?;
    let mut report = opened.report;
    check_recorded(&opened.manifests, &mut report, opened.verdict.as_ref());
    let impact = match request.base {
        Some(base) => Some(since(
            request,
            base,
            &opened.manifests,
            &opened.origin,
            &report,
        )?),
        None => None,
    };
    Ok(Checked {
        origin: opened.origin,
        report,
        impact,
        manifests: opened.manifests,
    })
}

/// What the change from `base` to `manifests` does, each distribution compared on the
/// platforms it declares, else on its newest lock's, as `lock` would choose.
fn since(
    request: &Request,
    base: &str,
    manifests: &Manifests,
    origin: &Origin,
    report: &Report,
) -> Result<Impact, OpenError> {
    let before = manifest::open(request.start, Some(base))?;
    let locks = impact::newest_locks(manifests, &report.sources);
    let platforms = |name: &str| -> Vec<String> {
        let declared = [manifests, &before.manifests]
            .into_iter()
            .filter_map(|m| crate::resolve::find_distribution(m, name).ok())
            .map(crate::resolve::declared_platforms)
            .find(|list| !list.is_empty());
        match declared {
            Some(list) => list.into_iter().map(str::to_owned).collect(),
            None => vec![
                locks
                    .iter()
                    .find(|l| l.distribution == name)
                    .map_or_else(crate::resolve::host_platform, |l| l.platform.clone()),
            ],
        }
    };
    let mut impact = impact::compare(&before.manifests, manifests, base, platforms);
    let root = match origin {
        Origin::WorkTree(root) => root.clone(),
        Origin::Revision { .. } => manifest::find_root(request.start)
            .unwrap_or(request.start)
            .to_path_buf(),
    };
    let dir = crate::workspace::mirrors_dir(&root, manifests, request.mirrors);
    let mirrors = crate::workspace::mirrors(manifests, &dir, &root);
    impact::compute_identities(&mut impact, manifests, &locks, &mirrors);
    Ok(impact)
}

/// Adds every problem of the manifest repository to `report`, levels applied, sorted.
pub fn check(manifests: &Manifests, report: &mut Report) {
    validate::validate(manifests, report);
    let first_build =
        crate::manifest::model::Config::first_build(manifests.config.as_ref().map(|c| &c.value));
    let locks = lock::audit::audit(&report.sources, &manifests.locks, first_build);
    report.diagnostics.extend(locks);
    validate::finish(manifests, report);
}

/// [`check`], and when it finds no error, the record of it in `verdict` (the parse cache's),
/// which lets the next command on exactly these files skip the rules.
pub fn check_recorded(manifests: &Manifests, report: &mut Report, verdict: Option<&Verdict>) {
    check(manifests, report);
    if let Some(verdict) = verdict
        && report.count(Severity::Error) == 0
    {
        verdict.record_clean();
    }
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
    /// Whether `--deny-warnings` failed the run on its warnings (`warnings-denied`).
    pub denied: bool,
}

impl<'a> Document<'a> {
    pub fn new(report: &Report, impact: Option<&'a crate::impact::Impact>, denied: bool) -> Self {
        use crate::diagnostic::Severity;
        Document {
            format: "distrib-check/1",
            diagnostics: crate::diagnostic::render::entries(report),
            summary: Summary {
                errors: report.count(Severity::Error),
                warnings: report.count(Severity::Warning),
                files: report.sources.len(),
                denied,
            },
            impact,
        }
    }
}
