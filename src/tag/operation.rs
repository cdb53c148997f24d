//! `distrib tag` and `distrib branch` as operations: a located release and what to put in its
//! repositories in, an [`Execution`] out ([`release`]); then how that execution ends the run
//! ([`end`], a pure function). Nothing here prints; the command line renders both.

use super::{Execution, Item, Mode, What, Written};
use crate::lock::Lockfile;
use crate::progress::Progress;
use crate::records::{self, Override, Passed, RecordFailure};
use crate::workspace::Workspace;

/// Which refs to put in a release's repositories.
#[derive(Clone, Debug)]
pub enum Refs {
    /// The tags the lock records, and the manifest repository's own; `gate` is the override
    /// given for a closed `tag` gate.
    Tags { gate: Option<Override> },
    /// The release branch, in the repositories of `products` (the packages to fix).
    Branch { products: Vec<String> },
}

/// A run of `distrib tag` or `distrib branch` on one release.
#[derive(Clone, Debug)]
pub struct ReleaseRequest {
    /// The release, as located by the caller.
    pub lock: Lockfile,
    pub refs: Refs,
    /// A release branch is never moved: `force` is ignored for one.
    pub mode: Mode,
    /// Repositories read and pushed at once; `None`: the number of cores.
    pub jobs: Option<usize>,
}

/// What a run found and did, and how its gate was passed.
#[derive(Clone, Debug)]
pub struct Released {
    pub execution: Execution,
    /// The `tag` gate, when one was passed (a branch has none, nor does a verification).
    pub gate: Option<Passed>,
}

/// Why a run of `tag` or `branch` was refused, or how it failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TagError {
    #[error("`{release}` records no tag: a {kind} release makes none")]
    #[diagnostic(
        code("tag-none"),
        help(
            "DMTN-106 §4.2: nightly and manual releases are not tagged; give the distribution a `naming.tag.{kind}` template and lock the release again to tag it"
        )
    )]
    NoTags { release: String, kind: &'static str },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Branch(#[from] super::BranchFailure),
    /// The release's distribution, whose template names its branch, is not in the manifests.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Distribution(#[from] crate::resolve::ResolveFailure),
    /// The branch template gives no valid branch name for the release's version.
    #[error(transparent)]
    #[diagnostic(transparent)]
    BranchName(#[from] crate::release::ReleaseError),
    /// The `tag` gate is closed (or its override could not be recorded).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Gate(#[from] RecordFailure),
    #[error(transparent)]
    #[diagnostic(transparent)]
    History(#[from] crate::lock::history::HistoryError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Blocked(#[from] Blocked),
    #[error(transparent)]
    #[diagnostic(transparent)]
    OutOfSync(#[from] OutOfSync),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Failed(#[from] Failed),
}

/// A run of `tag` or `branch` prepared: the release's refs planned and its gate passed,
/// nothing written yet, so that the caller can say how the gate was passed before the run.
pub struct Prepared {
    /// The `tag` gate, when one was passed (a branch has none, nor does a verification).
    pub gate: Option<Passed>,
    run: super::Request,
}

impl Prepared {
    /// Runs what was prepared in the repositories of the manifest repository at `root`.
    pub fn execute(
        self,
        root: &std::path::Path,
        progress: &dyn Progress,
    ) -> Result<Execution, TagError> {
        Ok(super::execute(root, self.run, progress)?)
    }
}

/// Puts the refs `request` asks for in the release's repositories: [`prepare`], then
/// [`Prepared::execute`].
pub fn release(
    workspace: &Workspace,
    request: &ReleaseRequest,
    progress: &dyn Progress,
) -> Result<Released, TagError> {
    let prepared = prepare(workspace, request)?;
    let gate = prepared.gate.clone();
    let execution = prepared.execute(&workspace.root, progress)?;
    Ok(Released { execution, gate })
}

/// Plans the refs `request` asks for: the tags (behind the `tag` gate, unless only verified)
/// or the release branch of the products named.
pub fn prepare(workspace: &Workspace, request: &ReleaseRequest) -> Result<Prepared, TagError> {
    let lock = &request.lock;
    let mut mode = request.mode;
    let (what, items, gate) = match &request.refs {
        Refs::Tags { gate } => {
            if lock.tags.is_empty() {
                return Err(TagError::NoTags {
                    release: format!("{}/{}", lock.distribution, lock.release),
                    kind: lock.kind.as_str(),
                });
            }
            // DMTN-106 §2.5: a release is tagged once it is proven to work (`gates: { tag:
            // [...] }`). Checking what is there already needs no gate.
            let passed = if request.mode == Mode::Verify {
                None
            } else {
                let checks =
                    crate::resolve::find_distribution(&workspace.manifests, &lock.distribution)
                        .map(|d| d.gates.of("tag"))
                        .unwrap_or_default();
                Some(records::pass_gate(
                    &workspace.root,
                    "tag",
                    lock,
                    &checks,
                    gate.as_ref(),
                    request.mode == Mode::DryRun,
                )?)
            };
            let items = super::tag_items(&workspace.root, &workspace.mirrors(), lock);
            (What::Tag, items, passed)
        }
        Refs::Branch { products } => {
            if let Mode::Write { push, .. } = mode {
                mode = Mode::Write { push, force: false };
            }
            (What::Branch, branch_items(workspace, lock, products)?, None)
        }
    };
    Ok(Prepared {
        gate,
        run: super::Request {
            what,
            items,
            mode,
            jobs: request.jobs,
            date: super::tag_date(lock),
        },
    })
}

/// The release branch's items: named by the distribution's template from the release's version.
fn branch_items(
    workspace: &Workspace,
    lock: &Lockfile,
    products: &[String],
) -> Result<Vec<Item>, TagError> {
    let version = super::branch_version(lock)?;
    let distribution = crate::resolve::find_distribution(&workspace.manifests, &lock.distribution)?;
    let name = crate::release::make::branch_name(distribution, version, &lock.variables)?;
    Ok(super::branch_items(
        &workspace.mirrors(),
        lock,
        &name,
        products,
    )?)
}

/// Nothing was written: the pre-flight found problems.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("nothing was written ({summary}): fix the problems above, then run it again")]
#[diagnostic(code("ref-blocked"))]
pub struct Blocked {
    pub summary: String,
    #[help]
    pub help: Option<String>,
}

/// How many repositories are in sync with a release.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{synced} of {} in sync with `{release}`", crate::diagnostic::plural(*.repositories, "repository"))]
pub struct SyncCount {
    pub synced: usize,
    pub repositories: usize,
    /// `DIST/RELEASE`.
    pub release: String,
}

/// `--verify`: some repository is not in sync.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(
    code("tag-out-of-sync"),
    help("`distrib tag {} --push` creates what is missing", .0.release)
)]
pub struct OutOfSync(pub SyncCount);

/// What the writes of a run did.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} `{release}`: {written}, {synced} already in sync, {failed} failed", .what.as_str())]
pub struct Tally {
    pub what: What,
    /// `DIST/RELEASE`.
    pub release: String,
    /// `N pushed`, or `N created in the mirrors (not pushed: pass --push)`.
    pub written: String,
    pub synced: usize,
    pub failed: usize,
}

/// Some writes failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(
    code("push-failed"),
    help("run the same command again once the failures are fixed: it pushes only what is missing")
)]
pub struct Failed(pub Tally);

/// How a run that did not fail ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// `--verify`: every repository has the ref on the release's commit.
    Verified(SyncCount),
    /// A dry run: the pre-flight's counts (`1 create, 2 in-sync`), and whether the plan
    /// would be blocked (then the run fails, its problems said).
    Planned { summary: String, blocked: bool },
    /// Everything was written or was there already.
    Written(Tally),
}

impl Execution {
    /// The pre-flight's counts, by state: `1 create, 2 in-sync`.
    pub fn summary(&self) -> String {
        super::counts(self.repositories.iter().map(|o| &o.state))
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How `execution` of the release `release` (`DIST/RELEASE`) ends the run: a blocked write, a
/// verification out of sync and a failed write are the run's error; `--force` is offered for
/// conflicts alone, and only for tags (a release branch is never moved).
pub fn end(execution: &Execution, release: &str) -> Result<End, TagError> {
    let in_sync = || SyncCount {
        synced: execution.in_sync(),
        repositories: execution.repositories.len(),
        release: release.to_owned(),
    };
    match execution.mode {
        Mode::Write { .. } if execution.blocked => Err(Blocked {
            summary: execution.summary(),
            help: (execution.conflicts() > 0
                && execution.unreachable() == 0
                && execution.what == What::Tag)
                .then(|| "pass --force to move the conflicting refs".to_owned()),
        }
        .into()),
        Mode::Verify if !execution.succeeded() => Err(OutOfSync(in_sync()).into()),
        Mode::Verify => Ok(End::Verified(in_sync())),
        Mode::DryRun => Ok(End::Planned {
            summary: execution.summary(),
            blocked: execution.blocked,
        }),
        Mode::Write { push, .. } => {
            let written = if push {
                format!("{} pushed", execution.written(Written::Pushed))
            } else {
                format!(
                    "{} created in the mirrors (not pushed: pass --push)",
                    execution.written(Written::Created)
                )
            };
            let tally = Tally {
                what: execution.what,
                release: release.to_owned(),
                written,
                synced: execution.written(Written::InSync),
                failed: execution.failed(),
            };
            if tally.failed > 0 {
                return Err(Failed(tally).into());
            }
            Ok(End::Written(tally))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::push::RemoteError;
    use crate::lock::LockedTag;
    use crate::tag::tests::outcome;
    use crate::tag::{Outcome, State};

    fn execution(what: What, mode: Mode, repositories: Vec<Outcome>) -> Execution {
        let force = matches!(mode, Mode::Write { force: true, .. });
        let mut execution = Execution {
            what,
            mode,
            repositories,
            blocked: false,
        };
        execution.blocked = execution.unreachable() > 0 || (execution.conflicts() > 0 && !force);
        execution
    }

    const WRITE: Mode = Mode::Write {
        push: true,
        force: false,
    };

    fn conflict() -> State {
        State::Conflict {
            commit: "b".repeat(40),
            local: false,
        }
    }

    fn unreachable() -> State {
        State::Unreachable {
            reason: "no route".into(),
            help: "check the URL".into(),
        }
    }

    #[test]
    fn a_blocked_write_offers_force_only_for_conflicting_tags() {
        let conflicting = vec![outcome(State::Create, None), outcome(conflict(), None)];
        let Err(TagError::Blocked(blocked)) =
            end(&execution(What::Tag, WRITE, conflicting.clone()), "d/r")
        else {
            panic!("blocked")
        };
        assert_eq!(blocked.summary, "1 conflict, 1 create");
        assert_eq!(
            blocked.help.as_deref(),
            Some("pass --force to move the conflicting refs")
        );
        // A release branch is never moved; an unreachable origin is no matter of force.
        let Err(TagError::Blocked(branch)) =
            end(&execution(What::Branch, WRITE, conflicting.clone()), "d/r")
        else {
            panic!("blocked")
        };
        assert_eq!(branch.help, None);
        let mut both = conflicting;
        both.push(outcome(unreachable(), None));
        let Err(TagError::Blocked(both)) = end(&execution(What::Tag, WRITE, both), "d/r") else {
            panic!("blocked")
        };
        assert_eq!(both.help, None);
    }

    #[test]
    fn a_verification_ends_in_sync_or_out_of_sync() {
        let synced = || outcome(State::InSync { note: None }, None);
        let all = execution(What::Tag, Mode::Verify, vec![synced(), synced()]);
        let Ok(End::Verified(in_sync)) = end(&all, "d/r") else {
            panic!("verified")
        };
        assert_eq!(
            in_sync.to_string(),
            "2 of 2 repositories in sync with `d/r`"
        );
        let some = execution(
            What::Tag,
            Mode::Verify,
            vec![synced(), outcome(State::Create, None)],
        );
        let Err(error @ TagError::OutOfSync(_)) = end(&some, "d/r") else {
            panic!("out of sync")
        };
        assert_eq!(error.to_string(), "1 of 2 repositories in sync with `d/r`");
        let help = miette::Diagnostic::help(&error).map(|h| h.to_string());
        assert_eq!(
            help.as_deref(),
            Some("`distrib tag d/r --push` creates what is missing")
        );
    }

    #[test]
    fn a_dry_run_ends_with_its_plan_blocked_or_not() {
        let plan = execution(
            What::Tag,
            Mode::DryRun,
            vec![outcome(State::Create, None), outcome(conflict(), None)],
        );
        assert_eq!(
            end(&plan, "d/r").unwrap(),
            End::Planned {
                summary: "1 conflict, 1 create".into(),
                blocked: true
            }
        );
        let clear = execution(What::Tag, Mode::DryRun, vec![outcome(State::Create, None)]);
        assert!(matches!(
            end(&clear, "d/r"),
            Ok(End::Planned { blocked: false, .. })
        ));
    }

    #[test]
    fn a_write_ends_with_its_tally_or_fails_with_it() {
        let done = execution(
            What::Tag,
            WRITE,
            vec![
                outcome(State::Create, Some(Ok(Written::Pushed))),
                outcome(State::InSync { note: None }, Some(Ok(Written::InSync))),
            ],
        );
        let Ok(End::Written(tally)) = end(&done, "d/r") else {
            panic!("written")
        };
        assert_eq!(
            tally.to_string(),
            "tag `d/r`: 1 pushed, 1 already in sync, 0 failed"
        );
        let local = execution(
            What::Branch,
            Mode::Write {
                push: false,
                force: false,
            },
            vec![outcome(State::Create, Some(Ok(Written::Created)))],
        );
        let Ok(End::Written(tally)) = end(&local, "d/r") else {
            panic!("written")
        };
        assert_eq!(
            tally.to_string(),
            "branch `d/r`: 1 created in the mirrors (not pushed: pass --push), 0 already in sync, 0 failed"
        );
        let failed = execution(
            What::Tag,
            WRITE,
            vec![outcome(
                State::Create,
                Some(Err(RemoteError::Failed("refused".into()))),
            )],
        );
        let Err(TagError::Failed(Failed(tally))) = end(&failed, "d/r") else {
            panic!("failed")
        };
        assert_eq!((tally.failed, tally.synced), (1, 0));
    }

    /// `dist` gates tags on a `build` record; its weekly's one tag is in a repository that
    /// does not exist.
    fn gated() -> (tempfile::TempDir, Workspace, Lockfile) {
        let (dir, workspace) =
            crate::records::tests::gated_release("gates:\n  tag: [build]\n", &[]);
        let mut lock = crate::lock::tests::sample();
        lock.distribution = "dist".into();
        let nowhere = dir.path().join("nowhere.git").display().to_string();
        lock.tags = vec![LockedTag {
            url: nowhere,
            name: "w.2026.47".into(),
            message: super::super::message("w.2026.47", &lock),
            commit: "1".repeat(40),
        }];
        (dir, workspace, lock)
    }

    fn request(lock: &Lockfile, mode: Mode, gate: Option<Override>) -> ReleaseRequest {
        ReleaseRequest {
            lock: lock.clone(),
            refs: Refs::Tags { gate },
            mode,
            jobs: Some(1),
        }
    }

    #[test]
    fn tags_are_refused_without_tags_or_behind_a_closed_gate_but_verified_without_one() {
        let (_dir, workspace, lock) = gated();
        let silent = crate::progress::Silent;
        let mut untagged = lock.clone();
        untagged.tags.clear();
        untagged.kind = crate::lock::ReleaseKind::Nightly;
        assert!(matches!(
            release(&workspace, &request(&untagged, Mode::Verify, None), &silent),
            Err(TagError::NoTags { release, kind: "nightly" }) if release == "dist/w.2026.47"
        ));
        // The gate is closed: no `build` record. Refused before any origin is read.
        assert!(matches!(
            release(&workspace, &request(&lock, Mode::DryRun, None), &silent),
            Err(TagError::Gate(RecordFailure::Gate { step, .. })) if step == "tag"
        ));
        // An override lets a dry run through, and records nothing.
        let given = Override {
            reason: "urgent".into(),
            by: Some("ops".into()),
            date: "2026-11-21T10:00".into(),
        };
        let released = release(
            &workspace,
            &request(&lock, Mode::DryRun, Some(given)),
            &silent,
        )
        .unwrap();
        let Some(Passed::Overridden(overridden)) = &released.gate else {
            panic!("overridden: {:?}", released.gate)
        };
        assert!(!overridden.recorded);
        assert_eq!(overridden.by.as_deref(), Some("ops"));
        assert!(!workspace.root.join("records").exists());
        // A verification passes no gate; the origin that does not exist is unreachable.
        let verified = release(&workspace, &request(&lock, Mode::Verify, None), &silent).unwrap();
        assert_eq!(verified.gate, None);
        assert_eq!(verified.execution.unreachable(), 1);
        assert!(matches!(
            end(&verified.execution, "dist/w.2026.47"),
            Err(TagError::OutOfSync(_))
        ));
    }

    #[test]
    fn a_branch_needs_a_version_and_products_of_the_release() {
        let (_dir, workspace, lock) = gated();
        let silent = crate::progress::Silent;
        let branch = |lock: &Lockfile, products: &[&str]| ReleaseRequest {
            lock: lock.clone(),
            refs: Refs::Branch {
                products: products.iter().map(|p| p.to_string()).collect(),
            },
            mode: Mode::DryRun,
            jobs: Some(1),
        };
        // A weekly has no version to name a branch after.
        assert!(matches!(
            release(&workspace, &branch(&lock, &["afw"]), &silent),
            Err(TagError::Branch(
                crate::tag::BranchFailure::NoVersion { .. }
            ))
        ));
        let mut candidate = lock.clone();
        candidate.kind = crate::lock::ReleaseKind::Candidate;
        candidate.release_version = Some("29.0.0".into());
        assert!(matches!(
            release(&workspace, &branch(&candidate, &["ghost"]), &silent),
            Err(TagError::Branch(
                crate::tag::BranchFailure::NotInRelease { .. }
            ))
        ));
        assert!(matches!(
            release(&workspace, &branch(&candidate, &["afw"]), &silent),
            Err(TagError::Branch(
                crate::tag::BranchFailure::NoRepository { .. }
            ))
        ));
        // A release branch is never moved, whatever the request says; here its origin does
        // not exist, so nothing is written.
        candidate.products[0].repositories[0].url =
            workspace.root.join("nowhere.git").display().to_string();
        let mut forced = branch(&candidate, &["utils"]);
        forced.mode = Mode::Write {
            push: true,
            force: true,
        };
        let released = release(&workspace, &forced, &silent).unwrap();
        assert_eq!(
            released.execution.mode,
            Mode::Write {
                push: true,
                force: false
            }
        );
        assert_eq!(
            released.execution.repositories[0].item.full_ref,
            "refs/heads/b.29.0.x"
        );
        assert!(released.execution.blocked);
    }
}
