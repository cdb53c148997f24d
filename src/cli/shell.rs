//! `distrib completions` and `distrib man`: distrib in the user's shell and `man`, generated
//! from the same clap definitions as the command line itself, so they never drift from it.

use super::CommandResult;
use std::path::PathBuf;

use clap::CommandFactory;

use super::{Cli, Context, Exit, boxed, err, out};
use crate::fsutil::{IoError, write_atomic};

/// Print the completion script of a shell
///
/// Install it where your shell looks for completions, or load it from your shell's start-up
/// file. The script completes commands and flags; with --dynamic, it asks distrib at each Tab,
/// which also completes the names of the manifest repository at hand: distributions, releases,
/// deployments and products (`--set PRODUCT=`).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
distrib completions bash > ~/.local/share/bash-completion/completions/distrib\n  \
distrib completions zsh > \"${fpath[1]}/_distrib\"\n  \
distrib completions fish > ~/.config/fish/completions/distrib.fish\n  \
distrib completions powershell >> $PROFILE\n  \
source <(distrib completions bash --dynamic)   # in ~/.bashrc: names too")]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: clap_complete::Shell,

    /// Complete names of the manifest repository too, by asking distrib at each Tab
    #[arg(long)]
    dynamic: bool,
}

/// The variable the shell's dynamic completion sets when it asks distrib.
pub(super) const COMPLETE_VAR: &str = "DISTRIB_COMPLETE";

pub fn completions(_context: &Context, args: CompletionsArgs) -> CommandResult {
    let mut script = Vec::new();
    if args.dynamic {
        let shell = args.shell.to_string();
        if let Some(completer) = clap_complete::env::Shells::builtins().completer(&shell) {
            completer
                .write_registration(COMPLETE_VAR, "distrib", "distrib", "distrib", &mut script)
                .map_err(|e| boxed(IoError::new(std::path::Path::new("-"), e)))?;
        }
        out(&String::from_utf8_lossy(&script));
        return Ok(Exit::Success);
    }
    clap_complete::generate(args.shell, &mut Cli::command(), "distrib", &mut script);
    out(&String::from_utf8_lossy(&script));
    Ok(Exit::Success)
}

/// Print the manual page, or write one page per command
///
/// Without --out, prints `distrib(1)` in roff: `distrib man | man -l -`. With --out, writes
/// `distrib.1` and `distrib-<command>.1` for every command (`distrib-release-candidate.1`...),
/// ready for `man1/`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write every page into DIR instead (relative to `-C DIR` when given)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn man(context: &Context, args: ManArgs) -> CommandResult {
    let command = built();
    let Some(dir) = args.out.map(|out| context.start.join(out)) else {
        out(&String::from_utf8_lossy(&page(&command)));
        return Ok(Exit::Success);
    };
    std::fs::create_dir_all(&dir).map_err(|e| boxed(IoError::new(&dir, e)))?;
    let mut pages = Vec::new();
    collect(&command, "distrib", &mut pages);
    for (name, text) in &pages {
        let path = dir.join(format!("{name}.1"));
        write_atomic(&path, text).map_err(|e| boxed(IoError::new(&path, e)))?;
    }
    err(&format!(
        "wrote {} into `{}`\n",
        crate::diagnostic::plural(pages.len(), "manual page"),
        dir.display()
    ));
    Ok(Exit::Success)
}

/// The page of `command`, then of each of its subcommands, named `distrib-<path>`.
fn collect(command: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) {
    let command = command.clone().name(name.to_owned());
    pages.push((name.to_owned(), page(&command)));
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        collect(sub, &format!("{name}-{}", sub.get_name()), pages);
    }
}

fn page(command: &clap::Command) -> Vec<u8> {
    let mut text = Vec::new();
    // Rendering into memory cannot fail.
    let _ = clap_mangen::Man::new(command.clone()).render(&mut text);
    text
}

/// The command line as the shell's dynamic completion sees it (`COMPLETE=bash distrib`): every
/// argument that names a distribution, a release, a deployment or a product completes with the
/// names of the manifest repository at or above the current folder.
pub(super) fn dynamic() -> clap::Command {
    with_completers(built())
}

/// The whole command line, each subcommand's arguments included (a run builds only its own).
fn built() -> clap::Command {
    let mut command = Cli::command();
    command.build();
    command
}

fn with_completers(mut command: clap::Command) -> clap::Command {
    use clap_complete::engine::ArgValueCompleter;
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let completer = match id.as_str() {
            "distribution" | "distributions" => ArgValueCompleter::new(distributions),
            "release" | "from" | "to" | "since" => ArgValueCompleter::new(releases),
            // `graph` and `plan` take a distribution (its newest lock) or a release.
            "lock" => ArgValueCompleter::new(distributions_and_releases),
            "deployment" => ArgValueCompleter::new(deployments),
            "overrides" => ArgValueCompleter::new(products),
            _ => continue,
        };
        command = command.mut_arg(id, |arg| arg.add(completer));
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, with_completers);
    }
    command
}

/// The manifests of the repository at or above the current folder, as a completer reads them:
/// quietly, and nothing when there is none.
fn manifests() -> Option<(PathBuf, crate::manifest::Manifests)> {
    let start = std::env::current_dir().ok()?;
    let opened = crate::manifest::open(&start, None).ok()?;
    match opened.origin {
        crate::manifest::Origin::WorkTree(root) => Some((root, opened.manifests)),
        crate::manifest::Origin::Revision { .. } => None,
    }
}

fn candidates(
    current: &std::ffi::OsStr,
    names: impl IntoIterator<Item = String>,
) -> Vec<clap_complete::engine::CompletionCandidate> {
    let current = current.to_string_lossy();
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|n| n.starts_with(current.as_ref()))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(clap_complete::engine::CompletionCandidate::new)
        .collect()
}

fn distribution_names() -> Vec<String> {
    manifests().map_or_else(Vec::new, |(_, m)| {
        m.distributions
            .iter()
            .map(|d| d.value.name.value.clone())
            .collect()
    })
}

fn release_names() -> Vec<String> {
    let Some((root, _)) = manifests() else {
        return Vec::new();
    };
    crate::lock::history::History::read(&root).map_or_else(
        |_| Vec::new(),
        |history| history.all().map(|l| l.release.clone()).collect(),
    )
}

fn distributions(current: &std::ffi::OsStr) -> Vec<clap_complete::engine::CompletionCandidate> {
    candidates(current, distribution_names())
}

fn releases(current: &std::ffi::OsStr) -> Vec<clap_complete::engine::CompletionCandidate> {
    candidates(current, release_names())
}

fn distributions_and_releases(
    current: &std::ffi::OsStr,
) -> Vec<clap_complete::engine::CompletionCandidate> {
    candidates(
        current,
        distribution_names().into_iter().chain(release_names()),
    )
}

fn deployments(current: &std::ffi::OsStr) -> Vec<clap_complete::engine::CompletionCandidate> {
    candidates(
        current,
        manifests().map_or_else(Vec::new, |(_, m)| {
            m.deployments
                .iter()
                .map(|d| d.value.name.value.clone())
                .collect()
        }),
    )
}

/// `--set PRODUCT=REF`: the product and its `=`.
fn products(current: &std::ffi::OsStr) -> Vec<clap_complete::engine::CompletionCandidate> {
    candidates(
        current,
        manifests().map_or_else(Vec::new, |(_, m)| {
            m.products
                .iter()
                .map(|p| format!("{}=", p.value.name.value))
                .collect()
        }),
    )
}
