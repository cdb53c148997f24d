//! Problems found in a manifest repository: what they say, where they point, and how severe
//! they are once `distrib.yaml`'s rule levels apply; the one registry of every code (`codes`);
//! the rendering of a report (`render`) and of an operation's error or warning (`operation`).
//! A leaf module: it imports nothing of the domain (no manifest, no lock), the domain imports it.

mod codes;
pub mod operation;
pub mod render;
pub(crate) mod shown;

use std::collections::BTreeSet;
use std::sync::Arc;

pub use codes::{Code, Level};

/// A byte range in one file's text.
pub type Span = std::ops::Range<usize>;

/// The text of one file, named by its path relative to the manifest repository's root.
#[derive(Debug)]
pub struct SourceFile {
    /// Relative path with `/` separators, as users see it in the repository.
    pub path: String,
    pub text: Arc<str>,
    /// Where each line starts, found when a position is first asked for: most runs ask for
    /// none, and hundreds of files are added at once.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: String, text: Arc<str>) -> Self {
        Self {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&start| start <= offset) - 1;
        let start = line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// Byte offset of a 1-based line and column (in characters), clamped to the text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts().get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .take_while(|(_, c)| *c != '\n')
            .map(|(i, _)| start + i)
            .chain(std::iter::once(
                self.text[start..]
                    .find('\n')
                    .map_or(self.text.len(), |i| start + i),
            ))
            .nth(column.saturating_sub(1))
            .unwrap_or(self.text.len())
    }
}

/// Index of a file in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// Every file read in one run.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Not a problem: what an error adds about another place.
    Note,
}

impl From<Severity> for miette::Severity {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        }
    }
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A place in a file that a diagnostic points at, with what to say there.
#[derive(Clone, Debug)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One problem.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The file the problem is in: the file of the first label, or a file with no position.
    pub file: FileId,
    /// The first label is the primary one; the others show the other places involved.
    pub labels: Vec<Label>,
}

impl Diagnostic {
    pub fn new(code: Code, file: FileId, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file,
            labels: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a label; a node without a known position adds none (the file is still named).
    pub fn with_label(
        mut self,
        file: FileId,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> Self {
        if let Some(span) = span {
            self.labels.push(Label {
                file,
                span,
                message: message.into(),
            });
        }
        self
    }

    /// Byte offset the diagnostic is sorted and reported by.
    pub fn offset(&self) -> usize {
        self.labels
            .iter()
            .find(|label| label.file == self.file)
            .map_or(0, |label| label.span.start)
    }
}

/// All problems of one run, with the levels of `distrib.yaml` applied.
#[derive(Debug, Default)]
pub struct Report {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Applies rule levels (dropping allowed problems) and sorts by file, line and code.
    pub fn finish(&mut self, level_of: impl Fn(Code) -> Level) {
        self.diagnostics
            .retain_mut(|diagnostic| match level_of(diagnostic.code) {
                Level::Allow => false,
                Level::Warn => {
                    diagnostic.severity = Severity::Warning;
                    true
                }
                Level::Deny => {
                    diagnostic.severity = Severity::Error;
                    true
                }
            });
        let sources = &self.sources;
        self.diagnostics.sort_by(|a, b| {
            (&sources.get(a.file).path, a.offset(), a.code, &a.message).cmp(&(
                &sources.get(b.file).path,
                b.offset(),
                b.code,
                &b.message,
            ))
        });
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// `3 errors, 1 warning in 2 files`, or `no problems in 12 files`.
    pub fn summary(&self) -> String {
        let errors = self.count(Severity::Error);
        let warnings = self.count(Severity::Warning);
        if errors + warnings == 0 {
            return format!("no problems in {}", plural(self.sources.len(), "file"));
        }
        let files: BTreeSet<FileId> = self.diagnostics.iter().map(|d| d.file).collect();
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(plural(errors, "error"));
        }
        if warnings > 0 {
            parts.push(plural(warnings, "warning"));
        }
        format!("{} in {}", parts.join(", "), plural(files.len(), "file"))
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // A name written in another case is the one meant, however short (`B` for `b`).
    if let Some(same) = candidates
        .iter()
        .find(|c| c.eq_ignore_ascii_case(word) && **c != word)
    {
        return Some(same);
    }
    candidates
        .iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), *candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `1 file`, `2 files`; `2 repositories`, `2 identities`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        return format!("1 {word}");
    }
    match word.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sources under `src/` whose path starts with `prefix`, but those under `except`.
    fn sources(prefix: &str, except: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        walkdir::WalkDir::new(root.join("src"))
            .into_iter()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "rs"))
            .map(|entry| {
                let path = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .display()
                    .to_string();
                (path, std::fs::read_to_string(entry.path()).unwrap())
            })
            .filter(|(path, _)| path.starts_with(prefix) && !path.starts_with(except))
            .collect()
    }

    #[test]
    fn diagnostic_is_a_leaf() {
        // Spelled in two halves, so that this test does not find itself.
        let path_start = ["crate", "::"].concat();
        for (path, text) in sources("src/diagnostic/", "-") {
            for (at, _) in text.match_indices(&path_start) {
                let used = &text[at + path_start.len()..];
                let module = used
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or("");
                assert!(
                    ["diagnostic", "escape"].contains(&module),
                    "{path} imports `{module}`: diagnostic must stay a leaf"
                );
            }
        }
    }

    #[test]
    fn clap_stays_in_the_command_line() {
        let clap = ["clap", "::"].concat();
        for (path, text) in sources("src/", "src/cli/") {
            assert!(!text.contains(&clap), "{path} uses clap outside `src/cli/`");
        }
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "repository"), "1 repository");
        assert_eq!(plural(2, "repository"), "2 repositories");
        assert_eq!(plural(0, "file"), "0 files");
        assert_eq!(plural(3, "key"), "3 keys");
        assert_eq!(plural(2, "package identity"), "2 package identities");
    }

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("nmae", &["name", "tag"]), Some("name"));
        assert_eq!(
            closest("dependss", &["depends", "build_depends"]),
            Some("depends")
        );
        assert_eq!(closest("zzz", &["name", "tag"]), None);
        assert_eq!(closest("B", &["a", "b"]), Some("b"));
        assert_eq!(closest("AFW", &["afw_old", "afw"]), Some("afw"));
    }

    #[test]
    fn line_column_and_offset_are_inverse() {
        let file = SourceFile::new("a.yaml".into(), "name: é\nx: [1]\n".into());
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(6), (1, 7));
        assert_eq!(file.line_column(10), (2, 2));
        assert_eq!(file.offset(2, 2), 10);
        assert_eq!(file.offset(1, 7), 6);
        assert_eq!(file.offset(1, 8), 8);
        assert_eq!(file.offset(9, 1), file.text.len());
    }
}
