//! Naming templates: strftime codes of the release date and `{placeholders}`, each checked
//! against what the release kind can fill in.

use std::collections::HashSet;

use super::Lookup;
use super::ProductIndex;
use crate::diagnostic::{Code, Diagnostic};
use crate::manifest::model::Distribution;
use crate::manifest::span::Node;
use crate::manifest::{Loaded, Manifests};
use crate::naming::{Token, scan, scan_at};

/// The built-in placeholders each kind knows, and whether dates apply.
fn builtins(kind: &str) -> (&'static [&'static str], bool) {
    // `tag.<kind>`: the tag of that kind of release knows what its name knows.
    let kind = match kind.strip_prefix("tag.") {
        Some("patch") => "candidate",
        Some(kind) => kind,
        None => kind,
    };
    match kind {
        "nightly" | "weekly" | "manual" => (&["build"], true),
        "candidate" => (&["version", "major", "minor", "patch", "rc", "build"], true),
        "final" => (&["version", "major", "minor", "patch", "build"], true),
        "branch" => (&["version", "major", "minor", "patch"], false),
        // A build's name is made from its lock alone, wherever it is shown.
        "build" => (&crate::naming::BUILD_PLACEHOLDERS, false),
        _ => (&["build"], false),
    }
}

/// `members` gives the products every lock of the distribution holds (`{Product}` is their
/// version), as a membership table: computed only when a template may name a product.
pub(super) fn check(
    distribution: &Loaded<Distribution>,
    manifests: &Manifests,
    products: &ProductIndex,
    members: &dyn Fn() -> Vec<bool>,
    found: &mut Vec<Diagnostic>,
) {
    let naming = &distribution.value.naming;
    let tags = naming.tag.clone().unwrap_or_default();
    let templates = [
        ("tag.nightly", &tags.nightly),
        ("tag.weekly", &tags.weekly),
        ("tag.manual", &tags.manual),
        ("tag.candidate", &tags.candidate),
        ("tag.final", &tags.final_),
        ("tag.patch", &tags.patch),
        ("nightly", &naming.nightly),
        ("weekly", &naming.weekly),
        ("manual", &naming.manual),
        ("candidate", &naming.candidate),
        ("final", &naming.final_),
        ("branch", &naming.branch),
        ("build", &naming.build),
    ];
    install(distribution, found);
    if templates.iter().all(|(_, t)| t.is_none()) {
        return;
    }
    // The closure is computed only when a template names something that may be a product.
    let mut closure: Option<Vec<bool>> = None;
    let mut in_closure = |name: &str| match products.lookup(name) {
        Lookup::Name(index) | Lookup::Alias(index) => closure.get_or_insert_with(members)[index],
        Lookup::Unknown => false,
    };
    let variables: HashSet<&str> = distribution
        .value
        .variables
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    for (kind, template) in templates {
        let Some(template) = template else { continue };
        let (known, dates) = builtins(kind);
        // A release branch exists before any lock: no product has a version for it yet; a
        // build name is the same wherever it is shown, with or without the products.
        let with_products = kind != "branch" && kind != "build";
        let variables = if kind == "build" {
            HashSet::new()
        } else {
            variables.clone()
        };
        if template.trim().is_empty() {
            found.push(
                Diagnostic::new(
                    Code::TemplateInvalid,
                    distribution.file,
                    format!("the {kind} name template is empty, so every {kind} release would have no name"),
                )
                .with_label(distribution.file, template.span.clone(), "empty")
                .with_help(format!(
                    "write a template, or remove `{kind}:` to use the default; {}",
                    help(kind, known, dates, &variables)
                )),
            );
            continue;
        }
        let tokens = scan(template);
        if kind == "build" && !tokens.contains(&Token::Placeholder("build")) {
            found.push(
                Diagnostic::new(
                    Code::TemplateInvalid,
                    distribution.file,
                    "the build name template has no `{build}`, so two builds would have one name",
                )
                .with_label(distribution.file, template.span.clone(), "here")
                .with_help("add `{build}`, as DMTN-106 §3.3.2 names builds: `b{build}` or `{version}-b{build}`"),
            );
        }
        if kind == "candidate" && !tokens.contains(&Token::Placeholder("rc")) {
            found.push(
                Diagnostic::new(
                    Code::TemplateInvalid,
                    distribution.file,
                    "the candidate name template has no `{rc}`, so two candidates of one version would have one name",
                )
                .with_label(distribution.file, template.span.clone(), "here")
                .with_help("add `{rc}`, as DMTN-106 names candidates: `{version}.rc{rc}`"),
            );
        }
        // A template is one line: its first problems say what to fix, and a template of
        // thousands of stray braces is reported a few times, not thousands.
        let mut reported = 0;
        for (offset, problem) in scan_at(template) {
            if reported == MAX_PER_TEMPLATE {
                break;
            }
            let message = match problem {
                Token::Placeholder(name)
                    if known.contains(&name)
                        || variables.contains(name)
                        || (with_products && in_closure(name)) =>
                {
                    continue;
                }
                Token::Date(_) if dates => continue,
                Token::Literal(text) if !(text.contains(['/', '\\']) || text.contains("..")) => {
                    continue;
                }
                Token::Literal(text) => {
                    format!(
                        "`{text}` in the {kind} name template: a release name must not contain `/`, `\\` or `..`"
                    )
                }
                Token::Placeholder(name) if with_products && products.index_of(name).is_some() => {
                    format!(
                        "placeholder `{{{name}}}` in the {kind} name template names a product that not every lock of `{}` holds",
                        distribution.value.name
                    )
                }
                Token::Placeholder(name) => {
                    format!("unknown placeholder `{{{name}}}` in the {kind} name template")
                }
                Token::Date(code) => {
                    format!("date code `%{code}` in the {kind} name template, which has no date")
                }
                Token::BadDate(code) => {
                    format!("unknown date code `%{code}` in the {kind} name template")
                }
                Token::Unclosed => format!("unclosed `{{` in the {kind} name template"),
                Token::StrayClose => {
                    format!("a `}}` that closes no `{{` in the {kind} name template")
                }
                Token::TrailingPercent => format!(
                    "the {kind} name template ends with `%`, which starts a date code and has none after it"
                ),
            };
            let length = match problem {
                Token::Placeholder(name) => name.len() + 2,
                Token::Date(code) | Token::BadDate(code) => 1 + code.len_utf8(),
                Token::Unclosed => template.len() - offset,
                Token::Literal(text) => text.len(),
                Token::StrayClose | Token::TrailingPercent => 1,
            };
            let mut advice = match problem {
                Token::StrayClose => format!(
                    "remove the `}}`, or open its placeholder with `{{`; {}",
                    help(kind, known, dates, &variables)
                ),
                Token::TrailingPercent => format!(
                    "write the date code after it (`%Y`...), or remove it: a name cannot hold a `%`; {}",
                    help(kind, known, dates, &variables)
                ),
                _ => help(kind, known, dates, &variables),
            };
            if let Token::Placeholder(name) = problem {
                let members = members();
                let candidates: Vec<&str> = known
                    .iter()
                    .copied()
                    .chain(variables.iter().copied())
                    .chain(
                        manifests
                            .products
                            .iter()
                            .zip(&members)
                            .filter(|(_, member)| **member)
                            .map(|(p, _)| p.value.name.as_str()),
                    )
                    .collect();
                if let Some(close) = crate::diagnostic::closest(name, &candidates) {
                    advice = format!("did you mean `{{{close}}}`? {advice}");
                }
            }
            reported += 1;
            found.push(
                Diagnostic::new(Code::TemplateInvalid, distribution.file, message)
                    .with_label(
                        distribution.file,
                        sub_span(template, offset, length),
                        "here",
                    )
                    .with_help(advice),
            );
        }
    }
}

/// The problems reported of one template, at most.
const MAX_PER_TEMPLATE: usize = 3;

/// What install instructions may name.
const INSTALL: [&str; 4] = ["release", "distribution", "build", "platform"];

/// `install`: free Markdown, whose `{placeholders}` must be known.
fn install(distribution: &Loaded<Distribution>, found: &mut Vec<Diagnostic>) {
    let Some(text) = &distribution.value.install else {
        return;
    };
    let variables: Vec<&str> = distribution
        .value
        .variables
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    for offset in crate::naming::unclosed_placeholders(text) {
        let name: String = text[offset + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "_.+-".contains(*c))
            .collect();
        // A block scalar's text does not start where its node does: label the whole node then.
        let span = text
            .span
            .clone()
            .filter(|s| s.end - s.start <= text.len() + 2 && s.end - s.start >= text.len());
        let quoted = span
            .as_ref()
            .map_or(0, |s| usize::from(s.end - s.start >= text.len() + 2));
        let label = span
            .map(|s| s.start + quoted + offset..s.start + quoted + offset + 1 + name.len())
            .or_else(|| text.span.clone());
        found.push(
            Diagnostic::new(
                Code::TemplateInvalid,
                distribution.file,
                format!("unclosed `{{{name}` in the install instructions: it is left as it is, not filled in"),
            )
            .with_label(distribution.file, label, "no `}` after this")
            .with_help(format!("close it: `{{{name}}}`; write `{{{{` for a literal brace")),
        );
    }
    for name in crate::naming::placeholders(text) {
        if INSTALL.contains(&name) || variables.contains(&name) {
            continue;
        }
        let known: Vec<String> = INSTALL
            .iter()
            .chain(&variables)
            .map(|k| format!("`{{{k}}}`"))
            .collect();
        found.push(
            Diagnostic::new(
                Code::TemplateInvalid,
                distribution.file,
                format!("unknown placeholder `{{{name}}}` in the install instructions"),
            )
            .with_label(distribution.file, text.span.clone(), "here")
            .with_help(format!("install instructions may use {}", known.join(", "))),
        );
    }
}

fn help(kind: &str, known: &[&str], dates: bool, variables: &HashSet<&str>) -> String {
    let mut parts: Vec<String> = known.iter().map(|k| format!("`{{{k}}}`")).collect();
    let mut variables: Vec<&&str> = variables.iter().collect();
    variables.sort();
    parts.extend(variables.iter().map(|v| format!("`{{{v}}}`")));
    let mut help = format!("a {kind} name may use {}", parts.join(", "));
    help.push_str(", `{Product}` for the version of a product of the distribution");
    if dates {
        help.push_str(", and strftime codes such as `%Y`, `%m`, `%d`, `%G`, `%V`, `%H%M`");
    }
    help.push_str("; declare new variables under `variables`");
    help
}

/// The span of the `length` bytes at `offset` inside the template's node, or the whole node.
fn sub_span(
    template: &Node<String>,
    offset: usize,
    length: usize,
) -> Option<std::ops::Range<usize>> {
    let span = template.span.clone()?;
    // Plain and quoted scalars without escapes start their text one quote in at most.
    let len = span.end - span.start;
    let quoted = usize::from(len >= template.len() + 2);
    Some(span.start + quoted + offset..span.start + quoted + offset + length)
}
