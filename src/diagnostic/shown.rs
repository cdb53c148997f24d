//! A file's text as the human renderer may draw it: credentials in URLs hidden, unsafe
//! characters (terminal escapes, bidi overrides) written as visible text, and lines too long to
//! draw cut to windows around the places labels point at. The labels' offsets are mapped onto
//! the new text, so every label still points at its node.

use std::ops::Range;
use std::sync::Arc;

use crate::escape::{credentials, is_unsafe, visible};

/// Lines longer than this (in characters) are cut.
const LINE_LIMIT: usize = 160;
/// What a cut line keeps: its first characters, and around each labelled place, characters
/// before and after.
const HEAD: usize = 60;
const BEFORE: usize = 40;
const AFTER: usize = 80;
/// What replaces a cut-out part of a line and a hidden credential.
const CUT: &str = "…";
const HIDDEN: &str = "***";

/// One run of the shown text: from `orig` in the file's text, at `new` in the shown text.
/// A copy runs byte for byte up to the next piece; a replacement stands for the whole of the
/// original run.
#[derive(Clone, Copy, Debug)]
struct Piece {
    orig: usize,
    new: usize,
    copy: bool,
}

/// The shown text of one file, with the mapping of offsets.
#[derive(Debug)]
pub struct Shown {
    pub text: Arc<str>,
    original: Arc<str>,
    pieces: Vec<Piece>,
}

impl Shown {
    /// `text` as shown, its long lines cut around `points` (byte offsets labels start or end
    /// at, in any order).
    pub fn new(original: &Arc<str>, points: &[usize]) -> Self {
        let text: &str = original;
        let mut points = points.to_vec();
        points.sort_unstable();
        points.dedup();
        let mut builder = Builder::default();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            // A line ends with its line feed, or CR LF: both are drawn as a line break.
            let body = line.strip_suffix('\n').unwrap_or(line);
            let body = match body.strip_suffix('\r') {
                Some(body) if body.len() + 2 == line.len() => body,
                _ => body,
            };
            let end = start + body.len();
            let from = points.partition_point(|&p| p < start);
            let to = points.partition_point(|&p| p <= end);
            builder.line(body, start, &points[from..to]);
            builder.copy(end, &line[body.len()..]);
            start += line.len();
        }
        builder.pieces.push(Piece {
            orig: text.len(),
            new: builder.text.len(),
            copy: true,
        });
        Shown {
            text: builder.text.into(),
            original: original.clone(),
            pieces: builder.pieces,
        }
    }

    /// The shown span of the original byte range `start..end`.
    pub fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let start = self.map(start, false);
        let end = self.map(end, true).max(start);
        (start, end - start)
    }

    fn map(&self, offset: usize, is_end: bool) -> usize {
        let offset = offset.min(self.original.len());
        let at = self.pieces.partition_point(|p| p.orig <= offset) - 1;
        let piece = self.pieces[at];
        let next = self.pieces.get(at + 1).map_or(self.text.len(), |p| p.new);
        if piece.copy {
            (piece.new + (offset - piece.orig)).min(next)
        } else if offset > piece.orig && is_end {
            next
        } else {
            piece.new
        }
    }

    /// The 0-based column, in characters of the original text, of an offset in the shown text.
    pub fn column(&self, shown: usize) -> usize {
        let at = self.pieces.partition_point(|p| p.new <= shown).max(1) - 1;
        let piece = self.pieces[at];
        let mut offset = piece.orig;
        if piece.copy {
            offset += shown - piece.new;
        }
        let offset = offset.min(self.original.len());
        let text = &self.original[..];
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        text.get(start..offset).map_or(0, |s| s.chars().count())
    }
}

/// A shown file as miette reads it: positions in the header are those of the original text
/// (lines are never added or removed, so only columns differ).
pub struct Source {
    pub name: String,
    pub shown: Arc<Shown>,
}

impl miette::SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self.shown.text.read_span(span, before, after)?;
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                contents.data(),
                *contents.span(),
                contents.line(),
                self.shown.column(contents.span().offset()),
                contents.line_count(),
            )
            .with_language("yaml"),
        ))
    }
}

#[derive(Default)]
struct Builder {
    text: String,
    pieces: Vec<Piece>,
}

impl Builder {
    /// Copies `part`, which starts at `orig` in the file.
    fn copy(&mut self, orig: usize, part: &str) {
        let continues = self
            .pieces
            .last()
            .is_some_and(|last| last.copy && last.new + (orig - last.orig) == self.text.len());
        if !continues {
            self.pieces.push(Piece {
                orig,
                new: self.text.len(),
                copy: true,
            });
        }
        self.text.push_str(part);
    }

    /// Shows `shown` for the original run starting at `orig` (up to the next piece).
    fn replace(&mut self, orig: usize, shown: impl FnOnce(&mut String)) {
        self.pieces.push(Piece {
            orig,
            new: self.text.len(),
            copy: false,
        });
        shown(&mut self.text);
    }

    /// One line (without its line feed) starting at `start`; `points` are on it.
    fn line(&mut self, line: &str, start: usize, points: &[usize]) {
        let plain = line.len() <= LINE_LIMIT
            && line
                .bytes()
                .all(|b| ((0x20..0x7f).contains(&b) || b == b'\t') && b != b'@');
        if plain {
            self.copy(start, line);
            return;
        }
        let secrets = credentials(line);
        let mut at = 0;
        for window in windows(line, points.iter().map(|p| p - start), &secrets) {
            if window.start > at {
                self.replace(start + at, |text| text.push_str(CUT));
            }
            self.window(line, start, window.clone(), &secrets);
            at = window.end;
        }
        if at < line.len() {
            self.replace(start + at, |text| text.push_str(CUT));
        }
    }

    /// The part `range` of `line`: credentials hidden, unsafe characters made visible.
    fn window(&mut self, line: &str, start: usize, range: Range<usize>, secrets: &[Range<usize>]) {
        let mut run = range.start;
        let mut chars = line[range.clone()]
            .char_indices()
            .map(|(i, c)| (i + range.start, c));
        while let Some((i, c)) = chars.next() {
            if let Some(secret) = secrets.iter().find(|s| s.start == i) {
                self.copy(start + run, &line[run..i]);
                self.replace(start + i, |text| text.push_str(HIDDEN));
                run = secret.end.min(range.end);
                for _ in line[i..run].chars().skip(1) {
                    chars.next();
                }
            } else if is_unsafe(c) {
                self.copy(start + run, &line[run..i]);
                self.replace(start + i, |text| visible(c, text));
                run = i + c.len_utf8();
            }
        }
        self.copy(start + run, &line[run..range.end]);
    }
}

/// The byte ranges of `line` to keep, in order: all of it when it is short, else its head and
/// a window around each point, widened to whole credentials.
fn windows(
    line: &str,
    points: impl Iterator<Item = usize>,
    secrets: &[Range<usize>],
) -> Vec<Range<usize>> {
    let chars = line.chars().count();
    if chars <= LINE_LIMIT {
        return std::iter::once(0..line.len()).collect();
    }
    // Byte offset of a character column, and column of a byte offset.
    let starts: Vec<usize> = line.char_indices().map(|(i, _)| i).collect();
    let byte = |column: usize| starts.get(column).copied().unwrap_or(line.len());
    let column = |offset: usize| starts.partition_point(|&s| s < offset);
    let mut ranges: Vec<Range<usize>> = std::iter::once(0..HEAD)
        .chain(points.map(|p| {
            let c = column(p);
            c.saturating_sub(BEFORE)..c + AFTER
        }))
        .map(|r| byte(r.start)..byte(r.end.min(chars)))
        .collect();
    for range in &mut ranges {
        for secret in secrets {
            if secret.start < range.end && range.start < secret.end {
                range.start = range.start.min(secret.start);
                range.end = range.end.max(secret.end);
            }
        }
    }
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str, span: Range<usize>) -> (String, String) {
        let shown = Shown::new(&Arc::from(text), &[span.start, span.end]);
        let (start, len) = shown.span(span.start, span.end);
        (
            shown.text.to_string(),
            shown.text[start..start + len].to_owned(),
        )
    }

    #[test]
    fn plain_text_is_shown_as_it_is() {
        let text = "name: a\nurl: https://example.org/x\n";
        assert_eq!(shown(text, 6..7), (text.to_owned(), "a".to_owned()));
    }

    #[test]
    fn credentials_are_hidden_and_labels_still_point_at_their_node() {
        let text = "name: b\nrepositories:\n  - url: https://ci:SECRETTOKEN@example.org/a\n";
        let start = text.find("https").unwrap();
        let end = text.find("/a\n").unwrap() + 2;
        let (all, label) = shown(text, start..end);
        assert!(!all.contains("SECRETTOKEN"), "{all}");
        assert!(!all.contains("ci:"), "{all}");
        assert_eq!(label, "https://***@example.org/a");
        let (_, name) = shown(text, 6..7);
        assert_eq!(name, "b");
    }

    #[test]
    fn unsafe_characters_are_shown_as_escapes() {
        let text = "name: \"\u{1b}]0;pwned\u{7}\u{1b}[31mRED\"\nx: \u{202e}y\n";
        let (all, label) = shown(text, 6..text.find('\n').unwrap());
        assert!(!all.chars().any(is_unsafe), "{all:?}");
        assert_eq!(label, "\"\\u{1b}]0;pwned\\u{7}\\u{1b}[31mRED\"");
        assert!(all.contains("x: \\u{202e}y"));
    }

    #[test]
    fn long_lines_are_cut_around_the_label() {
        let text = format!("description: {}: oops\nname: a\n", "x".repeat(66_000));
        let at = text.find(": oops").unwrap();
        let (all, label) = shown(&text, at..at + 1);
        assert_eq!(label, ":");
        assert!(
            all.lines().all(|l| l.chars().count() < 400),
            "{}",
            all.len()
        );
        assert!(all.starts_with("description: xxx"));
        assert!(all.contains("…xxx"));
        assert!(all.ends_with(": oops\nname: a\n"));
        // A label spanning the whole long line keeps its start and its end.
        let (_, whole) = shown(&text, 0..at);
        assert!(whole.starts_with("description") && whole.ends_with("xxx"));
        assert!(whole.contains('…'));
        let shown = Shown::new(&Arc::from(text.as_str()), &[at]);
        let (start, _) = shown.span(at, at + 1);
        assert_eq!(shown.column(start), at);
    }

    #[test]
    fn crlf_line_ends_stay_line_breaks() {
        let (all, label) = shown("a: 1\r\nb: 2\r\n", 9..10);
        assert_eq!(all, "a: 1\r\nb: 2\r\n");
        assert_eq!(label, "2");
        let (all, _) = shown("a: 1\rb: 2\n", 0..1);
        assert_eq!(all, "a: 1\\u{d}b: 2\n");
    }

    #[test]
    fn offsets_past_the_text_and_empty_text_are_clamped() {
        let shown = Shown::new(&Arc::from(""), &[0]);
        assert_eq!(shown.span(0, 5), (0, 0));
        let shown = Shown::new(&Arc::from("a\u{1b}"), &[0, 9]);
        assert_eq!(&*shown.text, "a\\u{1b}");
        assert_eq!(shown.span(1, 2), (1, 6));
        assert_eq!(shown.span(2, 99), (7, 0));
    }
}
