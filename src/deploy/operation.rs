//! `deploy` as operations: an edit of a deployment file made under the repository's writers'
//! lock (read, check, apply, write only if something changes), and the export of a deployment.
//! Nothing here prints; the command line renders what they return.

use std::path::{Path, PathBuf};

use super::{ActionName, DeployError, Document, Edit, FORMAT, apply, with_line_endings_of};
use crate::fsutil::{IoError, write_atomic};
use crate::json::Status;
use crate::lock::ReleaseKind;
use crate::lock::history::{self, HistoryError};
use crate::manifest::model::{Deployment, Support};
use crate::manifest::{self, OpenError, Origin};
use crate::records::{self, Override, Passed, RecordFailure};

/// An edit to make.
#[derive(Clone, Debug)]
pub struct Request {
    pub deployment: String,
    pub edit: Edit,
    /// `add --newest KIND`: the release added is the newest of that kind (its `release` is
    /// filled in).
    pub newest: Option<ReleaseKind>,
    /// The override given for a closed `default` gate (`set-default`, `promote`).
    pub gate: Option<Override>,
}

/// What an edit did.
#[derive(Clone, Debug)]
pub struct Edited {
    /// The edit as made (`add --newest` with its release).
    pub edit: Edit,
    /// `done` (the file changed) or `up-to-date` (it already was as asked).
    pub status: Status,
    pub deployment: String,
    pub distribution: String,
    /// The deployment file, relative to the manifest repository.
    pub file: String,
    /// The `default` gate of a new default, when one was passed.
    pub gate: Option<Passed>,
}

/// Why an edit or an export was not made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EditError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Io(#[from] IoError),
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
    Edit { path: String, reason: DeployError },
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
    /// The `default` gate of the new default is closed (or its override could not be
    /// recorded): nothing was written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Gate(#[from] RecordFailure),
}

impl EditError {
    /// The command line named something that does not exist.
    pub fn is_usage(&self) -> bool {
        match self {
            EditError::Unknown(_) => true,
            EditError::Gate(error) => error.is_usage(),
            _ => false,
        }
    }
}

/// Makes `request`'s edit in the manifest repository at `root`. A read-modify-write under the
/// repository's writers' lock: two runs at once never both start from the same text. A new
/// default must pass its distribution's `default` gate (`records::pass_gate`, with the
/// request's override): closed, nothing is written.
pub fn edit(root: &Path, request: Request) -> Result<Edited, EditError> {
    let _guard = history::exclusive(root)?;
    let opened = manifest::open(root, None)?;
    let Origin::WorkTree(_) = &opened.origin else {
        return Err(OpenError::NoRoot(root.to_path_buf()).into());
    };
    let name = request.deployment;
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
        return Err(EditError::Unknown(name));
    };
    let deployment: &Deployment = &loaded.value;
    let distribution = deployment.distribution.value.clone();
    let mut edit = request.edit;
    if let (Some(kind), Edit::Add { release, .. }) = (request.newest, &mut edit) {
        let history = history::History::read(root)?;
        let locks = history::lineage_order(history.of(&distribution).filter(|l| l.kind == kind));
        let Some(lock) = locks.last() else {
            return Err(EditError::NoneOfKind {
                distribution,
                kind: kind.as_str(),
            });
        };
        release.clone_from(&lock.release);
    }
    if let Edit::Add { release, .. } = &edit
        && !crate::lock::path(root, &distribution, release).is_file()
    {
        return Err(EditError::NoLock {
            release: release.clone(),
            distribution,
        });
    }
    let source = opened.report.sources.get(loaded.file);
    let file = source.path.clone();
    let text = apply(&source.text, deployment, &edit).map_err(|reason| EditError::Edit {
        path: file.clone(),
        reason,
    })?;
    // The file is read before the gate is passed: an override is recorded only for an edit
    // that can then be written.
    let path = target(root, &file)?;
    let original = std::fs::read(&path).map_err(|e| IoError::new(&path, e))?;
    let text = with_line_endings_of(&text, &original);
    // The edit is valid: the release it makes the default must have passed its checks.
    let mut gate = None;
    if let Edit::SetDefault { release } | Edit::Promote { release } = &edit {
        let checks = crate::resolve::find_distribution(&opened.manifests, &distribution)
            .map(|d| d.gates.of("default"))
            .unwrap_or_default();
        let history = history::History::read(root)?;
        if let Some(lock) = history.find(&distribution, release) {
            let given = request.gate.as_ref();
            gate = Some(records::pass_gate(
                root,
                "set-default",
                lock,
                &checks,
                given,
                false,
            )?);
        }
    }
    let edited = |status| Edited {
        edit: edit.clone(),
        status,
        deployment: name.clone(),
        distribution: distribution.clone(),
        file: file.clone(),
        gate: gate.clone(),
    };
    // An edit that changes nothing leaves the file as it is, and says so.
    if text.as_bytes() == original.as_slice() {
        return Ok(edited(Status::UpToDate));
    }
    write_atomic(&path, text.as_bytes()).map_err(|e| IoError::new(&path, e))?;
    Ok(edited(Status::Done))
}

impl Edited {
    /// The `distrib-deploy/1` document of this edit.
    pub fn document(&self) -> Document {
        let (action, release, support, partition) = match &self.edit {
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
            Edit::SetAlternative { release } => {
                (ActionName::SetAlternative, Some(release), None, None)
            }
            Edit::UnsetAlternative => (ActionName::UnsetAlternative, None, None, None),
            Edit::SetSupport { release, support } => {
                (ActionName::SetSupport, Some(release), Some(*support), None)
            }
        };
        Document {
            format: FORMAT,
            action,
            status: self.status,
            deployment: self.deployment.clone(),
            distribution: self.distribution.clone(),
            file: self.file.clone(),
            release: release.cloned(),
            support,
            partition: partition.cloned(),
        }
    }
}

/// `deploy export`: the deployment as a runtime configuration store (ALICE's CONSUL) needs it.
pub fn export(
    root: &Path,
    manifests: &crate::manifest::Manifests,
    name: &str,
) -> Result<super::Export, EditError> {
    let Some(deployment) = manifests
        .deployments
        .iter()
        .map(|d| &d.value)
        .find(|d| d.name.value == name)
    else {
        return Err(EditError::Unknown(name.to_owned()));
    };
    let history = history::History::read(root)?;
    let releases = deployment
        .installed
        .iter()
        .map(|entry| {
            let lock = history.find(&deployment.distribution.value, &entry.release.value);
            super::ExportedRelease {
                release: match lock {
                    Some(lock) => crate::json::Release::in_history(lock, &history, root),
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
    Ok(super::Export {
        format: super::EXPORT_FORMAT,
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
    })
}

/// The file to write for the manifest at `relative`: itself, or the file its symbolic link
/// points at, which must lie inside the repository (replacing the link by a plain file would
/// silently fork the two).
fn target(root: &Path, relative: &str) -> Result<PathBuf, EditError> {
    let path = root.join(relative);
    if !path.is_symlink() {
        return Ok(path);
    }
    let resolved = path.canonicalize().map_err(|e| IoError::new(&path, e))?;
    let canonical_root = root.canonicalize().map_err(|e| IoError::new(root, e))?;
    if !resolved.starts_with(&canonical_root) {
        return Err(EditError::LinkOutside {
            path: relative.to_owned(),
            target: resolved.display().to_string(),
        });
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `epn` installs `w.2026.47` officially; `dist` gates a default on a `workout` record.
    fn gated() -> tempfile::TempDir {
        let epn = "name: epn\ndistribution: dist\ninstalled:\n  - release: w.2026.47\n    support: official\n";
        let (dir, _) = crate::records::tests::gated_release(
            "gates:\n  default: [workout]\n",
            &[("deployments/epn.yaml", epn)],
        );
        dir
    }

    fn set_default(gate: Option<Override>) -> Request {
        Request {
            deployment: "epn".into(),
            edit: Edit::SetDefault {
                release: "w.2026.47".into(),
            },
            newest: None,
            gate,
        }
    }

    #[test]
    fn a_new_default_passes_its_gate_or_goes_on_through_a_recorded_override() {
        let dir = gated();
        let file = dir.path().join("deployments/epn.yaml");
        let before = std::fs::read_to_string(&file).unwrap();
        assert!(matches!(
            edit(dir.path(), set_default(None)),
            Err(EditError::Gate(RecordFailure::Gate { step, .. })) if step == "set-default"
        ));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            before,
            "nothing written"
        );
        let given = Override {
            reason: "Monday's workout was cancelled".into(),
            by: Some("rc".into()),
            date: "2026-11-23T09:00".into(),
        };
        let edited = edit(dir.path(), set_default(Some(given))).unwrap();
        assert_eq!(edited.status, Status::Done);
        let Some(Passed::Overridden(overridden)) = &edited.gate else {
            panic!("overridden: {:?}", edited.gate)
        };
        assert!(overridden.recorded);
        assert_eq!(overridden.by.as_deref(), Some("rc"));
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("default: w.2026.47")
        );
        // Other edits have no gate.
        let unset = edit(
            dir.path(),
            Request {
                deployment: "epn".into(),
                edit: Edit::SetSupport {
                    release: "w.2026.47".into(),
                    support: Support::Official,
                },
                newest: None,
                gate: None,
            },
        );
        assert!(matches!(unset, Ok(Edited { gate: None, .. })), "{unset:?}");
    }
}
