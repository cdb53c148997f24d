//! `distrib deploy`: change what a site has installed and its default, in the deployment file
//! itself, so the change has history and review.

use super::{CommandError, CommandResult};
use std::path::{Path, PathBuf};

use super::{Context, Exit, boxed, err};
use crate::deploy::{ActionName, Document, Edit, FORMAT, apply, with_line_endings_of};
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

    /// Output format of an edit: a sentence on stderr, or one JSON document on stdout
    /// (`distrib-deploy/1`); `export` always prints its JSON document
    #[arg(long, value_enum, global = true, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A sentence on stderr
    Human,
    /// One JSON document on stdout
    Json,
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
        /// Make a test release official and the default in one edit (O2 §8); its
        /// `requested_by` and note stay
        #[arg(long)]
        promote: bool,
        #[command(flatten)]
        gate: super::record::GateArgs,
    },
    /// Install a locked release
    Add {
        deployment: String,
        /// The release [or --newest KIND]
        #[arg(required_unless_present = "newest")]
        release: Option<String>,
        /// Install the newest lock of this kind (O2 §6: the newest nightly)
        #[arg(long, value_enum, value_name = "KIND", conflicts_with = "release")]
        newest: Option<crate::lock::ReleaseKind>,
        #[arg(long, value_enum)]
        support: SupportArg,
        /// Who asked for it (O2: a detector, Run Coordination...)
        #[arg(long)]
        requested_by: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Uninstall a release (not the default, the alternative or a partition's)
    Remove { deployment: String, release: String },
    /// Run an installed release, of any support, on one partition instead of the default (O2 §8)
    SetPartition {
        deployment: String,
        partition: String,
        release: String,
    },
    /// Let a partition run the default again
    UnsetPartition {
        deployment: String,
        partition: String,
    },
    /// Offer an installed release beside the default (O2 §6: the newest nightly)
    SetAlternative { deployment: String, release: String },
    /// Offer no alternative
    UnsetAlternative { deployment: String },
    /// Change the support of an installed release, keeping its `requested_by` and note
    SetSupport {
        deployment: String,
        release: String,
        #[arg(value_enum)]
        support: SupportArg,
    },
    /// Print what a runtime configuration store needs: the default, the alternative, the
    /// partitions and each release's support, as one JSON document
    ///
    /// The document is `{"format": "distrib-deployment/1", "deployment", "distribution",
    /// "default", "alternative", "partitions", "releases"}`, whatever --format says.
    Export { deployment: String },
}

impl From<SupportArg> for Support {
    fn from(support: SupportArg) -> Self {
        match support {
            SupportArg::Official => Support::Official,
            SupportArg::Test => Support::Test,
            SupportArg::Internal => Support::Internal,
        }
    }
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
    // The reason is part of the message, not a cause of it: said once.
    #[error("cannot change `{path}`: {reason}")]
    #[diagnostic(code("deploy-refused"))]
    Edit {
        path: String,
        reason: crate::deploy::DeployError,
    },
    #[error("`{path}` is a symbolic link to `{target}`, outside the manifest repository")]
    #[diagnostic(
        code("symlink-escape"),
        help(
            "copy the file into the repository: distrib changes only files of the manifest repository"
        )
    )]
    LinkOutside { path: String, target: String },
    #[error("`{distribution}` has no {kind} release")]
    #[diagnostic(
        code("lock-missing"),
        help("`distrib list {distribution}` shows its releases")
    )]
    NoneOfKind {
        distribution: String,
        kind: &'static str,
    },
}

/// `deploy export`: the deployment as a runtime configuration store (ALICE's CONSUL) needs it.
fn export(root: &Path, manifests: &crate::manifest::Manifests, name: &str) -> CommandResult {
    let Some(deployment) = manifests
        .deployments
        .iter()
        .map(|d| &d.value)
        .find(|d| d.name.value == name)
    else {
        return Err(CommandError::usage(DeployFailure::Unknown(name.to_owned())));
    };
    let history = history::History::read(root).map_err(boxed)?;
    let releases = deployment
        .installed
        .iter()
        .map(|entry| {
            let lock = history.find(&deployment.distribution.value, &entry.release.value);
            crate::deploy::ExportedRelease {
                release: match lock {
                    Some(lock) => crate::json::Release::of(lock, Some(root)),
                    None => crate::json::Release::unlocked(
                        &deployment.distribution.value,
                        &entry.release.value,
                    ),
                },
                support: entry.support.value,
                requested_by: entry.requested_by.clone(),
                note: entry.note.clone(),
                build_name: lock.map(|l| crate::naming::build_of(manifests, l)),
            }
        })
        .collect();
    let document = crate::deploy::Export {
        format: crate::deploy::EXPORT_FORMAT,
        deployment: deployment.name.value.clone(),
        distribution: deployment.distribution.value.clone(),
        default: deployment.default.as_ref().map(|d| d.value.clone()),
        alternative: deployment.alternative.as_ref().map(|a| a.value.clone()),
        partitions: deployment
            .partitions
            .iter()
            .map(|(p, r)| (p.value.clone(), r.value.clone()))
            .collect(),
        releases,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    super::out_json(&text);
    Ok(Exit::Success)
}

pub fn run(context: &Context, args: Args) -> CommandResult {
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
    let mut newest = None;
    let (name, edit) = match args.action {
        Action::SetDefault {
            deployment,
            release,
            promote,
            gate: given,
        } => {
            gate = Some(given);
            let edit = if promote {
                Edit::Promote { release }
            } else {
                Edit::SetDefault { release }
            };
            (deployment, edit)
        }
        Action::Add {
            deployment,
            release,
            newest: kind,
            support,
            requested_by,
            note,
        } => {
            newest = kind;
            (
                deployment,
                Edit::Add {
                    release: release.unwrap_or_default(),
                    support: support.into(),
                    requested_by,
                    note,
                },
            )
        }
        Action::Remove {
            deployment,
            release,
        } => (deployment, Edit::Remove { release }),
        Action::SetPartition {
            deployment,
            partition,
            release,
        } => (deployment, Edit::SetPartition { partition, release }),
        Action::UnsetPartition {
            deployment,
            partition,
        } => (deployment, Edit::UnsetPartition { partition }),
        Action::SetAlternative {
            deployment,
            release,
        } => (deployment, Edit::SetAlternative { release }),
        Action::UnsetAlternative { deployment } => (deployment, Edit::UnsetAlternative),
        Action::SetSupport {
            deployment,
            release,
            support,
        } => (
            deployment,
            Edit::SetSupport {
                release,
                support: support.into(),
            },
        ),
        Action::Export { deployment } => {
            return export(root, &opened.manifests, &deployment);
        }
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
        return Err(CommandError::usage(DeployFailure::Unknown(name)));
    };
    let deployment: &Deployment = &loaded.value;
    let mut edit = edit;
    if let (Some(kind), Edit::Add { release, .. }) = (newest, &mut edit) {
        let history = history::History::read(root).map_err(boxed)?;
        let locks = history::lineage_order(
            history
                .of(&deployment.distribution.value)
                .filter(|l| l.kind == kind),
        );
        let Some(lock) = locks.last() else {
            return Err(boxed(DeployFailure::NoneOfKind {
                distribution: deployment.distribution.value.clone(),
                kind: kind.as_str(),
            }));
        };
        release.clone_from(&lock.release);
    }
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
            reason: e,
        })
    })?;
    // The edit is valid: the release it makes the default must have passed its checks.
    if let (Edit::SetDefault { release } | Edit::Promote { release }, Some(given)) = (&edit, &gate)
    {
        let distribution = &deployment.distribution.value;
        let checks = crate::resolve::find_distribution(&opened.manifests, distribution)
            .map(|d| d.gates.of("default"))
            .unwrap_or_default();
        let history = history::History::read(root).map_err(boxed)?;
        if let Some(lock) = history.find(distribution, release)
            && let Err(exit) =
                super::record::gate(context, root, "set-default", lock, &checks, given, false)
        {
            return Ok(exit);
        }
    }
    let path = target(root, &source.path)?;
    let original = std::fs::read(&path).map_err(|e| boxed(IoError::new(&path, e)))?;
    let text = with_line_endings_of(&text, &original);
    // An edit that changes nothing leaves the file as it is, and says so.
    let status = if text.as_bytes() == original.as_slice() {
        crate::json::Status::UpToDate
    } else {
        write_atomic(&path, text.as_bytes()).map_err(|e| boxed(IoError::new(&path, e)))?;
        crate::json::Status::Done
    };
    if args.format == Format::Json {
        super::out_json(&crate::json::to_text(&document(
            &edit,
            status,
            deployment,
            &source.path,
        )));
        return Ok(Exit::Success);
    }
    if status == crate::json::Status::UpToDate {
        err(&format!(
            "`{}` already is as asked: nothing to change\n",
            source.path
        ));
        return Ok(Exit::Success);
    }
    let said = match &edit {
        Edit::SetDefault { release } => format!("`{name}` now defaults to `{release}`"),
        Edit::Add {
            release, support, ..
        } => format!(
            "`{name}` installs `{release}` with {} support",
            support.as_str()
        ),
        Edit::Remove { release } => format!("`{name}` no longer installs `{release}`"),
        Edit::SetPartition { partition, release } => {
            format!("partition `{partition}` of `{name}` runs `{release}`")
        }
        Edit::UnsetPartition { partition } => {
            format!("partition `{partition}` of `{name}` runs the default again")
        }
        Edit::SetAlternative { release } => {
            format!("`{name}` offers `{release}` beside the default")
        }
        Edit::UnsetAlternative => format!("`{name}` offers no alternative"),
        Edit::SetSupport { release, support } => {
            format!("`{name}` gives `{release}` {} support", support.as_str())
        }
        Edit::Promote { release } => format!(
            "`{name}` promotes `{release}` from test to official support and defaults to it"
        ),
    };
    err(&format!("{said} (`{}`)\n", source.path));
    Ok(Exit::Success)
}

/// The JSON document of an edit.
fn document(
    edit: &Edit,
    status: crate::json::Status,
    deployment: &Deployment,
    file: &str,
) -> Document {
    let (action, release, support, partition) = match edit {
        Edit::SetDefault { release } => (ActionName::SetDefault, Some(release), None, None),
        Edit::Promote { release } => (
            ActionName::Promote,
            Some(release),
            Some(Support::Official),
            None,
        ),
        Edit::Add {
            release, support, ..
        } => (ActionName::Add, Some(release), Some(*support), None),
        Edit::Remove { release } => (ActionName::Remove, Some(release), None, None),
        Edit::SetPartition { partition, release } => (
            ActionName::SetPartition,
            Some(release),
            None,
            Some(partition),
        ),
        Edit::UnsetPartition { partition } => {
            (ActionName::UnsetPartition, None, None, Some(partition))
        }
        Edit::SetAlternative { release } => (ActionName::SetAlternative, Some(release), None, None),
        Edit::UnsetAlternative => (ActionName::UnsetAlternative, None, None, None),
        Edit::SetSupport { release, support } => {
            (ActionName::SetSupport, Some(release), Some(*support), None)
        }
    };
    Document {
        format: FORMAT,
        action,
        status,
        deployment: deployment.name.value.clone(),
        distribution: deployment.distribution.value.clone(),
        file: file.to_owned(),
        release: release.cloned(),
        support,
        partition: partition.cloned(),
    }
}

/// The file to write for the manifest at `relative`: itself, or the file its symbolic link
/// points at, which must lie inside the repository (replacing the link by a plain file would
/// silently fork the two).
fn target(root: &Path, relative: &str) -> Result<PathBuf, CommandError> {
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
