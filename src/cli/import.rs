//! `distrib import`: turn a collaboration's existing files into a manifest repository.

use super::CommandResult;
use std::path::PathBuf;

use super::{Context, Exit, boxed};
use crate::fsutil::{IoError, write_atomic};
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
        /// The architecture the distribution is built for
        #[arg(long, value_name = "ARCH", default_value = "slc9_x86-64")]
        architecture: String,
        /// The distribution's root package
        #[arg(long, value_name = "PACKAGE", default_value = "O2PDPSuite")]
        root: String,
        /// List the files that would be created, changed or removed, and write nothing
        #[arg(long)]
        dry_run: bool,
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
    #[error("{} the import would write {} not written by an import of alidist: `{}`{}", crate::diagnostic::plural(*count, "file"), if *count == 1 { "exists and was" } else { "exist and were" }, first.display(), if *count > 1 { " and others" } else { "" })]
    #[diagnostic(
        code("import-exists"),
        help(
            "move them away (or delete them) and import again, or import into another folder with `-C`: the import overwrites only the files it wrote"
        )
    )]
    NotImported { count: usize, first: PathBuf },
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
        } => {
            let options = alidist::Options {
                defaults,
                architecture,
                root,
            };
            return import_alidist(context, &dir, &options, dry_run);
        }
    };
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

/// What an import does to one file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Create,
    Rewrite,
    Remove,
}

fn import_alidist(
    context: &Context,
    dir: &std::path::Path,
    options: &alidist::Options,
    dry_run: bool,
) -> CommandResult {
    let root = &context.start;
    if let Some(problem) = crate::resolve::platform::name_problem(&options.architecture) {
        super::err(&format!("error: --architecture: {problem}\n"));
        return Ok(Exit::Usage);
    }
    let recipes = alidist::read(dir).map_err(boxed)?;
    let files = alidist::convert(&recipes, options).map_err(boxed)?;
    let mut changes: Vec<(Change, PathBuf)> = Vec::new();
    // Files of the same name that the import did not write: never overwritten.
    let mut foreign: Vec<PathBuf> = Vec::new();
    for file in &files {
        match std::fs::read(root.join(&file.path)) {
            Ok(current) if current == file.text.as_bytes() => {}
            Ok(current) if !current.starts_with(alidist::MARK.as_bytes()) => {
                foreign.push(file.path.clone())
            }
            Ok(_) => changes.push((Change::Rewrite, file.path.clone())),
            Err(_) => changes.push((Change::Create, file.path.clone())),
        }
    }
    if let Some(first) = foreign.first() {
        return Err(boxed(ImportFailure::NotImported {
            count: foreign.len(),
            first: first.clone(),
        }));
    }
    // Files an earlier import wrote for recipes that are gone.
    let written: std::collections::BTreeSet<&PathBuf> = files.iter().map(|f| &f.path).collect();
    for folder in ["products", "environments", "distributions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut gone: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| PathBuf::from(folder).join(e.file_name()))
            .filter(|path| !written.contains(path))
            .filter(|path| {
                std::fs::read_to_string(root.join(path))
                    .is_ok_and(|text| text.starts_with(alidist::MARK))
            })
            .collect();
        gone.sort();
        changes.extend(gone.into_iter().map(|p| (Change::Remove, p)));
    }
    if dry_run {
        let mut text = String::new();
        for (change, path) in &changes {
            let verb = match change {
                Change::Create => "create",
                Change::Rewrite => "change",
                Change::Remove => "remove",
            };
            text.push_str(&format!("{verb} {}\n", path.display()));
        }
        super::out(&text);
        super::err(&format!(
            "{} would change; nothing written\n",
            crate::diagnostic::plural(changes.len(), "file")
        ));
        return Ok(Exit::Success);
    }
    let config = root.join(crate::manifest::ROOT_FILE);
    if !config.exists() {
        write_atomic(
            &config,
            b"# Settings of this manifest repository; see `distrib schema config`.\nrules: {}\n",
        )
        .map_err(|e| boxed(IoError::new(&config, e)))?;
    }
    let texts: std::collections::BTreeMap<&PathBuf, &str> =
        files.iter().map(|f| (&f.path, f.text.as_str())).collect();
    for (change, path) in &changes {
        let Some(text) = texts.get(path) else {
            continue;
        };
        let target = root.join(path);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(|e| boxed(IoError::new(folder, e)))?;
        }
        write_imported(&target, text.as_bytes(), *change == Change::Create)
            .map_err(|e| boxed(IoError::new(&target, e)))?;
    }
    for (_, path) in changes.iter().filter(|(c, _)| *c == Change::Remove) {
        let target = root.join(path);
        std::fs::remove_file(&target).map_err(|e| boxed(IoError::new(&target, e)))?;
    }
    let count = |kind: Change| changes.iter().filter(|(c, _)| *c == kind).count();
    let mut distributions: Vec<String> = files
        .iter()
        .filter(|f| f.path.starts_with("distributions"))
        .filter_map(|f| f.path.file_stem())
        .map(|stem| stem.to_string_lossy().into_owned())
        .collect();
    distributions.sort();
    super::err(&format!(
        "imported {} from `{}`, {} ({}): {} created, {} changed, {} removed\n",
        crate::diagnostic::plural(
            files
                .iter()
                .filter(|f| f.path.starts_with("products"))
                .count(),
            "recipe"
        ),
        dir.display(),
        crate::diagnostic::plural(distributions.len(), "distribution"),
        distributions.join(", "),
        count(Change::Create),
        count(Change::Rewrite),
        count(Change::Remove),
    ));
    Ok(Exit::Success)
}

/// Writes an imported file: a new one in place, an existing one replaced by a rename, as
/// `write_atomic` does. No file is flushed to disk one by one: an import writes hundreds of
/// files, and a flush per file made it spend most of its time waiting for the disk. A file left
/// half-written by a crash differs from what the import writes, so the next import rewrites it.
fn write_imported(path: &std::path::Path, bytes: &[u8], new: bool) -> std::io::Result<()> {
    use std::io::Write;
    if new {
        return std::fs::File::create_new(path)?.write_all(bytes);
    }
    let folder = path.parent().unwrap_or(std::path::Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    temporary.write_all(bytes)?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}
