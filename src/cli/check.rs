//! `distrib check`: validate a manifest repository and report every problem.

use clap::ValueEnum;

use super::{Context, Exit, err, out};
use crate::diagnostic::{Severity, render};
use crate::manifest::{self, Origin};

/// Validate the manifests and report every problem at once
///
/// Reads `distrib.yaml` and every file under products/, distributions/, environments/ and
/// deployments/, checks every rule, and prints all problems, sorted by file and line. Rule levels
/// come from `rules:` in distrib.yaml.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib check\n  distrib check --rev origin/main --format github\n  distrib -C examples/lsst check --format json"
)]
pub struct Args {
    /// Check the manifests as committed in this git revision, not the work tree
    #[arg(long, value_name = "REV")]
    rev: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Fail on warnings too
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Messages with source snippets, on stderr
    Human,
    /// One JSON document on stdout
    Json,
    /// GitHub Actions annotations on stdout
    Github,
}

pub fn run(context: &Context, args: Args) -> Result<Exit, Box<dyn miette::Diagnostic>> {
    let opened = manifest::open(&context.start, args.rev.as_deref())
        .map_err(|e| Box::new(e) as Box<dyn miette::Diagnostic>)?;
    let mut report = opened.report;
    crate::check::check(&opened.manifests, &mut report);
    match args.format {
        Format::Human => {
            err(&render::human(&report, context.width, context.color));
            let at = match &opened.origin {
                Origin::Revision { commit, .. } => {
                    format!(" at {}", &commit[..12.min(commit.len())])
                }
                Origin::WorkTree(_) => String::new(),
            };
            err(&format!("{}{at}\n", report.summary()));
        }
        Format::Json => out(&render::json(&report)),
        Format::Github => {
            let prefix = match &opened.origin {
                Origin::Revision { root, .. } => root.clone(),
                Origin::WorkTree(root) => relative_to_current(root),
            };
            out(&render::github(&report, &prefix));
            err(&format!("{}\n", report.summary()));
        }
    }
    let failed = report.count(Severity::Error) > 0
        || (args.deny_warnings && report.count(Severity::Warning) > 0);
    Ok(if failed { Exit::Failure } else { Exit::Success })
}

/// The root as seen from the current folder, which is where GitHub runs the job.
fn relative_to_current(root: &std::path::Path) -> String {
    let current = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    match current.as_deref().and_then(|c| root.strip_prefix(c).ok()) {
        Some(relative) => relative.to_string_lossy().replace('\\', "/"),
        None => root.display().to_string(),
    }
}
