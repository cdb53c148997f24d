//! Renders a [`Report`] for people (miette), for programs (JSON) and for GitHub Actions
//! annotations. Pure functions of the report: colour and width are decided by the caller.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use schemars::JsonSchema;
use serde::Serialize;

use super::operation::Entry;
use super::shown::{Shown, Source};
use super::{Diagnostic, FileId, Label, Report, Severity};
use crate::escape::{hide_credentials, inline, terminal};

/// Human output: every diagnostic drawn with its source snippets, then the summary line.
pub fn human(report: &Report, width: usize, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_context_lines(1)
        .with_links(false);
    // Each file is shown once for all its diagnostics, cut around every place they point at.
    let mut points: HashMap<FileId, Vec<usize>> = HashMap::new();
    for diagnostic in &report.diagnostics {
        points.entry(diagnostic.file).or_default();
        for label in &diagnostic.labels {
            let file = points.entry(label.file).or_default();
            file.extend([label.span.start, label.span.end]);
        }
    }
    let shown: HashMap<FileId, Arc<Shown>> = points
        .into_iter()
        .map(|(id, points)| {
            let shown = Shown::new(&report.sources.get(id).text, &points);
            (id, Arc::new(shown))
        })
        .collect();
    let mut out = String::new();
    for (index, diagnostic) in report.diagnostics.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let view = View::new(report, &shown, diagnostic);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&safe(&diagnostic.message));
            out.push('\n');
        }
    }
    out
}

/// A message as shown anywhere: no credential, no control character.
fn safe(text: &str) -> String {
    terminal(&hide_credentials(text)).into_owned()
}

/// One diagnostic of a report as JSON: the fields of every document's diagnostics, then the
/// end of its span and its labels.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ReportEntry {
    #[serde(flatten)]
    pub entry: Entry,
    /// Where the primary label ends.
    pub end: Position,
    /// Every place the diagnostic points at, the primary one first.
    pub labels: Vec<LabelEntry>,
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One label of a [`ReportEntry`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct LabelEntry {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end: Position,
    pub message: String,
}

/// The report as JSON objects.
pub fn entries(report: &Report) -> Vec<ReportEntry> {
    report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let file = report.sources.get(diagnostic.file);
            let primary = diagnostic
                .labels
                .iter()
                .find(|label| label.file == diagnostic.file);
            let (start, end) = match primary {
                Some(label) => (label.span.start, label.span.end),
                None => (0, 0),
            };
            let (line, column) = file.line_column(start);
            let (end_line, end_column) = file.line_column(end);
            ReportEntry {
                entry: Entry {
                    code: Some(diagnostic.code.as_str().to_owned()),
                    severity: diagnostic.severity,
                    message: hide_credentials(&diagnostic.message).into_owned(),
                    help: diagnostic
                        .help
                        .as_deref()
                        .map(|help| hide_credentials(help).into_owned()),
                    file: Some(file.path.clone()),
                    line: Some(line),
                    column: Some(column),
                },
                end: Position {
                    line: end_line,
                    column: end_column,
                },
                labels: diagnostic
                    .labels
                    .iter()
                    .map(|label| label_entry(report, label))
                    .collect(),
            }
        })
        .collect()
}

fn label_entry(report: &Report, label: &Label) -> LabelEntry {
    let file = report.sources.get(label.file);
    let (line, column) = file.line_column(label.span.start);
    let (end_line, end_column) = file.line_column(label.span.end);
    LabelEntry {
        file: file.path.clone(),
        line,
        column,
        end: Position {
            line: end_line,
            column: end_column,
        },
        message: hide_credentials(&label.message).into_owned(),
    }
}

/// GitHub Actions workflow commands, one per diagnostic. `prefix` is the manifest root as seen
/// from the repository checkout, so annotations land on the right file.
pub fn github(report: &Report, prefix: &str) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        let file = report.sources.get(diagnostic.file);
        let mut properties = vec![format!(
            "file={}",
            escape_property(&join(prefix, &file.path))
        )];
        if let Some(label) = diagnostic
            .labels
            .iter()
            .find(|label| label.file == diagnostic.file)
        {
            let (line, column) = file.line_column(label.span.start);
            let (end_line, end_column) = file.line_column(label.span.end);
            properties.push(format!("line={line}"));
            properties.push(format!("col={column}"));
            properties.push(format!("endLine={end_line}"));
            if end_line == line {
                properties.push(format!("endColumn={end_column}"));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(diagnostic.code.as_str())
        ));
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        for label in diagnostic
            .labels
            .iter()
            .filter(|label| label.file != diagnostic.file)
        {
            let other = report.sources.get(label.file);
            let (line, column) = other.line_column(label.span.start);
            message.push_str(&format!(
                "\n{}:{line}:{column}: {}",
                join(prefix, &other.path),
                label.message
            ));
        }
        let command = workflow_command(diagnostic.severity);
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&safe(&message))
        ));
    }
    out
}

/// The workflow command of a severity.
fn workflow_command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One diagnostic object as a GitHub Actions annotation, its file seen from the checkout's top
/// (`prefix`, the manifest repository's folder there).
pub fn annotation(entry: &super::operation::Entry, prefix: &str) -> String {
    let mut properties = Vec::new();
    if let Some(file) = &entry.file {
        properties.push(format!("file={}", escape_property(&join(prefix, file))));
        if let (Some(line), Some(column)) = (entry.line, entry.column) {
            properties.push(format!("line={line}"));
            properties.push(format!("col={column}"));
        }
    }
    if let Some(code) = &entry.code {
        properties.push(format!("title={}", escape_property(code)));
    }
    let mut message = entry.message.clone();
    if let Some(help) = &entry.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let properties = match properties.is_empty() {
        true => String::new(),
        false => format!(" {}", properties.join(",")),
    };
    format!(
        "::{}{properties}::{}\n",
        workflow_command(entry.severity),
        escape_data(&safe(&message))
    )
}

fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() || prefix == "." {
        path.to_owned()
    } else {
        format!("{}/{path}", prefix.trim_end_matches('/'))
    }
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(&inline(text))
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// A diagnostic as miette sees it: labels in its own file are drawn on its snippet, labels in
/// other files become related notes, each with its own snippet.
struct View<'a> {
    diagnostic: &'a Diagnostic,
    message: String,
    help: Option<String>,
    source: Source,
    labels: Vec<LabeledSpan>,
    related: Vec<Elsewhere>,
}

impl<'a> View<'a> {
    fn new(
        report: &'a Report,
        shown: &HashMap<FileId, Arc<Shown>>,
        diagnostic: &'a Diagnostic,
    ) -> Self {
        let file = diagnostic.file;
        let mut labels = Vec::new();
        let mut related: Vec<Elsewhere> = Vec::new();
        for (index, label) in diagnostic.labels.iter().enumerate() {
            let primary = index == 0 && label.file == file;
            let labeled = labeled(&shown[&label.file], label, primary);
            if label.file == file {
                labels.push(labeled);
            } else if let Some(group) = related.iter_mut().find(|r| r.file == label.file) {
                group.labels.push(labeled);
            } else {
                related.push(Elsewhere {
                    file: label.file,
                    message: safe(&label.message),
                    source: named(report, shown, label.file),
                    labels: vec![labeled],
                });
            }
        }
        Self {
            diagnostic,
            message: safe(&diagnostic.message),
            help: diagnostic.help.as_deref().map(safe),
            source: named(report, shown, file),
            labels,
            related,
        }
    }
}

/// A file as miette draws it: its shown text, under its path made safe to print.
fn named(report: &Report, shown: &HashMap<FileId, Arc<Shown>>, file: FileId) -> Source {
    Source {
        name: inline(&report.sources.get(file).path).into_owned(),
        shown: shown[&file].clone(),
    }
}

fn labeled(shown: &Shown, label: &Label, primary: bool) -> LabeledSpan {
    let span = shown.span(label.span.start, label.span.end);
    let message = Some(safe(&label.message));
    if primary {
        LabeledSpan::new_primary_with_span(message, span)
    } else {
        LabeledSpan::new_with_span(message, span)
    }
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("View")
            .field("diagnostic", self.diagnostic)
            .finish()
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.diagnostic.severity.into())
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let help = self.help.as_deref();
        help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            // Still name the file: a problem with no position is in the file as a whole.
            return Some(Box::new(std::iter::once(
                LabeledSpan::new_primary_with_span(
                    Some(format!("in `{}`", &self.source.name)),
                    (0, 0),
                ),
            )));
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// The labels of one diagnostic that are in another file.
struct Elsewhere {
    file: FileId,
    message: String,
    source: Source,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Elsewhere")
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in `{}`", &self.source.name)
    }
}

impl std::error::Error for Elsewhere {}

impl miette::Diagnostic for Elsewhere {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, SourceFile, Span};

    /// A report with one problem whose message, help and label quote a URL with a token and
    /// a terminal escape, on a line with a token and a bidi override.
    fn hostile() -> Report {
        let mut report = Report::default();
        let text = "url: https://ci:TOKEN@example.org/a\u{202e}\n";
        let file = report
            .sources
            .add(SourceFile::new("products/a.yaml".into(), text.into()));
        let quoted = "`https://ci:TOKEN@example.org/a` \u{1b}]0;x\u{7}";
        report.diagnostics.push(
            Diagnostic::new(Code::UrlInvalid, file, format!("bad URL {quoted}"))
                .with_help(format!("fix {quoted}"))
                .with_label(
                    file,
                    Some(Span { start: 5, end: 35 }),
                    format!("here {quoted}"),
                ),
        );
        report
    }

    #[test]
    fn no_renderer_shows_a_credential_or_a_control_character() {
        let report = hostile();
        for text in [
            human(&report, 100, false),
            crate::escape::json(&serde_json::to_string(&entries(&report)).unwrap()).into_owned(),
            github(&report, ""),
        ] {
            assert!(!text.contains("TOKEN"), "{text}");
            assert!(!text.contains("ci:"), "{text}");
            assert!(!text.chars().any(crate::escape::is_unsafe), "{text:?}");
            assert!(text.contains("***@example.org"), "{text}");
        }
        let coloured = human(&report, 100, true);
        assert!(!coloured.contains("TOKEN") && !coloured.contains('\u{202e}'));
        assert!(!coloured.contains("\u{1b}]"), "{coloured:?}");
    }
}
