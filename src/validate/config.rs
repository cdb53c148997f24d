//! Rules about `distrib.yaml` itself, and the rule levels it sets.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, closest};
use crate::manifest::Manifests;
use crate::manifest::model::Level;

/// The levels `distrib.yaml` sets, by code (codes whose level is fixed are left out).
pub fn rule_levels(manifests: &Manifests) -> HashMap<Code, Level> {
    let Some(config) = &manifests.config else {
        return HashMap::new();
    };
    config
        .value
        .rules
        .iter()
        .filter_map(|(name, level)| {
            Some((
                Code::from_name(name).filter(|c| c.configurable())?,
                level.value,
            ))
        })
        .collect()
}

pub(super) fn check(manifests: &Manifests, found: &mut Vec<Diagnostic>) {
    let Some(config) = &manifests.config else {
        return;
    };
    let file = config.file;
    if let Some(mirrors) = &config.value.mirrors
        && mirrors.trim().is_empty()
    {
        found.push(
            Diagnostic::new(
                Code::InvalidValue,
                file,
                "`mirrors` is empty: the bare mirrors would be made inside the manifest repository",
            )
            .with_label(file, mirrors.span.clone(), "empty")
            .with_help("name the folder of the mirrors, or remove `mirrors:` to keep them in the user's cache folder"),
        );
    }
    // A rewrite target is fetched from like a manifest URL, and committed like one.
    for (_, to) in config.value.rewrite.iter() {
        if crate::url::has_password(to) {
            found.push(super::repositories::credentials(file, to));
        }
    }
    let names: Vec<&str> = Code::RULES.iter().map(|code| code.as_str()).collect();
    for (name, _) in config.value.rules.iter() {
        match Code::from_name(name) {
            Some(code) if code.configurable() => {}
            Some(code) if !code.is_rule() => found.push(
                Diagnostic::new(
                    Code::RuleUnknown,
                    file,
                    format!("`{code}` is an operation's error, not a rule"),
                )
                .with_label(file, name.span.clone(), "not a rule")
                .with_help(
                    "remove this line: an operation's errors have no level; `rules:` sets the levels of the codes in the README's Rules table",
                ),
            ),
            Some(code) => found.push(
                Diagnostic::new(
                    Code::RuleUnknown,
                    file,
                    format!("the level of `{code}` cannot be changed"),
                )
                .with_label(file, name.span.clone(), "always an error")
                .with_help(
                    "remove this line: a file that cannot be read must be fixed, not allowed",
                ),
            ),
            None => found.push(
                Diagnostic::new(Code::RuleUnknown, file, format!("unknown rule `{name}`"))
                    .with_label(file, name.span.clone(), "no rule has this code")
                    .with_help(match closest(name, &names) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "the README lists every rule code".into(),
                    }),
            ),
        }
    }
}
