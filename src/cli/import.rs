//! `distrib import`: turn a collaboration's existing files into a manifest repository.

use std::path::PathBuf;

use super::{Context, Exit, boxed};
use crate::fsutil::{IoError, write_atomic};
use crate::import::lsst;

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
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum ImportFailure {
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code("io"))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot import `{}`: {source}", path.display())]
    #[diagnostic(
        code("import"),
        help(
            "the file must be LSST's repos.yaml: a mapping of product name to URL or to `{{url, ref, lfs}}`"
        )
    )]
    Parse {
        path: PathBuf,
        source: lsst::ImportError,
    },
    #[error("{} already {}: `{}`{}", crate::diagnostic::plural(*count, "product file"), if *count == 1 { "exists" } else { "exist" }, first.display(), if *count > 1 { " and others" } else { "" })]
    #[diagnostic(
        code("import-exists"),
        help(
            "pass `--force` to overwrite them with the imported products, or import into another folder with `--into`"
        )
    )]
    Exists { count: usize, first: PathBuf },
}

pub fn run(context: &Context, args: Args) -> Result<Exit, Box<dyn miette::Diagnostic>> {
    let Source::LsstRepos { file, into, force } = args.source;
    let root = into.unwrap_or_else(|| context.start.clone());
    let text = std::fs::read_to_string(&file).map_err(|source| {
        boxed(ImportFailure::Read {
            path: file.clone(),
            source,
        })
    })?;
    let products = lsst::parse(&text).map_err(|source| {
        boxed(ImportFailure::Parse {
            path: file.clone(),
            source,
        })
    })?;
    let folder = root.join("products");
    let targets: Vec<PathBuf> = products
        .iter()
        .map(|p| folder.join(format!("{}.yaml", p.name)))
        .collect();
    let existing: Vec<&PathBuf> = targets.iter().filter(|t| t.exists()).collect();
    if !force && !existing.is_empty() {
        return Err(boxed(ImportFailure::Exists {
            count: existing.len(),
            first: existing[0].clone(),
        }));
    }
    std::fs::create_dir_all(&folder).map_err(|e| boxed(IoError::new(&folder, e)))?;
    let config = root.join(crate::manifest::ROOT_FILE);
    if !config.exists() {
        write_atomic(
            &config,
            b"# Settings of this manifest repository; see `distrib schema config`.\nrules: {}\n",
        )
        .map_err(|e| boxed(IoError::new(&config, e)))?;
    }
    for (product, target) in products.iter().zip(&targets) {
        write_atomic(target, product.to_yaml().as_bytes())
            .map_err(|e| boxed(IoError::new(target, e)))?;
    }
    super::err(&format!(
        "imported {} products into `{}`; run `distrib check` next\n",
        products.len(),
        folder.display()
    ));
    Ok(Exit::Success)
}
