//! The command line: clap types and one function per subcommand. The only module that reads
//! flags, the environment and the terminal, and the only one that prints.

mod branch;
mod check;
mod deploy;
mod diff;
mod error;
mod fetch;
mod graph;
mod import;
mod init;
mod list;
mod locate;
mod lock;
mod notes;
mod plan;
mod record;
mod release;
mod schema;
mod shell;
mod site;
mod tag;
mod verify;
mod workspace;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

pub(crate) use error::{CommandError, CommandResult};

/// How a run ended, as the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything is valid.
    Success = 0,
    /// Invalid input: a broken manifest, a stale lock, a failed operation.
    Failure = 1,
    /// The command line itself is wrong.
    Usage = 2,
    /// distrib itself failed where it should not.
    Internal = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "distrib",
    // The package version, with the commit and its date when built from a git checkout.
    version = env!("DISTRIB_VERSION"),
    about = "Validated, reproducible, checksummed release lockfiles for software distributions",
    long_about = "distrib reads a git repository of YAML manifests (products, distributions, \
environments, deployments), validates them, and turns them into deterministic release lockfiles.\n\n\
Start with `distrib check` inside a manifest repository (a folder holding `distrib.yaml`).",
    after_help = "Exit status: 0 when everything is valid, 1 on invalid input, 2 on a usage error, 3 when \
distrib itself failed.\n\
Colour follows --color, then FORCE_COLOR or CLICOLOR_FORCE (set, not `0`), then NO_COLOR, then \
whether stderr is a terminal."
)]
pub struct Cli {
    /// Run as if distrib was started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    directory: Option<PathBuf>,

    /// When to use colours in messages
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,

    /// Print no progress line and no fetch summary: only errors, warnings and each command's
    /// result
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// Print a status line for each step (each repository fetched)
    #[arg(short, long, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

// Each subcommand's arguments are built when it is the one run (or its help is asked for), not
// all twenty at every start.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
enum Command {
    Check(check::Args),
    Fetch(fetch::Args),
    Lock(lock::Args),
    Release(release::Args),
    Record(record::Args),
    Verify(verify::Args),
    Tag(tag::Args),
    Branch(branch::Args),
    List(list::Args),
    Diff(diff::Args),
    Notes(notes::Args),
    Graph(graph::Args),
    Plan(plan::Args),
    Deploy(deploy::Args),
    Site(site::Args),
    Init(init::Args),
    Schema(schema::Args),
    Import(import::Args),
    Completions(shell::CompletionsArgs),
    Man(shell::ManArgs),
}

/// What every subcommand may ask of its surroundings.
pub(crate) struct Context {
    /// The folder distrib works from (`-C`, else the current folder).
    start: PathBuf,
    color: bool,
    width: usize,
    /// The subcommand's `--format`, which its errors follow too.
    format: OutputFormat,
}

/// Parses the command line, runs the subcommand, and returns the exit code.
pub fn run() -> ExitCode {
    // The shell's dynamic completion (`distrib completions SHELL --dynamic`) asks with
    // DISTRIB_COMPLETE set: this answers, then exits.
    clap_complete::CompleteEnv::with_factory(shell::dynamic)
        .var(shell::COMPLETE_VAR)
        .complete();
    // A run is short: the mirrors it opens are closed by its exit.
    crate::git::mirror::leave_open_until_exit();
    // The format is read from the parsed arguments, whichever subcommand has a `--format`, so
    // that its errors are written in it too.
    let parsed = Cli::command().try_get_matches().and_then(|matches| {
        let format = OutputFormat::of(&matches);
        Cli::from_arg_matches(&matches)
            .map(|cli| (cli, format))
            .map_err(|error| error.format(&mut Cli::command()))
    });
    let (cli, format) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let exit = if error.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            // A script that asked for JSON or annotations gets its usage error so too.
            let format = OutputFormat::asked(std::env::args_os().skip(1));
            if error.use_stderr() && format != OutputFormat::Human {
                let context = Context {
                    start: PathBuf::new(),
                    color: false,
                    width: 100,
                    format,
                };
                context.report(&error::ArgumentInvalid::of(&error));
                return finish(exit, stdout::flush());
            }
            // `--help` and `--version` are data on stdout: a failed write is a failure too.
            return match error.print() {
                Err(failure) if !error.use_stderr() => finish(exit, Err(failure)),
                _ => exit.into(),
            };
        }
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => auto_color(
            |name| std::env::var_os(name),
            std::io::stderr().is_terminal(),
        ),
    };
    // A width too narrow to draw a snippet in (`COLUMNS=1`) is taken as the narrowest usable.
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&c| c > 0)
        .map_or(100, |c| c.max(40));
    let start = match &cli.directory {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    // Absolute, so that nothing derived from it (mirror paths of local repositories) depends on
    // how `-C` was spelled.
    let start = std::path::absolute(&start).unwrap_or(start);
    if !start.is_dir() {
        let context = Context {
            start: PathBuf::new(),
            color,
            width,
            format,
        };
        let error = CommandError::usage(error::NotAFolder(start));
        context.report(error.error.as_ref());
        return finish(error.exit(), stdout::flush());
    }
    COLOR.store(color, std::sync::atomic::Ordering::Relaxed);
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    VERBOSITY.store(verbosity as u8, std::sync::atomic::Ordering::Relaxed);
    let context = Context {
        start,
        color,
        width,
        format,
    };
    let command = cli.command;
    // A panic is distrib's own failure: it ends as an internal error, with its own exit code,
    // after the standard hook has printed where it happened.
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(&context, command)))
            .unwrap_or_else(|payload| {
                Err(CommandError::internal(error::Panic::of(payload.as_ref())))
            });
    let exit = match result {
        Ok(exit) => exit,
        Err(error) => {
            context.report(error.error.as_ref());
            error.exit()
        }
    };
    finish(exit, stdout::flush())
}

/// Runs one subcommand.
fn dispatch(context: &Context, command: Command) -> CommandResult {
    match command {
        Command::Check(args) => check::run(context, args),
        Command::Fetch(args) => fetch::run(context, args),
        Command::Lock(args) => lock::run(context, args),
        Command::Release(args) => release::run(context, args),
        Command::Record(args) => record::run(context, args),
        Command::Verify(args) => verify::run(context, args),
        Command::Tag(args) => tag::run(context, args),
        Command::Branch(args) => branch::run(context, args),
        Command::List(args) => list::run(context, args),
        Command::Diff(args) => diff::run(context, args),
        Command::Notes(args) => notes::run(context, args),
        Command::Graph(args) => graph::run(context, args),
        Command::Plan(args) => plan::run(context, args),
        Command::Deploy(args) => deploy::run(context, args),
        Command::Site(args) => site::run(context, args),
        Command::Init(args) => init::run(context, args),
        Command::Schema(args) => schema::run(context, args),
        Command::Import(args) => import::run(context, args),
        Command::Completions(args) => shell::completions(context, args),
        Command::Man(args) => shell::man(context, args),
    }
}

/// The exit code once stdout is flushed: a failed write (a full disk, an I/O error) is a
/// failure with a message; a closed pipe (`distrib ... | head`) is what the reader wanted and
/// stays quiet.
fn finish(exit: Exit, written: std::io::Result<()>) -> ExitCode {
    match written {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            let context = Context {
                start: PathBuf::new(),
                color: false,
                width: 100,
                format: OutputFormat::Human,
            };
            let error = stdout::WriteError { cause: error };
            err(&format!("{}\n", context.render_error(&error)));
            Exit::Failure.into()
        }
        _ => exit.into(),
    }
}

pub(crate) fn boxed(error: impl miette::Diagnostic + 'static) -> CommandError {
    CommandError::user(error)
}

/// Writes data to stdout. The first failed write is kept and ends the run with it (see
/// [`finish`]); later writes are dropped, so a command never prints half a document after a
/// gap.
pub(crate) fn out(text: &str) {
    stdout::write(text.as_bytes());
}

/// Writes a JSON document to stdout, unsafe characters in its strings as `\uXXXX` escapes.
pub(crate) fn out_json(text: &str) {
    out(&crate::escape::json(text));
}

/// Writes a report meant for people to stdout, control characters shown as `\u{..}`.
pub(crate) fn out_text(text: &str) {
    out(&safe_for_terminal(text, false));
}

mod stdout {
    //! The one writer of stdout, which remembers its first failure.

    use std::io::Write;
    use std::sync::Mutex;

    static FAILURE: Mutex<Option<std::io::Error>> = Mutex::new(None);

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("cannot write to standard output: {cause}")]
    #[diagnostic(
        code("io"),
        help("free space on the device standard output goes to, or send the output elsewhere")
    )]
    pub struct WriteError {
        pub cause: std::io::Error,
    }

    pub fn write(bytes: &[u8]) {
        let mut failure = FAILURE.lock().unwrap_or_else(|e| e.into_inner());
        if failure.is_some() {
            return;
        }
        if let Err(error) = std::io::stdout().lock().write_all(bytes) {
            *failure = Some(error);
        }
    }

    /// Flushes what is buffered and returns the first failure of the run.
    pub fn flush() -> std::io::Result<()> {
        let mut failure = FAILURE.lock().unwrap_or_else(|e| e.into_inner());
        if failure.is_none()
            && let Err(error) = std::io::stdout().lock().flush()
        {
            *failure = Some(error);
        }
        match failure.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// `--color auto`: FORCE_COLOR or CLICOLOR_FORCE (set, not empty, not `0`) turn colour on, as
/// in CI logs that render it; else NO_COLOR (set, not empty) turns it off; else colour when
/// stderr is a terminal.
fn auto_color(var: impl Fn(&str) -> Option<std::ffi::OsString>, terminal: bool) -> bool {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    let forced = ["FORCE_COLOR", "CLICOLOR_FORCE"]
        .into_iter()
        .any(|name| set(name) && var(name).is_some_and(|v| v != "0"));
    forced || (!set("NO_COLOR") && terminal)
}

/// How much a run says besides errors, warnings and its output: `-q`, default, `-v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    Quiet = 0,
    Normal = 1,
    Verbose = 2,
}

static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);

/// `-q`, `-v` or neither.
pub(crate) fn verbosity() -> Verbosity {
    match VERBOSITY.load(std::sync::atomic::Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        2 => Verbosity::Verbose,
        _ => Verbosity::Normal,
    }
}

/// Whether messages may carry colour: only then do they keep the colour sequences the
/// renderer writes.
static COLOR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes messages to stderr, ignoring a closed pipe. Whatever a message quotes (a name, a
/// platform, a commit subject, a URL), no control character reaches the terminal (all are
/// shown as `\u{..}`, but for the colour sequences of a coloured run) and no URL shows its
/// credentials.
pub(crate) fn err(text: &str) {
    use std::io::Write;
    let color = COLOR.load(std::sync::atomic::Ordering::Relaxed);
    let text = crate::escape::hide_credentials(text);
    let text = safe_for_terminal(&text, color);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `text` with unsafe characters escaped; with `color`, SGR sequences (`ESC [ 0-9; m`) kept.
fn safe_for_terminal(text: &str, color: bool) -> std::borrow::Cow<'_, str> {
    use crate::escape::{is_unsafe, visible};
    if !text.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if color && c == '\u{1b}' {
            let params = rest[1..].strip_prefix('[').map(|p| {
                p.len()
                    - p.trim_start_matches(|c: char| c.is_ascii_digit() || c == ';')
                        .len()
            });
            if let Some(n) = params
                && rest[2 + n..].starts_with('m')
            {
                out.push_str(&rest[..3 + n]);
                rest = &rest[3 + n..];
                continue;
            }
        }
        if is_unsafe(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

impl Context {
    /// A fatal error or a warning, drawn like the diagnostics.
    fn render_error(&self, error: &dyn miette::Diagnostic) -> String {
        crate::diagnostic::operation::human(error, self.width, self.color)
    }

    /// Reports the error a run ends with, in the command's format: drawn on stderr, a
    /// `distrib-error/1` document on stdout (`--format json`), or annotations on stdout
    /// (`--format github`). The one place any command's fatal error is printed.
    fn report(&self, error: &dyn miette::Diagnostic) {
        use crate::diagnostic::operation;
        match self.format {
            OutputFormat::Human => err(&format!("{}\n", self.render_error(error))),
            OutputFormat::Json => out_json(&operation::ErrorDocument::new(error).to_json()),
            OutputFormat::Github => out(&operation::github(error, &self.checkout_prefix())),
        }
    }

    /// Reports manifests a command refuses to work from, every problem in the command's
    /// format: drawn as `check` draws them, a `distrib-error/1` document whose diagnostics are
    /// `error` then the problems, or annotations.
    fn report_invalid(&self, error: &dyn miette::Diagnostic, report: &crate::diagnostic::Report) {
        use crate::diagnostic::{operation, render};
        match self.format {
            OutputFormat::Human => {
                err(&render::human(report, self.width, self.color));
                err(&format!(
                    "{}\nfix these problems first: `distrib check` shows them\n",
                    report.summary()
                ));
            }
            OutputFormat::Json => {
                out_json(&operation::ErrorDocument::with_report(error, report).to_json());
            }
            OutputFormat::Github => {
                let prefix = self.checkout_prefix();
                out(&render::github(report, &prefix));
                out(&operation::github(error, &prefix));
            }
        }
    }

    /// Reports a warning an operation found, in the style of errors: drawn on stderr (with
    /// `--format json` too), or a `::warning` annotation. A command whose JSON document carries
    /// the warning in its `diagnostics` does not call this with `--format json`.
    pub(crate) fn warn(&self, warning: &dyn miette::Diagnostic) {
        let warning = AsWarning(warning);
        match self.format {
            OutputFormat::Github => out(&crate::diagnostic::operation::github(
                &warning,
                &self.checkout_prefix(),
            )),
            OutputFormat::Json | OutputFormat::Human => {
                err(&format!("{}\n", self.render_error(&warning)))
            }
        }
    }

    /// The manifest repository's folder as seen from the checkout's top, for annotations.
    fn checkout_prefix(&self) -> String {
        match crate::manifest::find_root(&self.start) {
            Some(root) => check::from_checkout_top(root),
            None => String::new(),
        }
    }
}

/// The format a command writes in, as its `--format` says: errors follow it. A format of
/// people's (`markdown`, `dot`, `text`) reports errors as `human` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutputFormat {
    Human,
    Json,
    Github,
}

impl OutputFormat {
    /// The `--format` a command line that could not be parsed asks for, if any: the value
    /// after its last `--format`.
    fn asked(args: impl Iterator<Item = std::ffi::OsString>) -> Self {
        let mut format = None;
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            let Some(arg) = arg.to_str() else { continue };
            if arg == "--format" {
                format = args.peek().and_then(|v| v.to_str()).map(str::to_owned);
            } else if let Some(value) = arg.strip_prefix("--format=") {
                format = Some(value.to_owned());
            }
        }
        match format.as_deref() {
            Some("json") => OutputFormat::Json,
            Some("github") => OutputFormat::Github,
            _ => OutputFormat::Human,
        }
    }

    /// The `--format` of the innermost subcommand that has one, whatever its own enum.
    fn of(matches: &clap::ArgMatches) -> Self {
        let mut format = None;
        let mut level = Some(matches);
        while let Some(matches) = level {
            if let Ok(Some(mut values)) = matches.try_get_raw("format")
                && let Some(value) = values.next()
            {
                format = Some(value.to_owned());
            }
            level = matches.subcommand().map(|(_, sub)| sub);
        }
        match format.as_ref().and_then(|f| f.to_str()) {
            Some("json") => OutputFormat::Json,
            Some("github") => OutputFormat::Github,
            _ => OutputFormat::Human,
        }
    }
}

/// A diagnostic shown as a warning, whatever severity it declares.
#[derive(Debug)]
struct AsWarning<'a>(&'a dyn miette::Diagnostic);

impl std::fmt::Display for AsWarning<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.0, f)
    }
}

impl std::error::Error for AsWarning<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl miette::Diagnostic for AsWarning<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Warning)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        self.0.related()
    }
}

/// The kinds of release as the command line takes them: the model knows nothing of clap.
impl ValueEnum for crate::lock::ReleaseKind {
    fn value_variants<'a>() -> &'a [Self] {
        &crate::lock::ReleaseKind::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::safe_for_terminal;

    #[test]
    fn the_format_of_errors_is_the_subcommands_format() {
        use super::{Cli, OutputFormat};
        use clap::CommandFactory;
        let format = |args: &[&str]| {
            let matches = Cli::command()
                .try_get_matches_from([&["distrib"], args].concat())
                .unwrap();
            OutputFormat::of(&matches)
        };
        assert_eq!(format(&["check"]), OutputFormat::Human);
        assert_eq!(
            format(&["check", "--format", "github"]),
            OutputFormat::Github
        );
        assert_eq!(format(&["list", "--format=json"]), OutputFormat::Json);
        assert_eq!(
            format(&["diff", "a", "b", "--format", "markdown"]),
            OutputFormat::Human
        );
        // `deploy export` prints JSON whatever `--format` says; its errors follow `--format`.
        assert_eq!(format(&["deploy", "export", "site"]), OutputFormat::Human);
        assert_eq!(
            format(&["deploy", "export", "site", "--format", "json"]),
            OutputFormat::Json
        );
        assert_eq!(
            format(&["deploy", "add", "site", "r", "--support", "test"]),
            OutputFormat::Human
        );
        assert_eq!(
            format(&[
                "-C", "x", "lock", "d", "--kind", "weekly", "--format", "json"
            ]),
            OutputFormat::Json
        );
    }

    #[test]
    fn force_color_and_clicolor_force_win_over_no_color_and_a_pipe() {
        let with = |vars: &[(&str, &str)], terminal: bool| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            super::auto_color(
                |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.into()),
                terminal,
            )
        };
        assert!(with(&[], true));
        assert!(!with(&[], false));
        assert!(!with(&[("NO_COLOR", "1")], true));
        assert!(with(&[("NO_COLOR", "")], true));
        assert!(with(&[("FORCE_COLOR", "1")], false));
        assert!(with(&[("CLICOLOR_FORCE", "1")], false));
        assert!(with(&[("FORCE_COLOR", "3"), ("NO_COLOR", "1")], false));
        assert!(!with(&[("FORCE_COLOR", "0")], false));
        assert!(!with(&[("CLICOLOR_FORCE", "0")], false));
        assert!(!with(&[("FORCE_COLOR", "")], false));
    }

    #[test]
    fn messages_keep_colour_but_no_other_control_sequence() {
        let red = "\u{1b}[31mred\u{1b}[0m";
        assert_eq!(safe_for_terminal(red, true), red);
        assert_eq!(safe_for_terminal(red, false), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(
            safe_for_terminal("\u{1b}]0;pwned\u{7} \u{1b}]52;c;eA==\u{7}\u{202e}", true),
            "\\u{1b}]0;pwned\\u{7} \\u{1b}]52;c;eA==\\u{7}\\u{202e}"
        );
        assert_eq!(safe_for_terminal("a\n\tb", false), "a\n\tb");
        assert_eq!(safe_for_terminal("\u{1b}[", true), "\\u{1b}[");
    }

    #[test]
    fn fatal_errors_lose_control_characters_and_credentials_even_in_colour() {
        let cause = std::io::Error::other("at `https://ci:TOKEN@h/x` \u{1b}[31mred");
        let error = crate::fsutil::IoError::new(std::path::Path::new("a\u{1b}]0;x\u{7}"), cause);
        let context = super::Context {
            start: std::path::PathBuf::new(),
            color: true,
            width: 100,
            format: super::OutputFormat::Human,
        };
        let shown = context.render_error(&error);
        assert!(shown.contains("a\\u{1b}]0;x\\u{7}"), "{shown}");
        assert!(shown.contains("\\u{1b}[31mred"), "{shown}");
        assert!(!shown.contains("TOKEN"), "{shown}");
        assert!(shown.contains("io"), "the code is kept: {shown}");
    }
}
