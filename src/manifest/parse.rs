//! From bytes to the typed model, turning each parser error into a [`Problem`] with a code, a
//! message in our words and the fix. Files are parsed on all cores: they are independent.

use std::borrow::Cow;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::model::{Config, Deployment, Distribution, Environment, Product};
use super::{Content, Kind, Problem, RawFile, max_bytes};
use crate::diagnostic::{Code, closest};

pub enum Outcome {
    Config(Box<Config>),
    Product(Box<Product>),
    Distribution(Box<Distribution>),
    Environment(Box<Environment>),
    Deployment(Box<Deployment>),
    /// A lockfile: kept as text.
    Lock,
    Problem(Problem),
}

/// A file's path, its text (empty when it could not be read as text) and what it parsed to.
pub type Parsed = (String, Arc<str>, Outcome);

/// A cache entry of a file that parsed: its key and its model as JSON (the cache's own text
/// when it came from there).
pub type Entry<'a> = (String, Cow<'a, str>);

/// What the cache held when the run started: key to JSON.
pub type Cached<'a> = std::collections::HashMap<&'a str, &'a str>;

/// What a parse with the cache gives back to it: the entry of every file that parsed, and the
/// digest of the whole listing ([`super::cache::digest`]), `None` when a file could not be
/// read as text.
pub struct Keyed<'a> {
    pub entries: Vec<Entry<'a>>,
    pub digest: Option<String>,
}

/// Reads and parses every file, in the order given, on all cores. With a cache, a file whose
/// entry is in `cached` is decoded from it instead of parsed, and what the cache needs is
/// returned too.
pub fn parse_all<'a>(
    files: Vec<RawFile>,
    cached: Option<&Cached<'a>>,
) -> (Vec<Parsed>, Option<Keyed<'a>>) {
    let parsed = crate::parallel::map_owned(files, 64, |raw| parse_file(raw, cached));
    let mut entries = Vec::new();
    let mut keys = Vec::with_capacity(parsed.len());
    let files = parsed
        .into_iter()
        .map(|(file, key, json)| {
            keys.push(key.clone());
            if let (Some(key), Some(json)) = (key, json) {
                entries.push((key, json));
            }
            file
        })
        .collect();
    let keyed = cached.map(|_| Keyed {
        entries,
        digest: keys
            .into_iter()
            .collect::<Option<Vec<String>>>()
            .map(|keys| super::cache::digest(&keys)),
    });
    (files, keyed)
}

/// A file parsed, or decoded from `cached`; with a cache, its key, and its entry's JSON when
/// it parsed.
fn parse_file<'a>(
    raw: RawFile,
    cached: Option<&Cached<'a>>,
) -> (Parsed, Option<String>, Option<Cow<'a, str>>) {
    let RawFile { path, content } = raw;
    let (mut key, mut json) = (None, None);
    let (text, outcome) = match read(&path, content) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => {
                let text = if Kind::of_path(&path) == Some(Kind::Lock) {
                    // A lock is checked byte for byte: its line endings are its own.
                    text
                } else {
                    lone_cr_to_lf(text)
                };
                let Some(cached) = cached else {
                    let outcome = parse_text(&path, &text);
                    return ((path, text.into(), outcome), None, None);
                };
                let file_key = super::cache::key(&path, &text);
                let hit = Kind::of_path(&path).and_then(|kind| {
                    let entry = cached.get(file_key.as_str())?;
                    Some((super::cache::decode(kind, entry)?, Cow::Borrowed(*entry)))
                });
                let outcome = match hit {
                    Some((outcome, entry)) => {
                        json = Some(entry);
                        outcome
                    }
                    None => {
                        let outcome = parse_text(&path, &text);
                        json = super::cache::encode(&outcome).map(Cow::Owned);
                        outcome
                    }
                };
                key = Some(file_key);
                (text, outcome)
            }
            Err(error) => {
                let bytes = error.as_bytes();
                let offset = error.utf8_error().valid_up_to();
                let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
                let help = if Kind::of_path(&path) == Some(Kind::Lock) {
                    "a lockfile is written by distrib only, as UTF-8 text: restore it from git (`git checkout -- <file>`), or write it again with `distrib lock`"
                } else {
                    "save the file as UTF-8"
                };
                let problem = Problem {
                    code: Code::FileEncoding,
                    message: format!("file is not UTF-8: invalid byte at line {line}"),
                    help: help.into(),
                    position: None,
                    label: String::new(),
                };
                (
                    String::from_utf8_lossy(bytes).into_owned(),
                    Outcome::Problem(problem),
                )
            }
        },
        Err(problem) => (String::new(), Outcome::Problem(problem)),
    };
    ((path, text.into(), outcome), key, json)
}

/// The bytes of a listed file, or why there are none.
fn read(path: &str, content: Content) -> Result<Vec<u8>, Problem> {
    let limit = max_bytes(path);
    let too_large = |size: u64| {
        whole_file(
            Code::FileTooLarge,
            &format!("file is {size} bytes, more than the limit of {limit}"),
            "a manifest describes one thing in a few kilobytes; split it or remove what does not belong",
        )
    };
    let unreadable = |error: String| {
        whole_file(
            Code::FileEncoding,
            &format!("cannot read the file: {error}"),
            "check the file's permissions",
        )
    };
    match content {
        Content::Bytes(bytes) => Ok(bytes),
        Content::Unread(path) => {
            let mut file = std::fs::File::open(&path).map_err(|e| unreadable(e.to_string()))?;
            let size = file
                .metadata()
                .map_err(|e| unreadable(e.to_string()))?
                .len();
            if size > limit {
                return Err(too_large(size));
            }
            let mut bytes = Vec::with_capacity(size as usize);
            std::io::Read::read_to_end(&mut file, &mut bytes)
                .map_err(|e| unreadable(e.to_string()))?;
            Ok(bytes)
        }
        Content::TooLarge(size) => Err(too_large(size)),
        Content::LinkOutside(target) => Err(whole_file(
            Code::SymlinkEscape,
            &format!("symbolic link points out of the manifest repository, to `{target}`"),
            "copy the file into the repository: a release must not depend on files outside it",
        )),
        Content::LinkBroken(target) => Err(whole_file(
            Code::SymlinkBroken,
            &format!("symbolic link to `{target}` leads to no file"),
            "point the link at a file of the repository, or remove it",
        )),
        Content::LinkLoop(target) => Err(whole_file(
            Code::SymlinkBroken,
            &format!("symbolic link to `{target}` is part of a loop of links and leads to no file"),
            "break the loop: point one of the links at a file of the repository",
        )),
        Content::NotAFile(what) => Err(whole_file(
            Code::FileIgnored,
            &format!("`{path}` is {what}, not a file"),
            "`distrib.yaml` marks the root of the manifest repository and holds its settings: make it a file (it may be empty)",
        )),
        Content::Misnamed => {
            let (stem, extension) = path.rsplit_once('.').unwrap_or((path, ""));
            Err(whole_file(
                Code::FileIgnored,
                &format!(
                    "`{path}` is not read: a manifest's extension is `.yaml` or `.yml`, in lower case"
                ),
                &format!("rename it to `{stem}.{}`", extension.to_ascii_lowercase()),
            ))
        }
    }
}

fn parse_text(path: &str, text: &str) -> Outcome {
    let Some(kind) = Kind::of_path(path) else {
        return Outcome::Problem(whole_file(Code::YamlSyntax, "not a manifest file", ""));
    };
    if kind == Kind::Lock {
        return Outcome::Lock;
    }
    if is_blank(text) && kind == Kind::Config {
        // `distrib.yaml` may be a bare marker: every setting has a default.
        return Outcome::Config(Box::default());
    }
    if is_blank(text) {
        let stem = super::stem_of(path);
        return Outcome::Problem(whole_file(
            Code::FileEmpty,
            "file is empty",
            &format!(
                "write the {} here, starting with `name: {stem}`, or delete the file",
                kind.as_str()
            ),
        ));
    }
    let result = match kind {
        Kind::Config => from_str::<Config>(text).map(|v| Outcome::Config(Box::new(v))),
        Kind::Product => from_str::<Product>(text).map(|v| Outcome::Product(Box::new(v))),
        Kind::Distribution => {
            from_str::<Distribution>(text).map(|v| Outcome::Distribution(Box::new(v)))
        }
        Kind::Environment => {
            from_str::<Environment>(text).map(|v| Outcome::Environment(Box::new(v)))
        }
        Kind::Deployment => from_str::<Deployment>(text).map(|v| Outcome::Deployment(Box::new(v))),
        Kind::Lock => return Outcome::Lock,
    };
    result.unwrap_or_else(|error| Outcome::Problem(problem_of(&error, kind)))
}

/// YAML breaks lines at CR, LF and CRLF; everything after the parser (positions, snippets,
/// the blank test) counts LF. A lone CR becomes LF: the same length, so every offset still
/// points at the same byte of the file.
fn lone_cr_to_lf(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut bytes = text.into_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

fn is_blank(text: &str) -> bool {
    text.split(['\n', '\r']).all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---" || line == "..."
    })
}

fn whole_file(code: Code, message: &str, help: &str) -> Problem {
    Problem {
        code,
        message: message.into(),
        help: help.into(),
        position: None,
        label: String::new(),
    }
}

/// Limits that make a hostile file (an alias bomb, deep nesting) fail fast in bounded memory.
fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    // Recipes keep `.nan` and `.inf` as the text written, like every other scalar.
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    options.alias_limits.max_total_replayed_events = 100_000;
    options.alias_limits.max_replay_stack_depth = 32;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 64;
    budget.max_nodes = 1_000_000;
    options.budget = Some(budget);
    options
}

fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_saphyr::Error> {
    // Recipes and variables read some scalars from the source as written.
    super::span::with_source(text, || {
        serde_saphyr::from_str_with_options(text, options())
    })
}

/// Our message and fix for one parser error. The parser's wording is matched here and nowhere
/// else, so a change of YAML library changes only this function.
fn problem_of(error: &serde_saphyr::Error, kind: Kind) -> Problem {
    let position = error
        .location()
        .filter(|location| location.line() > 0)
        .map(|location| (location.line() as usize, location.column() as usize));
    let full = error.to_string();
    let text = strip_position(&full);
    let problem = |code, message: String, help: String, label: &str| Problem {
        code,
        message,
        help,
        position,
        label: label.into(),
    };
    if let Some(rest) = text.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|s| s.trim_matches('`'))
            .filter(|s| !s.is_empty())
            .collect();
        let help = match closest(field, &expected) {
            Some(close) => format!("did you mean `{close}`?"),
            None if expected.is_empty() => "remove it".into(),
            None => format!("remove it; the fields here are {}", quote_list(&expected)),
        };
        return problem(
            Code::UnknownField,
            format!("unknown field `{field}` in {}", kind.as_str()),
            help,
            "unknown field",
        );
    }
    if let Some(rest) = text.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return problem(
            Code::MissingField,
            format!("missing field `{field}` in {}", kind.as_str()),
            format!(
                "add `{field}:`; `distrib schema {}` lists every field",
                kind.as_str()
            ),
            "in this mapping",
        );
    }
    if let Some(rest) = text.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return problem(
            Code::DuplicateKey,
            format!("duplicate key `{key}`"),
            "keep one of the two entries: YAML readers disagree on which one wins".into(),
            "written a second time here",
        );
    }
    if let Some(rest) = text.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .split(", ")
            .collect();
        let help = match closest(value, &expected) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("use one of {}", quote_list(&expected)),
        };
        return problem(
            Code::InvalidValue,
            format!("invalid value `{value}`"),
            help,
            "not allowed here",
        );
    }
    if text.contains("untagged enum Requirement") {
        return problem(
            Code::InvalidValue,
            "invalid dependency: expected a requirement or `{ version, platforms }`".into(),
            "write a semver requirement such as `\">=27\"` or `\"*\"`, or `{ version: \"*\", platforms: [\"!osx*\"] }` for a dependency on some platforms only".into(),
            "here",
        );
    }
    if let Some(found) = text.strip_prefix("invalid type: ").and_then(|rest| {
        rest.strip_suffix(&format!(", expected {}", super::model::RECIPE_EXPECTED))
    }) {
        let found = if found == "sequence" {
            "a list"
        } else {
            "a single value"
        };
        return problem(
            Code::InvalidValue,
            format!("`build` is {found}: a recipe is a mapping"),
            "write the recipe as a mapping of its fields, e.g. `build: { script: \"make install\" }`".into(),
            "not a mapping",
        );
    }
    if text.starts_with("cannot deserialize null into string") {
        return problem(
            Code::InvalidValue,
            "missing value: expected a string".into(),
            "write a value after the colon, or remove the key".into(),
            "no value",
        );
    }
    if text.starts_with("invalid type")
        || text.starts_with("expected ")
        || text.starts_with("invalid value")
        || text.starts_with("externally tagged enum expected")
    {
        let text = match text {
            // A field whose value is one word of a fixed set (`type: [internal]`).
            "externally tagged enum expected scalar or mapping" => "expected one word",
            "expected sequence start" => "expected a list",
            "expected mapping start" => "expected a mapping",
            "expected string scalar" => "expected a string",
            other => other,
        };
        return problem(
            Code::InvalidValue,
            format!("wrong type: {text}"),
            format!(
                "`distrib schema {}` shows the type of every field",
                kind.as_str()
            ),
            "wrong type",
        );
    }
    if text.starts_with("non-finite float") {
        return problem(
            Code::InvalidValue,
            format!("invalid value: {text}"),
            "quote the value to keep it as text, e.g. `\".nan\"`".into(),
            "not a finite number",
        );
    }
    if text.contains("unknown anchor") {
        return problem(
            Code::YamlSyntax,
            format!("invalid YAML: {text}"),
            "define the anchor (`&name`) before the alias (`*name`) that uses it".into(),
            "alias",
        );
    }
    if text.contains("budget")
        || text.contains("alias")
        || text.contains("limit")
        || text.contains("depth")
    {
        return problem(
            Code::FileTooLarge,
            format!("file exceeds a parsing limit: {text}"),
            "a manifest needs neither deep nesting nor repeated alias expansion; write the values out".into(),
            "limit reached here",
        );
    }
    if text.contains("tab") {
        return problem(
            Code::YamlSyntax,
            format!("invalid YAML: {text}"),
            "indent with spaces: YAML does not allow tabs for indentation".into(),
            "tab",
        );
    }
    if text.contains("multiple YAML documents") {
        return problem(
            Code::YamlSyntax,
            "invalid YAML: more than one document in the file".into(),
            "keep one document per file: remove the second `---`".into(),
            "second document",
        );
    }
    problem(
        Code::YamlSyntax,
        format!("invalid YAML: {text}"),
        "fix the syntax at the position shown (an unclosed bracket or quote, or a misaligned key)"
            .into(),
        "here",
    )
}

fn strip_position(message: &str) -> &str {
    match message.find(" at line ") {
        Some(index) if message[index..].contains(", column ") => &message[..index],
        _ => message,
    }
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_files() {
        assert!(is_blank(""));
        assert!(is_blank("# only a comment\n---\n"));
        assert!(!is_blank("name: x\n"));
        assert!(!is_blank("# settings\rrules: {}\r"));
        assert!(is_blank("# only a comment\r\n---\r\n"));
    }

    #[test]
    fn every_line_ending_reads_the_same() {
        let expected = "# settings\nrules: { x: deny }\n";
        for text in [
            "# settings\rrules: { x: deny }\r",
            "# settings\r\nrules: { x: deny }\r\n",
        ] {
            let Outcome::Config(config) = parse_text("distrib.yaml", &lone_cr_to_lf(text.into()))
            else {
                panic!("{text:?} does not parse");
            };
            assert_eq!(config.rules.len(), 1, "{text:?}");
        }
        assert_eq!(
            lone_cr_to_lf("# settings\rrules: { x: deny }\r".into()),
            expected
        );
        assert_eq!(lone_cr_to_lf("a\r\nb\r".into()), "a\r\nb\n");
    }
}
