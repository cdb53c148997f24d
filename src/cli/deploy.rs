//! `distrib deploy`: change what a site has installed and its default, in the deployment file
//! itself, so the change has history and review.

use super::{CommandError, CommandResult};

use super::{Context, Exit, boxed, err};
use crate::deploy::{self, Edit};
use crate::manifest;
use crate::manifest::model::Support;

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

pub fn run(context: &Context, args: Args) -> CommandResult {
    let root = manifest::find_root(&context.start)
        .ok_or_else(|| boxed(manifest::OpenError::NoRoot(context.start.clone())))?;
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
            let opened = manifest::open(root, None).map_err(boxed)?;
            let document = deploy::export(root, &opened.manifests, &deployment).map_err(error)?;
            super::out_json(&crate::json::to_text(&document));
            return Ok(Exit::Success);
        }
    };
    let request = deploy::Request {
        deployment: name.clone(),
        edit,
        newest,
        gate: gate.and_then(|g| g.given()),
    };
    let edited = deploy::edit(root, request).map_err(error)?;
    if let Some(passed) = &edited.gate {
        super::record::warn(context, passed);
    }
    if args.format == Format::Json {
        super::out_json(&crate::json::to_text(&edited.document()));
        return Ok(Exit::Success);
    }
    if edited.status == crate::json::Status::UpToDate {
        err(&format!(
            "`{}` already is as asked: nothing to change\n",
            edited.file
        ));
        return Ok(Exit::Success);
    }
    let edit = &edited.edit;
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
    err(&format!("{said} (`{}`)\n", edited.file));
    Ok(Exit::Success)
}

/// An edit's error, of the kind its cause is.
fn error(error: deploy::EditError) -> CommandError {
    if error.is_usage() {
        CommandError::usage(error)
    } else {
        CommandError::user(error)
    }
}
