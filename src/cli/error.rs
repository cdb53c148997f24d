//! The one error type of the command line. A command returns what went wrong and which kind of
//! wrong it is; the kind alone decides the exit code, and [`super::run`] renders every error
//! the same way, whatever the command.

use super::Exit;

/// Which kind of wrong: it decides the exit code, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong or the operation failed on it: a broken manifest, a missing mirror,
    /// a stale lock, a rejected push. Exit 1.
    User,
    /// The command line itself is wrong: a value no flag accepts, a name that does not exist
    /// where the command line gave it. Exit 2.
    Usage,
    /// distrib itself failed where it should not: a broken invariant. Exit 3.
    Internal,
}

/// An error a command ends with: a diagnostic (code, message, labels, help) and its kind.
#[derive(Debug)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub error: Box<dyn miette::Diagnostic>,
}

impl CommandError {
    /// The input is wrong or the operation failed on it.
    pub fn user(error: impl miette::Diagnostic + 'static) -> Self {
        CommandError {
            kind: ErrorKind::User,
            error: Box::new(error),
        }
    }

    /// The command line is wrong.
    pub fn usage(error: impl miette::Diagnostic + 'static) -> Self {
        CommandError {
            kind: ErrorKind::Usage,
            error: Box::new(error),
        }
    }

    /// distrib itself failed.
    pub fn internal(error: impl miette::Diagnostic + 'static) -> Self {
        CommandError {
            kind: ErrorKind::Internal,
            error: Box::new(error),
        }
    }

    /// The exit code of this error.
    pub fn exit(&self) -> Exit {
        match self.kind {
            ErrorKind::User => Exit::Failure,
            ErrorKind::Usage => Exit::Usage,
            ErrorKind::Internal => Exit::Internal,
        }
    }
}

impl From<Box<dyn miette::Diagnostic>> for CommandError {
    fn from(error: Box<dyn miette::Diagnostic>) -> Self {
        CommandError {
            kind: ErrorKind::User,
            error,
        }
    }
}

/// What a command returns: how the run ended, or the error it ended with.
pub type CommandResult = Result<Exit, CommandError>;

/// A panic caught at the top of a run: distrib's own failure, reported as one.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("distrib failed unexpectedly: {message}")]
#[diagnostic(
    code("internal-error"),
    help("this is a bug in distrib: please report it with the command line that caused it")
)]
pub struct Panic {
    message: String,
}

impl Panic {
    /// The panic's message, when it has one.
    pub fn of(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        Panic { message }
    }
}

/// A command line that cannot be parsed, as a diagnostic: for the runs that asked for JSON or
/// annotations (people get clap's own message, with its usage line).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code("argument-invalid"))]
pub struct ArgumentInvalid {
    message: String,
    #[help]
    help: String,
}

impl ArgumentInvalid {
    pub fn of(error: &clap::Error) -> Self {
        let text = error.render().to_string();
        let text = text.strip_prefix("error: ").unwrap_or(&text);
        // The first paragraph says what is wrong (a list of missing arguments included).
        let message = text
            .lines()
            .take_while(|line| !line.trim().is_empty())
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let tips: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("tip: "))
            .collect();
        let help = match tips.is_empty() {
            true => "`distrib --help` lists the commands, `distrib COMMAND --help` their flags"
                .to_owned(),
            false => tips.join("; "),
        };
        ArgumentInvalid {
            message: backticks(&message),
            help: backticks(&help),
        }
    }
}

/// clap's `'value'` quotes as distrib's messages write values: `` `value` ``.
fn backticks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('\'') {
        let Some(close) = rest[open + 1..].find('\'') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push('`');
        out.push_str(&rest[open + 1..open + 1 + close]);
        out.push('`');
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

/// `-C` names something that is not a folder.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`{}` is not a folder", .0.display())]
#[diagnostic(
    code("directory-invalid"),
    help("give `-C` the manifest repository's folder, or a folder inside it")
)]
pub struct NotAFolder(pub std::path::PathBuf);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_quotes_become_backticks() {
        assert_eq!(
            backticks("unexpected argument '--bogus' found"),
            "unexpected argument `--bogus` found"
        );
        assert_eq!(backticks("a 'b' 'c' d's"), "a `b` `c` d's");
    }

    #[test]
    fn the_kind_alone_decides_the_exit_code() {
        let folder = || NotAFolder("x".into());
        assert_eq!(CommandError::user(folder()).exit(), Exit::Failure);
        assert_eq!(CommandError::usage(folder()).exit(), Exit::Usage);
        assert_eq!(CommandError::internal(folder()).exit(), Exit::Internal);
        assert_eq!(
            [Exit::Success, Exit::Failure, Exit::Usage, Exit::Internal].map(|e| e as u8),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn a_panic_is_an_internal_error_that_asks_for_a_report() {
        let payload: Box<dyn std::any::Any + Send> = Box::new(String::from("index out of range"));
        let error = CommandError::internal(Panic::of(payload.as_ref()));
        assert_eq!(error.exit(), Exit::Internal);
        let document = crate::diagnostic::operation::ErrorDocument::new(error.error.as_ref());
        let [entry] = document.diagnostics.as_slice() else {
            panic!("{document:?}")
        };
        assert_eq!(entry.code.as_deref(), Some("internal-error"));
        assert_eq!(
            entry.message,
            "distrib failed unexpectedly: index out of range"
        );
        assert!(entry.help.as_deref().unwrap().contains("report"));
        let silent: Box<dyn std::any::Any + Send> = Box::new(7_u8);
        assert_eq!(
            Panic::of(silent.as_ref()).to_string(),
            "distrib failed unexpectedly: a panic without a message"
        );
    }
}
