//! `distrib tag`: put the tags a release's lock records in every repository of the release.
//! The engine here (pre-flight, create, push, report) is shared with `distrib branch`.

use super::CommandResult;
use std::path::PathBuf;
use std::sync::Mutex;

use super::locate::{Accept, locate};
use super::lock::fail;
use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, err, out_json, out_text};
use crate::git::mirror;
use crate::git::push::{Git, RemoteError};
use crate::lock::Lockfile;
use crate::naming::DateTime;
use crate::tag::{self, State};

/// Tag every repository of a release, as its lock records (DMTN-106 §2.5, §4.2, §4.4, §4.9)
///
/// Pre-flight first: every origin's tag is read (in parallel) and each repository is classified
/// as to create, in sync (the tag is there, on the recorded commit), conflicting (the tag is
/// there, on another commit) or unreachable. Every problem is reported before anything is
/// written, and a conflict stops the run unless --force. Then annotated tags are created in the
/// mirrors and, with --push, pushed with `git push --atomic`, one repository at a time per job.
/// Running it again finishes what a failed run left: repositories already tagged are in sync.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib tag w.2026.47 --dry-run\n  distrib tag 29.0.0.rc1 --push\n  distrib tag 29.0.0 --verify"
)]
pub struct Args {
    /// The release: `DIST/RELEASE`, a release name, or a lockfile's path
    release: String,

    #[command(flatten)]
    run: RunArgs,

    /// Move a tag that exists on another commit (a conflict stops the run without it)
    #[arg(long)]
    force: bool,

    /// Exit 1 unless every repository has the release's tag on the recorded commit (for CI
    /// after a release); writes nothing
    #[arg(long, conflicts_with_all = ["dry_run", "push", "force"])]
    verify: bool,

    #[command(flatten)]
    gate: super::record::GateArgs,
}

/// What `tag` and `branch` share.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Push the new refs to the origins (without it they are made in the mirrors only)
    #[arg(long)]
    pub push: bool,

    /// Print the plan, write nothing
    #[arg(long, conflicts_with = "push")]
    pub dry_run: bool,

    /// Repositories read and pushed at once [default: the number of CPUs]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// `human`: one line per repository; `json`: the plan or the outcome per repository
    #[arg(long, value_enum, default_value_t = super::lock::Format::Human)]
    pub format: super::lock::Format,

    #[command(flatten)]
    pub mirrors: MirrorArgs,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(super) enum TagFailure {
    #[error("`{release}` records no tag: a {kind} release makes none")]
    #[diagnostic(
        code("tag-none"),
        help(
            "DMTN-106 §4.2: nightly and manual releases are not tagged; give the distribution a `naming.tag.{kind}` template and lock the release again to tag it"
        )
    )]
    NoTags { release: String, kind: &'static str },
}

/// One ref to put in one repository.
pub(super) struct Item {
    /// As the lock records it.
    pub url: String,
    /// Where it is read and pushed (after `rewrite:`).
    pub fetch_url: String,
    pub mirror: PathBuf,
    /// `refs/tags/<name>` or `refs/heads/<name>`.
    pub full_ref: String,
    pub commit: String,
    /// An annotated tag's message; `None` for a branch.
    pub message: Option<String>,
    pub state: State,
    pub outcome: Option<Result<&'static str, RemoteError>>,
    /// The manifest repository itself: its own git folder stands for the mirror, and is
    /// never fetched into; without an origin, the tag is made there only.
    pub manifest: bool,
}

impl Item {
    pub fn new(
        workspace: &Workspace,
        url: &str,
        full_ref: String,
        commit: &str,
        message: Option<String>,
    ) -> Self {
        let mirrors = workspace.mirrors();
        Self {
            url: url.to_owned(),
            fetch_url: mirrors.fetch_url(url),
            mirror: mirrors.path(url),
            full_ref,
            commit: commit.to_owned(),
            message,
            state: State::Create,
            outcome: None,
            manifest: false,
        }
    }

    fn name(&self) -> &str {
        self.full_ref
            .strip_prefix("refs/tags/")
            .or_else(|| self.full_ref.strip_prefix("refs/heads/"))
            .unwrap_or(&self.full_ref)
    }
}

/// What one run is asked to do.
pub(super) struct Mode {
    pub push: bool,
    pub dry_run: bool,
    pub verify: bool,
    pub force: bool,
    pub jobs: Option<usize>,
    pub json: bool,
    /// The tagger's date: the lock's, so that a tag made again is the same object.
    pub date: String,
    /// `tag` or `branch`, for messages.
    pub what: &'static str,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.run.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let lock = locate(context, &args.release, Accept::Release, None).map_err(super::boxed)?;
    if lock.tags.is_empty() {
        return Err(super::boxed(TagFailure::NoTags {
            release: format!("{}/{}", lock.distribution, lock.release),
            kind: lock.kind.as_str(),
        }));
    }
    // DMTN-106 §2.5: a release is tagged once it is proven to work (`gates: { tag: [...] }`).
    // Checking what is there already needs no gate.
    if !args.verify {
        let checks = crate::resolve::find_distribution(&workspace.manifests, &lock.distribution)
            .map(|d| d.gates.of("tag"))
            .unwrap_or_default();
        if let Err(exit) = super::record::gate(
            context,
            &workspace.root,
            "tag",
            &lock,
            &checks,
            &args.gate,
            args.run.dry_run,
        ) {
            return Ok(exit);
        }
    }
    let mut items: Vec<Item> = lock
        .tags
        .iter()
        .map(|t| {
            Item::new(
                &workspace,
                &t.url,
                format!("refs/tags/{}", t.name),
                &t.commit,
                Some(t.message.clone()),
            )
        })
        .collect();
    if let Some(item) = manifest_item(&workspace, &lock) {
        items.push(item);
    }
    let mode = Mode {
        push: args.run.push,
        dry_run: args.run.dry_run,
        verify: args.verify,
        force: args.force,
        jobs: args.run.jobs,
        json: args.run.format == super::lock::Format::Json,
        date: tag_date(&lock),
        what: "tag",
    };
    Ok(execute(context, &workspace, &lock, items, &mode))
}

/// DMTN-106 §2.6: the manifest repository is tagged with the release too, at the commit the
/// lock was made from (none when it was made from uncommitted manifests), its tag pushed to
/// its `origin` when it has one. The tag is the release's, without a product's prefix.
fn manifest_item(workspace: &Workspace, lock: &Lockfile) -> Option<Item> {
    let commit = lock
        .manifest_commit
        .as_deref()
        .filter(|c| !c.ends_with("-dirty"))?;
    let tag = lock.tags.iter().min_by_key(|t| t.name.len())?;
    let (git_dir, origin) = Git::from_user_config().repository(&workspace.root)?;
    let url = origin.unwrap_or_else(|| git_dir.display().to_string());
    Some(Item {
        url: url.clone(),
        fetch_url: url,
        mirror: git_dir,
        full_ref: format!("refs/tags/{}", tag.name),
        commit: commit.to_owned(),
        message: Some(tag::message(&tag.name, lock)),
        state: State::Create,
        outcome: None,
        manifest: true,
    })
}

/// `YYYY-MM-DDTHH:MM` of the lock's date.
pub(super) fn tag_date(lock: &Lockfile) -> String {
    match DateTime::parse(&lock.date) {
        Ok(d) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            d.year, d.month, d.day, d.hour, d.minute
        ),
        Err(_) => "1970-01-01T00:00".into(),
    }
}

/// Runs `work` on every item, `jobs` at a time, with a progress bar on a terminal.
fn parallel(items: &mut [Item], jobs: Option<usize>, label: &str, work: impl Fn(&mut Item) + Sync) {
    use std::io::IsTerminal;
    let threads = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, items.len().max(1));
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(items.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix:>9} [{bar:30}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_owned());
        bar
    });
    let queue = Mutex::new(items.iter_mut().collect::<Vec<_>>());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(item) = queue.lock().map(|mut q| q.pop()).ok().flatten() {
                    if let Some(bar) = &progress {
                        bar.set_message(crate::url::redact(&item.url));
                    }
                    work(item);
                    if let Some(bar) = &progress {
                        bar.inc(1);
                    }
                }
            });
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
}

/// Pre-flight, then (unless a dry run or a verification) create and push; reports per
/// repository. The exit code says whether everything is as the release wants it.
pub(super) fn execute(
    context: &Context,
    workspace: &Workspace,
    lock: &Lockfile,
    mut items: Vec<Item>,
    mode: &Mode,
) -> Exit {
    let _ = context;
    let git = Git::from_user_config();
    // Two runs of one release at once: the second waits, then finds the first one's work done.
    let _guard = if mode.dry_run || mode.verify {
        None
    } else {
        match crate::lock::history::exclusive(&workspace.root) {
            Ok(guard) => Some(guard),
            Err(error) => return fail(context, error),
        }
    };
    preflight(&git, &mut items, mode.jobs);
    let unreachable = items
        .iter()
        .filter(|i| matches!(i.state, State::Unreachable { .. }))
        .count();
    let conflicts = items
        .iter()
        .filter(|i| matches!(i.state, State::Conflict { .. }))
        .count();
    let blocked = unreachable > 0 || (conflicts > 0 && !mode.force);
    if mode.dry_run || mode.verify || blocked {
        report(lock, &items, mode, false);
        for item in &items {
            problem(item, mode);
        }
        let counts = tag::counts(items.iter().map(|i| &i.state));
        let summary = counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        if blocked && !mode.dry_run && !mode.verify {
            err(&format!(
                "nothing was written ({summary}): fix the problems above, then run it again{}\n",
                if conflicts > 0 && unreachable == 0 && mode.what == "tag" {
                    " (or pass --force to move the conflicting refs)"
                } else {
                    ""
                }
            ));
            return Exit::Failure;
        }
        if mode.verify {
            let synced = counts.get("in-sync").copied().unwrap_or(0);
            err(&format!(
                "{synced} of {} in sync with `{}/{}`\n",
                crate::diagnostic::plural(items.len(), "repository"),
                lock.distribution,
                lock.release
            ));
            return if synced == items.len() {
                Exit::Success
            } else {
                Exit::Failure
            };
        }
        err(&format!("plan: {summary}; nothing was written\n"));
        return if blocked {
            Exit::Failure
        } else {
            Exit::Success
        };
    }
    for item in &items {
        problem(item, mode);
    }
    parallel(&mut items, mode.jobs, "Pushing", |item| {
        item.outcome = Some(write_one(&git, item, mode));
    });
    report(lock, &items, mode, true);
    let failed: Vec<&Item> = items
        .iter()
        .filter(|i| matches!(i.outcome, Some(Err(_))))
        .collect();
    for item in &failed {
        if let Some(Err(error)) = &item.outcome {
            err(&format!(
                "error: cannot {} `{}` in `{}`: {error}\n  help: {}\n",
                mode.what,
                item.name(),
                crate::url::redact(&item.fetch_url),
                error.help()
            ));
        }
    }
    let count = |outcome: &str| {
        items
            .iter()
            .filter(|i| matches!(i.outcome, Some(Ok(o)) if o == outcome))
            .count()
    };
    let (pushed, created, synced) = (count("pushed"), count("created"), count("in-sync"));
    let written = if mode.push {
        format!("{pushed} pushed")
    } else {
        format!("{created} created in the mirrors (not pushed: pass --push)")
    };
    err(&format!(
        "{} `{}/{}`: {written}, {synced} already in sync, {} failed\n",
        mode.what,
        lock.distribution,
        lock.release,
        failed.len()
    ));
    if failed.is_empty() {
        Exit::Success
    } else {
        err(
            "run the same command again once the failures are fixed: it pushes only what is missing\n",
        );
        Exit::Failure
    }
}

/// Reads every origin's ref and classifies each repository.
fn preflight(git: &Git, items: &mut [Item], jobs: Option<usize>) {
    parallel(items, jobs, "Reading", |item| {
        item.state = match git.ls_remote(&item.fetch_url, std::slice::from_ref(&item.full_ref)) {
            Ok(refs) => tag::classify(
                &item.commit,
                refs.get(&item.full_ref),
                item.message.as_deref(),
                |id| git.message_of(&item.mirror, id),
            ),
            Err(error) => State::Unreachable {
                reason: error.to_string(),
                help: error.help(),
            },
        };
    });
}

/// Creates the ref (in the mirror, for a tag) and, with --push, pushes it.
fn write_one(git: &Git, item: &Item, mode: &Mode) -> Result<&'static str, RemoteError> {
    let force = matches!(item.state, State::Conflict { .. });
    if matches!(item.state, State::InSync { .. }) {
        return Ok("in-sync");
    }
    // The mirror must hold the commit: a mirror deleted since the lock was made is fetched.
    let has_commit = mirror::Mirror::open(&item.mirror).is_ok_and(|m| m.has_commit(&item.commit));
    if !has_commit && !item.manifest {
        mirror::fetch(&item.fetch_url, &item.mirror)
            .map_err(|e| RemoteError::Failed(e.to_string()))?;
    }
    let source = match &item.message {
        Some(message) => {
            git.tag(&item.mirror, item.name(), &item.commit, message, &mode.date)?;
            item.full_ref.clone()
        }
        None => item.commit.clone(),
    };
    let local = item.manifest && item.fetch_url == item.mirror.display().to_string();
    if !mode.push || local {
        return Ok("created");
    }
    let plus = if force { "+" } else { "" };
    git.push(
        &item.mirror,
        &item.fetch_url,
        &[format!("{plus}{source}:{}", item.full_ref)],
    )?;
    Ok("pushed")
}

/// A pre-flight problem, on stderr.
fn problem(item: &Item, mode: &Mode) {
    let url = crate::url::redact(&item.fetch_url);
    match &item.state {
        State::Conflict { commit } => err(&format!(
            "{}: `{}` exists in `{url}` at `{}`, not at the release's `{}`\n  help: {}\n",
            if mode.force { "warning" } else { "error" },
            item.name(),
            short(commit),
            short(&item.commit),
            match (mode.what, mode.force) {
                ("tag", true) => "--force moves it",
                ("tag", false) =>
                    "find out who made it; pass --force to move it to the release's commit",
                _ =>
                    "a release branch is never moved: find out who made it, then delete it or fix from it",
            }
        )),
        State::Unreachable { reason, help } => err(&format!(
            "error: cannot read `{url}`: {reason}\n  help: {help}\n"
        )),
        State::InSync { note: Some(note) } => err(&format!(
            "note: `{}` in `{url}` is on the release's commit: {note}\n",
            item.name()
        )),
        _ => {}
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// One line per repository (human, stdout), or the JSON document.
fn report(lock: &Lockfile, items: &[Item], mode: &Mode, done: bool) {
    if mode.json {
        let repositories: Vec<serde_json::Value> = items
            .iter()
            .map(|item| {
                let mut entry = serde_json::json!({
                    "url": crate::url::redact(&item.url),
                    "ref": item.full_ref,
                    "commit": item.commit,
                    "state": item.state.as_str(),
                });
                match &item.state {
                    State::Conflict { commit } => entry["found"] = commit.clone().into(),
                    State::Unreachable { reason, .. } => entry["reason"] = reason.clone().into(),
                    State::InSync { note: Some(note) } => entry["note"] = note.clone().into(),
                    _ => {}
                }
                match &item.outcome {
                    Some(Ok(outcome)) => entry["outcome"] = (*outcome).into(),
                    Some(Err(error)) => {
                        entry["outcome"] = "failed".into();
                        entry["reason"] = error.to_string().into();
                    }
                    None if done => entry["outcome"] = "skipped".into(),
                    None => {}
                }
                entry
            })
            .collect();
        let document = serde_json::json!({
            "distribution": lock.distribution,
            "release": lock.release,
            "kind": mode.what,
            "push": mode.push,
            "done": done,
            "repositories": repositories,
        });
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        out_json(&text);
        return;
    }
    let mut text = String::new();
    for item in items {
        let shown = match &item.outcome {
            Some(Ok(outcome)) => (*outcome).to_owned(),
            Some(Err(_)) => "failed".to_owned(),
            None => item.state.as_str().to_owned(),
        };
        text.push_str(&format!(
            "{shown:<11} {} {} {}\n",
            item.name(),
            short(&item.commit),
            crate::url::redact(&item.url)
        ));
    }
    out_text(&text);
}
