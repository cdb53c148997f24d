//! The import as an operation: read a checkout, convert it, and compare what it gives with the
//! manifest repository, then write the difference (or, in a dry run, only say it). Never prints.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;

use super::{AlidistError, MARK, Options, ReadError};
use crate::fsutil::IoError;

/// Whether the import writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Compare only: nothing is written.
    DryRun,
}

/// What to import, and where.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The alidist checkout.
    pub checkout: &'a Path,
    /// The manifest repository written into.
    pub into: &'a Path,
    pub options: Options,
    pub mode: Mode,
}

/// What an import did, or in a dry run would do, to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Added,
    Changed,
    Removed,
    Unchanged,
}

/// One file of the manifest repository that the import writes or wrote once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FileChange {
    /// Relative to the manifest repository, `/`-separated.
    pub path: String,
    pub status: Status,
}

/// What an import found.
#[derive(Debug)]
pub struct Outcome {
    /// The recipes imported (one product each).
    pub recipes: usize,
    /// The distributions written, one per defaults profile the root can be built with.
    pub distributions: Vec<String>,
    /// Every file the import writes, then those an earlier import wrote that are gone, by path.
    pub files: Vec<FileChange>,
}

impl Outcome {
    /// How many files have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.files.iter().filter(|f| f.status == status).count()
    }
}

/// Why an import stopped. Nothing is written then.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ImportError {
    #[error("`{architecture}` is no architecture name: {problem}")]
    #[diagnostic(
        code("platform-unsupported"),
        help("pass `--architecture` an aliBuild architecture, such as `slc9_x86-64`")
    )]
    Architecture {
        architecture: String,
        problem: String,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(ReadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Convert(AlidistError),
    #[error("{} the import would write {} not written by an import of alidist: `{}`{}", crate::diagnostic::plural(*count, "file"), if *count == 1 { "exists and was" } else { "exist and were" }, first.display(), if *count > 1 { " and others" } else { "" })]
    #[diagnostic(
        code("import-exists"),
        help(
            "move them away (or delete them) and import again, or import into another folder with `-C`: the import overwrites only the files it wrote"
        )
    )]
    NotImported { count: usize, first: PathBuf },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Io(#[from] IoError),
}

/// Imports a checkout: the files it gives are compared with those of the manifest repository;
/// in [`Mode::Write`] the added and changed ones are written and those an earlier import wrote
/// for recipes or profiles that are gone removed. A file of the same name that no import wrote
/// (its first line is not [`MARK`]) stops the import before anything is written.
pub fn import(request: &Request) -> Result<Outcome, ImportError> {
    let options = &request.options;
    for architecture in &options.architectures {
        if let Some(problem) = crate::resolve::platform::name_problem(architecture) {
            return Err(ImportError::Architecture {
                architecture: architecture.clone(),
                problem,
            });
        }
    }
    let recipes = super::read(request.checkout).map_err(ImportError::Read)?;
    let files = super::convert(&recipes, options).map_err(ImportError::Convert)?;
    let root = request.into;
    // What the folders hold, listed once, folder by folder, each by name: a file not there is
    // added without reading it.
    let mut existing: Vec<PathBuf> = Vec::new();
    for folder in FOLDERS {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| PathBuf::from(folder).join(entry.file_name()))
            .collect();
        names.sort();
        existing.extend(names);
    }
    let listed: BTreeSet<&PathBuf> = existing.iter().collect();
    let mut changes: Vec<(FileChange, Option<&str>)> = Vec::new();
    let mut foreign: Vec<PathBuf> = Vec::new();
    for file in &files {
        let in_folders = file
            .path
            .parent()
            .is_some_and(|parent| FOLDERS.iter().any(|folder| parent == Path::new(folder)));
        let current = if in_folders && !listed.contains(&file.path) {
            Err(std::io::ErrorKind::NotFound.into())
        } else {
            std::fs::read(root.join(&file.path))
        };
        let status = match current {
            Ok(current) if current == file.text.as_bytes() => Status::Unchanged,
            Ok(current) if !current.starts_with(MARK.as_bytes()) => {
                foreign.push(file.path.clone());
                continue;
            }
            Ok(_) => Status::Changed,
            Err(_) => Status::Added,
        };
        changes.push((
            FileChange {
                path: slashed(&file.path),
                status,
            },
            Some(&file.text),
        ));
    }
    if let Some(first) = foreign.first() {
        return Err(ImportError::NotImported {
            count: foreign.len(),
            first: first.clone(),
        });
    }
    // Files an earlier import wrote for recipes or profiles that are gone.
    let written: BTreeSet<&PathBuf> = files.iter().map(|f| &f.path).collect();
    changes.extend(
        existing
            .iter()
            .filter(|path| !written.contains(path))
            .filter(|path| {
                std::fs::read_to_string(root.join(path)).is_ok_and(|text| text.starts_with(MARK))
            })
            .map(|path| {
                (
                    FileChange {
                        path: slashed(path),
                        status: Status::Removed,
                    },
                    None,
                )
            }),
    );
    if request.mode == Mode::Write {
        write(root, &changes)?;
    }
    let mut distributions: Vec<String> = files
        .iter()
        .filter(|f| f.path.starts_with("distributions"))
        .filter_map(|f| f.path.file_stem())
        .map(|stem| stem.to_string_lossy().into_owned())
        .collect();
    distributions.sort();
    let recipes = files
        .iter()
        .filter(|f| f.path.starts_with("products"))
        .count();
    Ok(Outcome {
        recipes,
        distributions,
        files: changes.into_iter().map(|(change, _)| change).collect(),
    })
}

/// The folders an import writes into.
const FOLDERS: [&str; 3] = ["products", "environments", "distributions"];

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn write(root: &Path, changes: &[(FileChange, Option<&str>)]) -> Result<(), IoError> {
    crate::import::config_if_missing(root)?;
    let writes: Vec<(PathBuf, &str, bool)> = changes
        .iter()
        .filter_map(|(change, text)| match (change.status, text) {
            (Status::Added | Status::Changed, Some(text)) => Some((
                root.join(&change.path),
                *text,
                change.status == Status::Added,
            )),
            _ => None,
        })
        .collect();
    let folders: BTreeSet<&Path> = writes
        .iter()
        .filter_map(|(path, ..)| path.parent())
        .collect();
    for folder in folders {
        std::fs::create_dir_all(folder).map_err(|e| IoError::new(folder, e))?;
    }
    // Hundreds of small files: written on every core, the first failure reported.
    let written = crate::parallel::map(&writes, 32, |(path, text, new)| {
        write_imported(path, text.as_bytes(), *new).map_err(|e| IoError::new(path, e))
    });
    written.into_iter().collect::<Result<(), IoError>>()?;
    for (change, _) in changes {
        if change.status == Status::Removed {
            let target = root.join(&change.path);
            std::fs::remove_file(&target).map_err(|e| IoError::new(&target, e))?;
        }
    }
    Ok(())
}

/// Writes an imported file: a new one in place, an existing one replaced by a rename, as
/// `write_atomic` does. No file is flushed to disk one by one: an import writes hundreds of
/// files, and a flush per file made it spend most of its time waiting for the disk. A file left
/// half-written by a crash differs from what the import writes, so the next import rewrites it.
fn write_imported(path: &Path, bytes: &[u8], new: bool) -> std::io::Result<()> {
    use std::io::Write;
    if new {
        return std::fs::File::create_new(path)?.write_all(bytes);
    }
    crate::fsutil::replace(path, bytes, false)
}

/// The document `import alidist --format json` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Document {
    /// `distrib-import/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// The checkout imported, as given.
    pub checkout: String,
    /// Whether this was a dry run: then no file was written.
    pub dry_run: bool,
    /// The distributions the import writes, one per defaults profile.
    pub distributions: Vec<String>,
    /// Every file the import writes (added, changed or unchanged) and those it removes.
    pub files: Vec<FileChange>,
    pub summary: Summary,
}

/// The counts of [`Document`].
#[derive(Debug, Serialize, JsonSchema)]
pub struct Summary {
    pub recipes: usize,
    pub distributions: usize,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub unchanged: usize,
}

/// The format of [`Document`].
pub const FORMAT: &str = "distrib-import/1";

impl Document {
    pub fn new(checkout: &Path, mode: Mode, outcome: Outcome) -> Self {
        Document {
            format: FORMAT,
            checkout: checkout.display().to_string(),
            dry_run: mode == Mode::DryRun,
            summary: Summary {
                recipes: outcome.recipes,
                distributions: outcome.distributions.len(),
                added: outcome.count(Status::Added),
                changed: outcome.count(Status::Changed),
                removed: outcome.count(Status::Removed),
                unchanged: outcome.count(Status::Unchanged),
            },
            distributions: outcome.distributions,
            files: outcome.files,
        }
    }
}
