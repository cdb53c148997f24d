//! `distrib import`: turn a collaboration's existing files into a manifest repository.

use super::{CommandError, CommandResult};
use std::path::PathBuf;

use super::{Context, Exit, boxed};
use crate::import::{alidist, lsst};

/// Create product manifests from files a collaboration already keeps
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    source: Source,
}

#[derive(Debug, clap::Subcommand)]
enum Source {
    /// LSST's `repos.yaml`: one product per entry, with its repository and ref
    LsstRepos {
        /// The `repos.yaml` file
        file: PathBuf,
        /// The manifest repository to write into (created if needed; default: -C or the current folder)
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// Overwrite product files that already exist
        #[arg(long)]
        force: bool,
    },
    /// ALICE's alidist recipes: a product per recipe, a distribution and an environment for
    /// one defaults profile; writes into -C (or the current folder)
    Alidist {
        /// The alidist checkout (the folder of `o2.sh` and `defaults-o2.sh`)
        dir: PathBuf,
        /// The defaults profile (`defaults-NAME.sh`) whose `disable` and `overrides` apply
        #[arg(long, value_name = "NAME", default_value = "o2")]
        defaults: String,
        /// The architecture the distributions are built for; repeat it for several (each is a
        /// platform of theirs, the first their default)
        #[arg(long, value_name = "ARCH", default_value = "slc9_x86-64")]
        architecture: Vec<String>,
        /// The distribution's root package
        #[arg(long, value_name = "PACKAGE", default_value = "O2PDPSuite")]
        root: String,
        /// List the files that would be added, changed or removed, and write nothing
        #[arg(long)]
        dry_run: bool,
        /// How to report the files written: `human` (on stderr) or `json` (a
        /// `distrib-import/1` document on stdout)
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let (file, into, force) = match args.source {
        Source::LsstRepos { file, into, force } => (file, into, force),
        Source::Alidist {
            dir,
            defaults,
            architecture,
            root,
            dry_run,
            format,
        } => {
            let request = alidist::write::Request {
                checkout: &dir,
                into: &context.start,
                options: alidist::Options {
                    defaults,
                    architectures: architecture,
                    root,
                },
                mode: if dry_run {
                    alidist::write::Mode::DryRun
                } else {
                    alidist::write::Mode::Write
                },
            };
            return import_alidist(&request, format);
        }
    };
    let root = into.unwrap_or_else(|| context.start.clone());
    let written = lsst::write(&file, &root, force).map_err(boxed)?;
    super::err(&format!(
        "imported {} products into `{}`; run `distrib check` next\n",
        written.products,
        written.folder.display()
    ));
    Ok(Exit::Success)
}

fn import_alidist(request: &alidist::write::Request, format: Format) -> CommandResult {
    use alidist::write::{Document, Mode, Status};
    let outcome = alidist::write::import(request).map_err(|error| match error {
        alidist::write::ImportError::Architecture { .. } => CommandError::usage(error),
        error => CommandError::user(error),
    })?;
    if format == Format::Json {
        let document = Document::new(request.checkout, request.mode, outcome);
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        super::out(&format!("{text}\n"));
        return Ok(Exit::Success);
    }
    let changed = |status: Status| outcome.count(status);
    if request.mode == Mode::DryRun {
        let mut text = String::new();
        for file in outcome
            .files
            .iter()
            .filter(|f| f.status != Status::Unchanged)
        {
            let verb = match file.status {
                Status::Added => "add",
                Status::Changed => "change",
                Status::Removed => "remove",
                Status::Unchanged => continue,
            };
            text.push_str(&format!("{verb} {}\n", file.path));
        }
        super::out(&text);
        super::err(&format!(
            "{} would change; nothing written\n",
            crate::diagnostic::plural(outcome.files.len() - changed(Status::Unchanged), "file")
        ));
        return Ok(Exit::Success);
    }
    super::err(&format!(
        "imported {} from `{}`, {} ({}): {} added, {} changed, {} removed\n",
        crate::diagnostic::plural(outcome.recipes, "recipe"),
        request.checkout.display(),
        crate::diagnostic::plural(outcome.distributions.len(), "distribution"),
        outcome.distributions.join(", "),
        changed(Status::Added),
        changed(Status::Changed),
        changed(Status::Removed),
    ));
    Ok(Exit::Success)
}
