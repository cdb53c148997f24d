//! The errors and warnings of operations (any `miette::Diagnostic` a library operation
//! returns), rendered the ways a run reports them: drawn for people like `check`'s diagnostics, as the diagnostic objects of a JSON
//! document, and as a GitHub Actions annotation. Pure functions: the command line decides the
//! format, the colour and the width, and writes the text.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use schemars::JsonSchema;
use serde::Serialize;

use super::Severity;
use super::shown::{Shown, Source};
use crate::escape::{hide_credentials, terminal};

/// The format of the document a fatal error is written as with `--format json`.
pub const ERROR_FORMAT: &str = "distrib-error/1";

/// One diagnostic as every JSON document writes it (`check --format json` adds the end of its
/// span and its labels). Positions are 1-based; `file`, `line` and `column` are null for a
/// problem that is not in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
// Every field is always written, null when it does not apply.
#[schemars(extend("required" = ["code", "severity", "message", "help", "file", "line", "column"]))]
pub struct Entry {
    /// The code, as in the README's tables of rule and operation codes.
    pub code: Option<String>,
    pub severity: Severity,
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The file, as its diagnostic names it (relative to the manifest repository).
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// What a command that fails prints on stdout with `--format json`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(title = "distrib: the error a command ended with")]
pub struct ErrorDocument {
    /// `distrib-error/1`.
    #[schemars(extend("const" = ERROR_FORMAT))]
    pub format: &'static str,
    /// The error, then the problems it collects (`related`), if any.
    pub diagnostics: Vec<Entry>,
}

impl ErrorDocument {
    pub fn new(error: &dyn miette::Diagnostic) -> Self {
        ErrorDocument {
            format: ERROR_FORMAT,
            diagnostics: entries(error),
        }
    }

    /// The error, then the problems of a report it stands for (the manifests' errors when a
    /// command refuses to work from them).
    pub fn with_report(error: &dyn miette::Diagnostic, report: &super::Report) -> Self {
        let mut document = Self::new(error);
        let problems = super::render::entries(report).into_iter().map(|e| e.entry);
        document.diagnostics.extend(problems);
        document
    }

    /// The document as JSON text, with its trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A warning an operation found, as diagnostic objects of the command's JSON document.
pub fn warning_entries(warning: &dyn miette::Diagnostic) -> Vec<Entry> {
    let mut all = entries(warning);
    for entry in &mut all {
        if entry.severity == Severity::Error {
            entry.severity = Severity::Warning;
        }
    }
    all
}

/// The error as diagnostic objects: itself, then each problem it collects.
pub fn entries(error: &dyn miette::Diagnostic) -> Vec<Entry> {
    let mut all = vec![entry(error)];
    if let Some(related) = error.related() {
        all.extend(related.map(entry));
    }
    all
}

fn entry(error: &dyn miette::Diagnostic) -> Entry {
    let safe = Safe::of(error);
    let (file, line, column) = position(error);
    Entry {
        code: safe.code.clone(),
        severity: severity(error),
        message: safe.message_with_causes(),
        help: safe.help.clone(),
        file,
        line,
        column,
    }
}

fn severity(error: &dyn miette::Diagnostic) -> Severity {
    match error.severity() {
        Some(miette::Severity::Warning) => Severity::Warning,
        Some(miette::Severity::Advice) => Severity::Note,
        Some(miette::Severity::Error) | None => Severity::Error,
    }
}

/// The file, line and column of the error's first label.
fn position(error: &dyn miette::Diagnostic) -> (Option<String>, Option<usize>, Option<usize>) {
    let Some(code) = error.source_code() else {
        return (None, None, None);
    };
    let label = error.labels().and_then(|mut labels| labels.next());
    let span = label
        .as_ref()
        .map_or_else(|| (0, 0).into(), |label| *label.inner());
    let Ok(contents) = code.read_span(&span, 0, 0) else {
        return (None, None, None);
    };
    let file = contents
        .name()
        .filter(|name| !name.is_empty())
        .map(Safe::text);
    match label {
        Some(_) => (file, Some(contents.line() + 1), Some(contents.column() + 1)),
        None => (file, None, None),
    }
}

/// The error drawn like `check`'s diagnostics: message, code, snippet and help, every cause
/// once.
pub fn human(error: &dyn miette::Diagnostic, width: usize, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let error = Safe::of(error);
    let mut out = String::new();
    if handler.render_report(&mut out, &error).is_err() {
        out = error.to_string();
    }
    out.trim_end().to_owned()
}

/// The error as GitHub Actions annotations, one per diagnostic object. `prefix` is the
/// manifest repository as seen from the checkout's top, for the paths of files.
pub fn github(error: &dyn miette::Diagnostic, prefix: &str) -> String {
    entries(error)
        .iter()
        .map(|entry| super::render::annotation(entry, prefix))
        .collect()
}

/// A diagnostic with its texts made safe before the renderer colours them: every message of
/// its chain and its help, credentials hidden and control characters escaped, so that even a
/// coloured run shows no colour a value brought in. A cause whose text its error's message
/// already quotes (`cannot change x: y` caused by `y`) is left out: every message once.
#[derive(Debug)]
struct Safe {
    message: String,
    code: Option<String>,
    help: Option<String>,
    severity: Option<miette::Severity>,
    source: Option<Box<Safe>>,
    /// The file the error points into, as snippets show it, and its labels mapped onto it.
    snippet: Option<Snippet>,
    related: Vec<Safe>,
}

struct Snippet {
    source: Source,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source.name)
    }
}

impl Snippet {
    /// The error's labelled file, made safe as `check`'s snippets are: long lines cut,
    /// credentials hidden, control characters shown as text.
    fn of(error: &dyn miette::Diagnostic) -> Option<Self> {
        let code = error.source_code()?;
        let labels: Vec<LabeledSpan> = error.labels()?.collect();
        if labels.is_empty() {
            return None;
        }
        // All of the file: from its start, with every line after it as context.
        let whole = code.read_span(&(0, 0).into(), 0, usize::MAX).ok()?;
        let name = whole.name().map(Safe::text).unwrap_or_default();
        let text: Arc<str> = String::from_utf8_lossy(whole.data()).into();
        let points: Vec<usize> = labels
            .iter()
            .flat_map(|l| [l.offset(), l.offset() + l.len()])
            .collect();
        let shown = Arc::new(Shown::new(&text, &points));
        let labels = labels
            .iter()
            .map(|label| {
                let (offset, len) = shown.span(label.offset(), label.offset() + label.len());
                LabeledSpan::new(label.label().map(Safe::text), offset, len)
            })
            .collect();
        Some(Snippet {
            source: Source { name, shown },
            labels,
        })
    }
}

impl Safe {
    fn of(error: &dyn miette::Diagnostic) -> Self {
        let message = Self::text(&error.to_string());
        Safe {
            source: Self::chain(&message, error.source()).map(Box::new),
            message,
            code: error.code().map(|c| Self::text(&c.to_string())),
            help: error.help().map(|h| Self::text(&h.to_string())),
            severity: error.severity(),
            snippet: Snippet::of(error),
            related: error
                .related()
                .map(|related| related.map(Safe::of).collect())
                .unwrap_or_default(),
        }
    }

    /// The causes under a message `above`, without those it already says.
    fn chain(above: &str, cause: Option<&(dyn std::error::Error + 'static)>) -> Option<Self> {
        let cause = cause?;
        let message = Self::text(&cause.to_string());
        if message.is_empty() || above.contains(&message) {
            return Self::chain(above, cause.source());
        }
        Some(Safe {
            source: Self::chain(&message, cause.source()).map(Box::new),
            message,
            code: None,
            help: None,
            severity: None,
            snippet: None,
            related: Vec::new(),
        })
    }

    /// The message, and each cause it does not say already: `a: b: c`.
    fn message_with_causes(&self) -> String {
        let mut text = self.message.clone();
        let mut cause = self.source.as_deref();
        while let Some(next) = cause {
            text.push_str(": ");
            text.push_str(&next.message);
            cause = next.source.as_deref();
        }
        text
    }

    fn text(text: &str) -> String {
        terminal(&hide_credentials(text)).into_owned()
    }
}

impl fmt::Display for Safe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Safe {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

impl miette::Diagnostic for Safe {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as _)
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.severity
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as _)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| &s.source as _)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let snippet = self.snippet.as_ref()?;
        Some(Box::new(snippet.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("cannot change `{path}`: {source}")]
    #[diagnostic(code("deploy-refused"), help("choose another default first"))]
    struct Edit {
        path: String,
        source: std::io::Error,
    }

    #[test]
    fn a_cause_the_message_quotes_is_said_once() {
        let error = Edit {
            path: "deployments/a.yaml".into(),
            source: std::io::Error::other("`x` is the default"),
        };
        let shown = human(&error, 100, false);
        assert_eq!(shown.matches("`x` is the default").count(), 1, "{shown}");
        let [entry] = entries(&error).try_into().unwrap();
        assert_eq!(
            entry.message,
            "cannot change `deployments/a.yaml`: `x` is the default"
        );
        assert_eq!(entry.code.as_deref(), Some("deploy-refused"));
        assert_eq!(entry.help.as_deref(), Some("choose another default first"));
        assert_eq!((entry.file, entry.line, entry.column), (None, None, None));
    }

    #[test]
    fn a_warning_keeps_its_code_and_help() {
        let error = Edit {
            path: "a".into(),
            source: std::io::Error::other("b"),
        };
        let [entry] = warning_entries(&error).try_into().unwrap();
        assert_eq!(entry.severity, Severity::Warning);
        assert_eq!(entry.code.as_deref(), Some("deploy-refused"));
        assert_eq!(entry.help.as_deref(), Some("choose another default first"));
    }

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("cannot convert")]
    #[diagnostic(code("import"))]
    struct Located {
        #[source_code]
        text: miette::NamedSource<String>,
        #[label("here")]
        at: miette::SourceSpan,
        #[source]
        cause: std::io::Error,
    }

    #[test]
    fn an_error_in_a_file_gives_its_position_and_its_causes() {
        let error = Located {
            text: miette::NamedSource::new("a.sh", "one\ntwo three\n".to_owned()),
            at: (8, 5).into(),
            cause: std::io::Error::other("token `https://u:TOKEN@h/x`"),
        };
        let [entry] = entries(&error).try_into().unwrap();
        assert_eq!(entry.file.as_deref(), Some("a.sh"));
        assert_eq!((entry.line, entry.column), (Some(2), Some(5)));
        assert!(
            entry.message.starts_with("cannot convert: token"),
            "{entry:?}"
        );
        assert!(!entry.message.contains("TOKEN"), "{entry:?}");
        let annotation = github(&error, "manifests");
        assert!(
            annotation.starts_with("::error file=manifests/a.sh,line=2,col=5,title=import::"),
            "{annotation}"
        );
        let document = ErrorDocument::new(&error).to_json();
        let value: serde_json::Value = serde_json::from_str(&document).unwrap();
        assert_eq!(value["format"], ERROR_FORMAT);
        assert_eq!(value["diagnostics"][0]["severity"], "error");
    }
}
