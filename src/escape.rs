//! Values from repositories and manifests made safe where they are shown: on a terminal, in
//! Markdown, in HTML (and Markdown that people wrote, rendered as safe HTML for the notes and
//! the site alike). Upstream tag names, commit subjects and manifest names are written by
//! others; none of them may move the cursor, retitle a window, reorder a line or inject markup.
//! A leaf module: it knows nothing of what the values mean.

use std::borrow::Cow;
use std::fmt::Write;
use std::ops::Range;

/// The longest commit subject shown in full, in characters.
pub const SUBJECT_LIMIT: usize = 200;

/// Whether `c` must not reach a terminal or a page as it is: C0 controls but tab and line feed,
/// DEL, C1 controls, and the characters that reorder or separate lines (bidi embeddings,
/// overrides, isolates and marks, line and paragraph separators).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `c` as visible text: `\u{1b}`.
pub fn visible(c: char, out: &mut String) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// `text` with every unsafe character written as `\u{…}`; line feeds and tabs kept.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One value on one line: [`terminal`], and line breaks and tabs written as `\u{…}` too.
pub fn inline(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) || c == '\n' || c == '\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) || c == '\n' || c == '\t' {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with every unsafe character inside its strings written as a `\uXXXX` escape:
/// the same document, which no longer acts on a terminal it is printed to. (serde_json escapes
/// C0 controls already; DEL, C1 and the bidi controls it leaves as they are.)
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with the credentials of its URLs replaced by `***` (`https://***@host/x`).
pub fn hide_credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let secrets = credentials(text);
    if secrets.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for secret in secrets {
        out.push_str(&text[at..secret.start]);
        out.push_str("***");
        at = secret.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// `text` cut to `limit` characters, the cut marked with `…`.
pub fn shorten(text: &str, limit: usize) -> Cow<'_, str> {
    match text.char_indices().nth(limit) {
        Some((end, _)) => {
            let cut = text[..end].char_indices().nth(limit.saturating_sub(1));
            let end = cut.map_or(end, |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..end]))
        }
        None => Cow::Borrowed(text),
    }
}

/// `text` safe inside an HTML element or a quoted attribute: markup characters as entities,
/// unsafe characters as visible text.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_unsafe(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// One value as Markdown text (a heading, a list item, a table cell): every character that
/// could start markup, an entity, a table cell or a line is escaped, so the value reads as it
/// is written.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '&' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if is_unsafe(c) || c == '\n' || c == '\t' => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// One value as a Markdown code span that also survives a table cell: a fence longer than any
/// run of backticks inside, `|` escaped, line breaks and unsafe characters as visible text.
pub fn markdown_code(text: &str) -> String {
    let text = inline(text).replace('|', "\\|");
    let mut fence = "`".to_owned();
    while text.contains(fence.as_str()) {
        fence.push('`');
    }
    if fence.len() > 1 || text.starts_with(' ') || text.ends_with(' ') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// The byte ranges of the `user:password` (or token) parts of URLs in `line`: what comes
/// between `://` and the `@` before the host (an ssh user name alone is no secret).
pub fn credentials(line: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = line[from..].find("://") {
        let start = from + at + 3;
        let authority_end = line[start..]
            .find(|c: char| c == '/' || c.is_whitespace() || "\"'`<>".contains(c))
            .map_or(line.len(), |i| start + i);
        // An ssh user name (`ssh://git@host`) is no secret; anything else before `@` may be.
        let ssh = line[..start - 3].ends_with("ssh");
        if let Some(at) = line[start..authority_end].rfind('@')
            && at > 0
            && (!ssh || line[start..start + at].contains(':'))
        {
            found.push(start..start + at);
        }
        from = authority_end.max(start);
    }
    found
}

/// Markdown (CommonMark with tables and strikethrough) as HTML, for text people wrote (a
/// release's narrative, a distribution's install instructions). Raw HTML is not passed
/// through: it shows as text, and control characters as `\u{..}`. Links and images keep only `http`, `https` and `mailto` URLs
/// and relative ones (a `javascript:` link is its text alone), images become links, and
/// headings start at `<h{heading}>`.
pub fn markdown_html(text: &str, heading: u8) -> String {
    use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let level = |l: HeadingLevel| {
        let shifted = (l as usize) + usize::from(heading.max(1)) - 1;
        HeadingLevel::try_from(shifted.min(6)).unwrap_or(HeadingLevel::H6)
    };
    // Links whose URL is refused are dropped with their ends, their text kept.
    let mut dropped: Vec<bool> = Vec::new();
    // Control and bidirectional characters shown as `\u{..}`, as everywhere else.
    let text = terminal(text);
    let events = Parser::new_ext(
        &text,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Heading { level: l, .. }) => Some(Event::Start(Tag::Heading {
            level: level(l),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(l)) => Some(Event::End(TagEnd::Heading(level(l)))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        })
        | Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let safe = safe_url(&dest_url);
            dropped.push(!safe);
            safe.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
            let was_dropped = dropped.pop().unwrap_or(false);
            (!was_dropped).then_some(Event::End(TagEnd::Link))
        }
        Event::InlineMath(s) | Event::DisplayMath(s) => Some(Event::Code(s)),
        other => Some(other),
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// A URL a page may link to: `http`, `https`, `mailto`, or one without a scheme (relative, or
/// a fragment).
fn safe_url(url: &str) -> bool {
    let url = url.trim();
    let scheme_end = url.find(':');
    let before_path = url.find(['/', '?', '#']).unwrap_or(url.len());
    match scheme_end {
        Some(end) if end < before_path => {
            let scheme = url[..end].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

#[cfg(test)]
mod markdown_tests {
    use super::markdown_html as markdown;

    #[test]
    fn markdown_renders_with_raw_html_and_unsafe_links_disabled() {
        let html = markdown(
            "## Highlights\n\nSee **[the notes](https://example.org/n)**.\n\n```sh\nmamba install lsst-distrib=w_2026_47\n```\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![logo](https://example.org/l.png \"t\") <b onclick=\"y\">b</b>\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n",
            3,
        );
        assert!(html.contains("<h4>Highlights</h4>"), "{html}");
        assert!(
            html.contains("<strong><a href=\"https://example.org/n\">the notes</a></strong>"),
            "{html}"
        );
        assert!(
            html.contains("<pre><code class=\"language-sh\">mamba install lsst-distrib=w_2026_47\n</code></pre>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            html.contains("<p>x <a href=\"https://example.org/l.png\" title=\"t\">logo</a>"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;b onclick=&quot;y&quot;&gt;b&lt;/b&gt;")
                || html.contains("&lt;b onclick=\"y\"&gt;"),
            "{html}"
        );
        assert!(html.contains("<table>"), "{html}");
        // Headings never go past h6, and carry no attribute.
        assert!(markdown("###### deep {#x .y}", 4).contains("<h6>deep {#x .y}</h6>"));
        assert_eq!(
            markdown("a \u{1b}]0;x\u{7} \u{202e}b", 2),
            "<p>a \\u{1b}]0;x\\u{7} \\u{202e}b</p>\n"
        );
        assert!(super::safe_url("../w.2026.47.html#note"));
        assert!(!super::safe_url(" JavaScript:alert(1)"));
        assert!(!super::safe_url("data:text/html,x"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_controls_and_bidi_but_keeps_lines() {
        assert_eq!(
            terminal("\u{1b}]0;pwned\u{7}\u{1b}[31mRED"),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[31mRED"
        );
        assert_eq!(
            terminal("a\u{202e}b\u{2066}c\u{9b}d\u{7f}"),
            "a\\u{202e}b\\u{2066}c\\u{9b}d\\u{7f}"
        );
        assert_eq!(terminal("line\n\ttab"), "line\n\ttab");
        assert_eq!(terminal("a\rb"), "a\\u{d}b");
        assert!(matches!(terminal("plain é"), Cow::Borrowed(_)));
        assert_eq!(inline("a\nb"), "a\\u{a}b");
    }

    #[test]
    fn every_unsafe_character_is_escaped() {
        for c in (0u32..0x20)
            .chain(0x7f..0xa0)
            .chain([0x61c, 0x200e, 0x200f, 0x2028, 0x2029])
            .chain(0x202a..0x202f)
            .chain(0x2066..0x206a)
            .filter_map(char::from_u32)
            .filter(|c| !matches!(c, '\n' | '\t'))
        {
            let shown = terminal(&c.to_string()).into_owned();
            assert!(shown.starts_with("\\u{"), "{:x}", u32::from(c));
            assert!(!html(&c.to_string()).contains(c));
            assert!(!markdown(&c.to_string()).contains(c));
        }
    }

    #[test]
    fn credentials_are_found_in_urls_only() {
        assert_eq!(
            credentials("url: https://ci:TOKEN@example.org/a"),
            vec![13..21]
        );
        assert_eq!(credentials("https://ghp_token@github.com/x"), vec![8..17]);
        assert_eq!(credentials("a https://tok@h/x b ssh://u:p@h:22/y").len(), 2);
        assert_eq!(credentials("{\"url\":\"https://u:p@h/x\"}"), vec![16..19]);
        // scp-like addresses and ssh user names carry no password.
        assert!(credentials("url: git@github.com:lsst/afw").is_empty());
        assert!(credentials("url: ssh://git@github.com/lsst/afw").is_empty());
        assert!(credentials("mail me at a@b.org, see https://h/x@y").is_empty());
    }

    #[test]
    fn json_keeps_the_document_and_escapes_the_rest() {
        let value = serde_json::json!({ "name": "a\u{202e}b\u{7f}\u{9b}\u{1b}" });
        let text = serde_json::to_string(&value).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        assert_eq!(safe, r#"{"name":"a\u202eb\u007f\u009b\u001b"}"#);
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn credentials_are_hidden_in_any_text() {
        assert_eq!(
            hide_credentials("cannot fetch `https://ci:TOKEN@h/a` (or https://t@h/b)"),
            "cannot fetch `https://***@h/a` (or https://***@h/b)"
        );
        assert_eq!(hide_credentials("ssh://git@h/a"), "ssh://git@h/a");
    }

    #[test]
    fn shorten_cuts_long_text_with_an_ellipsis() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "ab…");
        assert_eq!(shorten("ééééé", 4), "ééé…");
        let long = "x".repeat(20_000_000);
        let short = shorten(&long, SUBJECT_LIMIT);
        assert_eq!(short.chars().count(), SUBJECT_LIMIT);
        assert!(short.ends_with('…'));
    }

    #[test]
    fn html_escapes_markup_quotes_and_controls() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\"\u{1b}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\\u{1b}"
        );
    }

    #[test]
    fn markdown_text_cannot_inject_markup_or_break_a_table() {
        assert_eq!(markdown("use `x` | <b>"), "use \\`x\\` \\| \\<b\\>");
        assert_eq!(
            markdown("x|<svg/onload=alert(1)>|y"),
            "x\\|\\<svg/onload=alert(1)\\>\\|y"
        );
        assert_eq!(markdown("a\nb &amp;"), "a\\u{a}b \\&amp;");
        assert_eq!(markdown("![i](u)"), "\\!\\[i\\](u)");
    }

    #[test]
    fn code_spans_survive_any_text() {
        assert_eq!(markdown_code("a.b+c-d"), "`a.b+c-d`");
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
        assert_eq!(markdown_code("a`b"), "`` a`b ``");
        assert_eq!(markdown_code("`a"), "`` `a ``");
        assert_eq!(markdown_code("a\nb"), "`a\\u{a}b`");
    }
}
