//! `distrib deploy`: change what a site has installed and its default, in the deployment file
//! itself, so the change has history and review.

use std::path::{Path, PathBuf};

use super::{Context, Exit, boxed, err};
use crate::deploy::{Edit, apply, with_line_endings_of};
use crate::fsutil::{IoError, write_atomic};
use crate::lock::history;
use crate::manifest::model::{Deployment, Support};
use crate::manifest::{self, Origin};

/// Change the releases installed at a site, and its default
///
/// Edits `deployments/<DEPLOYMENT>.yaml` in place: only the lines concerned change, comments
/// and order stay. A release is installed only once it has a lock; the default must be installed
/// with official support; the default cannot be removed.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib deploy add epn O2PDPSuite-epn-20240516-DDv1.6.5-flp-suite-v0.40.0 --support official\n  \
distrib deploy set-default epn O2PDPSuite-epn-20240516-DDv1.6.5-flp-suite-v0.40.0"
)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Make an installed, officially supported release the default
    ///
    /// The distribution's `gates: { default: [...] }` name the checks the release must have
    /// passed (`distrib record`), such as O2's Monday workout.
    SetDefault {
        deployment: String,
        release: String,
        #[command(flatten)]
        gate: super::record::GateArgs,
    },
    /// Install a locked release
    Add {
        deployment: String,
        release: String,
        #[arg(long, value_enum)]
        support: SupportArg,
        /// Who asked for it (O2: a detector, Run Coordination...)
        #[arg(long)]
        requested_by: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Uninstall a release (not the default)
    Remove { deployment: String, release: String },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SupportArg {
    Official,
    Test,
    Internal,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum DeployFailure {
    #[error("unknown deployment `{0}`")]
    #[diagnostic(
        code("deployment-unknown"),
        help("the deployments are the files under `deployments/`")
    )]
    Unknown(String),
    #[error("`{release}` has no lock in `locks/{distribution}/`")]
    #[diagnostic(
        code("lock-missing"),
        help("lock it first: a site installs only releases whose content is recorded")
    )]
    NoLock {
        release: String,
        distribution: String,
    },
    #[error("cannot change `{path}`: {source}")]
    #[diagnostic(code("deploy"))]
    Edit {
        path: String,
        source: crate::deploy::DeployError,
    },
    #[error("`{path}` is a symbolic link to `{target}`, outside the manifest repository")]
    #[diagnostic(
        code("symlink-escape"),
        help(
            "copy the file into the repository: distrib changes only files of the manifest repository"
        )
    )]
    LinkOutside { path: String, target: String },
}

pub fn run(context: &Context, args: Args) -> Result<Exit, Box<dyn miette::Diagnostic>> {
    let root = manifest::find_root(&context.start)
        .ok_or_else(|| boxed(manifest::OpenError::NoRoot(context.start.clone())))?;
    // A read-modify-write: two runs at once must not both start from the same text, or one
    // edit is lost. The manifests are read only once the repository's writers' lock is held.
    let _guard = history::exclusive(root).map_err(boxed)?;
    let opened = manifest::open(root, None).map_err(boxed)?;
    let Origin::WorkTree(_) = &opened.origin else {
        return Ok(Exit::Failure);
    };
    let mut gate = None;
    let (name, edit) = match args.action {
        Action::SetDefault {
            deployment,
            release,
            gate: given,
        } => {
            gate = Some(given);
            (deployment, Edit::SetDefault { release })
        }
        Action::Add {
            deployment,
            release,
            support,
            requested_by,
            note,
        } => {
            let support = match support {
                SupportArg::Official => Support::Official,
                SupportArg::Test => Support::Test,
                SupportArg::Internal => Support::Internal,
            };
            (
                deployment,
                Edit::Add {
                    release,
                    support,
                    requested_by,
                    note,
                },
            )
        }
        Action::Remove {
            deployment,
            release,
        } => (deployment, Edit::Remove { release }),
    };
    let Some(loaded) = opened
        .manifests
        .deployments
        .iter()
        .find(|d| d.value.name.value == name)
    else {
        // A link out of the repository is not read as a deployment: say so, not "unknown".
        for extension in ["yaml", "yml"] {
            target(root, &format!("deployments/{name}.{extension}"))?;
        }
        err(&format!(
            "{}\n",
            context.render_error(&DeployFailure::Unknown(name))
        ));
        return Ok(Exit::Usage);
    };
    let deployment: &Deployment = &loaded.value;
    if let Edit::Add { release, .. } = &edit {
        let distribution = deployment.distribution.value.clone();
        if !crate::lock::path(root, &distribution, release).is_file() {
            return Err(boxed(DeployFailure::NoLock {
                release: release.clone(),
                distribution,
            }));
        }
    }
    let source = opened.report.sources.get(loaded.file);
    let text = apply(&source.text, deployment, &edit).map_err(|e| {
        boxed(DeployFailure::Edit {
            path: source.path.clone(),
            source: e,
        })
    })?;
    // The edit is valid: the release it makes the default must have passed its checks.
    if let (Edit::SetDefault { release }, Some(given)) = (&edit, &gate) {
        let distribution = &deployment.distribution.value;
        let checks = opened
            .manifests
            .distributions
            .iter()
            .find(|d| d.value.name.value == *distribution)
            .map(|d| d.value.gates.of("default"))
            .unwrap_or_default();
        let history = history::History::read(root).map_err(boxed)?;
        if let Some(lock) = history.find(distribution, release)
            && let Err(exit) =
                super::record::gate(context, root, "set-default", lock, &checks, given)
        {
            return Ok(exit);
        }
    }
    let path = target(root, &source.path)?;
    let original = std::fs::read(&path).map_err(|e| boxed(IoError::new(&path, e)))?;
    let text = with_line_endings_of(&text, &original);
    write_atomic(&path, text.as_bytes()).map_err(|e| boxed(IoError::new(&path, e)))?;
    let said = match &edit {
        Edit::SetDefault { release } => format!("`{name}` now defaults to `{release}`"),
        Edit::Add {
            release, support, ..
        } => format!(
            "`{name}` installs `{release}` with {} support",
            support.as_str()
        ),
        Edit::Remove { release } => format!("`{name}` no longer installs `{release}`"),
    };
    err(&format!("{said} (`{}`)\n", source.path));
    Ok(Exit::Success)
}

/// The file to write for the manifest at `relative`: itself, or the file its symbolic link
/// points at, which must lie inside the repository (replacing the link by a plain file would
/// silently fork the two).
fn target(root: &Path, relative: &str) -> Result<PathBuf, Box<dyn miette::Diagnostic>> {
    let path = root.join(relative);
    if !path.is_symlink() {
        return Ok(path);
    }
    let resolved = path
        .canonicalize()
        .map_err(|e| boxed(IoError::new(&path, e)))?;
    let canonical_root = root
        .canonicalize()
        .map_err(|e| boxed(IoError::new(root, e)))?;
    if !resolved.starts_with(&canonical_root) {
        return Err(boxed(DeployFailure::LinkOutside {
            path: relative.to_owned(),
            target: resolved.display().to_string(),
        }));
    }
    Ok(resolved)
}
