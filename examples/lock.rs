//! Writes a lock of a distribution from Rust, through the library alone:
//!
//! ```text
//! cargo run --example lock -- DIR DIST [--kind nightly|weekly|manual] [--mirrors DIR] [--offline]
//! ```
//!
//! `DIR` is the manifest repository (or a folder inside it), `DIST` the distribution. The
//! mirrors are brought up to date first unless `--offline`.

use std::path::PathBuf;
use std::process::ExitCode;

use distrib::lock::ReleaseKind;
use distrib::lock::make::{self, Fetch, Mode, Outcome, Request};
use distrib::progress::Silent;
use distrib::workspace::{Workspace, WorkspaceError};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(distribution)) = (args.next(), args.next()) else {
        eprintln!("usage: lock DIR DIST [--kind KIND] [--mirrors DIR] [--offline]");
        return ExitCode::from(2);
    };
    let (mut kind, mut mirrors, mut offline) = (ReleaseKind::Manual, None, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--offline" => offline = true,
            "--mirrors" => mirrors = args.next().map(PathBuf::from),
            "--kind" => {
                kind = match args.next().as_deref() {
                    Some("nightly") => ReleaseKind::Nightly,
                    Some("weekly") => ReleaseKind::Weekly,
                    Some("manual") => ReleaseKind::Manual,
                    other => {
                        eprintln!("`--kind` takes nightly, weekly or manual, not {other:?}");
                        return ExitCode::from(2);
                    }
                }
            }
            _ => {
                eprintln!("unknown argument `{arg}`");
                return ExitCode::from(2);
            }
        }
    }

    let workspace = match Workspace::open(std::path::Path::new(&dir), mirrors.as_deref()) {
        Ok(workspace) => workspace,
        Err(WorkspaceError::Invalid(report)) => {
            eprintln!("{}: run `distrib check` to see them", report.summary());
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            return ExitCode::FAILURE;
        }
    };
    let request = Request {
        distribution,
        kind,
        date: None,
        variables: Vec::new(),
        overrides: Vec::new(),
        platform: None,
        from: None,
        fetch: Fetch {
            offline,
            jobs: None,
        },
        mode: Mode::Write,
    };
    match make::make(&workspace, &request, &Silent) {
        Ok(made) => {
            for warning in &made.warnings {
                eprintln!("warning: {warning}");
            }
            match made.outcome {
                Outcome::Written { lock, path } => println!(
                    "wrote {} ({} products, build {})",
                    workspace.shown(&path),
                    lock.products.len(),
                    lock.build
                ),
                Outcome::UpToDate { lock, .. } => {
                    println!("{} has this content already", lock.release);
                }
                other => println!("{other:?}"),
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            ExitCode::FAILURE
        }
    }
}
