//! `distrib completions` and `distrib man`: distrib in the user's shell and `man`, generated
//! from the same clap definitions as the command line itself, so they never drift from it.

use std::path::PathBuf;

use clap::CommandFactory;

use super::{Cli, Context, Exit, boxed, err, out};
use crate::fsutil::{IoError, write_atomic};

/// Print the completion script of a shell
///
/// Install it where your shell looks for completions, or load it from your shell's start-up
/// file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
distrib completions bash > ~/.local/share/bash-completion/completions/distrib\n  \
distrib completions zsh > \"${fpath[1]}/_distrib\"\n  \
distrib completions fish > ~/.config/fish/completions/distrib.fish\n  \
distrib completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn completions(
    _context: &Context,
    args: CompletionsArgs,
) -> Result<Exit, Box<dyn miette::Diagnostic>> {
    let mut script = Vec::new();
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

pub fn man(context: &Context, args: ManArgs) -> Result<Exit, Box<dyn miette::Diagnostic>> {
    let command = Cli::command();
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
