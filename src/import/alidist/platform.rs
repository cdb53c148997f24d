//! alidist's platform conditions (`GCC-Toolchain:(?!osx)`: a Python regular expression that
//! `re.match` tries at the start of the architecture name) turned into distrib's platform
//! patterns. Only the forms whose meaning globs can say exactly are translated; anything else
//! is refused, never approximated.

/// Where a dependency holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// On every platform (no condition, `.*`).
    Always,
    /// On the platforms these distrib patterns select (`!osx*`: all but macOS).
    Platforms(Vec<String>),
}

/// The distrib patterns exactly equivalent to `re.match(regex, architecture)`, or `None` when
/// the expression uses something globs cannot say (a single-character `.`, a class, a
/// quantifier in the middle of a name, nested groups...).
///
/// The forms understood: `A|B` and `(A|B)` (the dependency holds where one matches), `(?!A|B)`
/// (it holds where none does), where each alternative is literal text with `.*` anywhere and a
/// `c*` only at its end. `re.match` anchors at the start only, so every alternative is a prefix:
/// `osx` becomes `osx*`, `.*aarch64` becomes `*aarch64*`, and a trailing `x*` (zero or more
/// `x`) is dropped, since what follows the prefix is free anyway: `(?!osx*)` is `!os*`.
pub fn translate(regex: &str) -> Option<Condition> {
    if let Some(inner) = regex
        .strip_prefix("(?!")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let globs = alternatives(inner)?;
        return Some(Condition::Platforms(
            globs.into_iter().map(|g| format!("!{g}")).collect(),
        ));
    }
    let inner = regex
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .filter(|inner| !inner.starts_with('?'))
        .unwrap_or(regex);
    let globs = alternatives(inner)?;
    if globs.iter().any(|g| g == "*") {
        return Some(Condition::Always);
    }
    Some(Condition::Platforms(globs))
}

/// Each alternative of `A|B|C` as a glob, or `None` when one has no exact glob.
fn alternatives(text: &str) -> Option<Vec<String>> {
    text.split('|').map(prefix_glob).collect()
}

/// The glob matching exactly the names that start with a text the alternative matches.
fn prefix_glob(alternative: &str) -> Option<String> {
    let chars: Vec<char> = alternative.chars().collect();
    let mut glob = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starred = chars.get(i + 1) == Some(&'*');
        match c {
            '.' if starred => {
                glob.push('*');
                i += 2;
                continue;
            }
            '\\' => {
                let escaped = *chars.get(i + 1)?;
                if !matches!(escaped, '.' | '-' | '_' | '+') || chars.get(i + 2) == Some(&'*') {
                    return None;
                }
                glob.push(escaped);
                i += 2;
                continue;
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => {
                if starred {
                    // `c*` may match nothing: at the end it adds nothing to a prefix; inside,
                    // a glob cannot say "any number of `c`".
                    if i + 2 == chars.len() {
                        break;
                    }
                    return None;
                }
                glob.push(c);
            }
            _ => return None,
        }
        i += 1;
    }
    if glob.is_empty() {
        // An empty alternative matches every name: `(?!)` would hold nowhere.
        return Some("*".into());
    }
    glob.push('*');
    while glob.contains("**") {
        glob = glob.replace("**", "*");
    }
    Some(glob)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::model::{ConditionalRequirement, Requirement};

    /// Architecture names aliBuild builds for, and a few it could meet.
    const ARCHITECTURES: &[&str] = &[
        "slc5_x86-64",
        "slc6_x86-64",
        "slc7_x86-64",
        "slc8_x86-64",
        "slc9_x86-64",
        "slc9_aarch64",
        "slc7_ppc64le",
        "ubuntu1804_x86-64",
        "ubuntu2004_x86-64",
        "ubuntu2204_x86-64",
        "ubuntu2404_x86-64",
        "ubuntu2404_aarch64",
        "osx_x86-64",
        "osx_arm64",
        "fedora39_x86-64",
        "fedora40_aarch64",
        "alma9_x86-64",
        "os",
        "osxx_arm64",
        "oss_x86-64",
    ];

    fn holds(condition: &Condition, architecture: &str) -> bool {
        match condition {
            Condition::Always => true,
            Condition::Platforms(patterns) => Requirement::Conditional(ConditionalRequirement {
                version: "*".into(),
                platforms: patterns.clone(),
            })
            .holds_on(architecture),
        }
    }

    /// Every condition the recipes write, with the architectures (of the list above) on which
    /// Python's `re.match(regex, architecture)` matches: computed by Python, kept here.
    #[test]
    fn every_condition_of_the_recipes() {
        let table = include_str!("../../../tests/data/alidist/conditions.tsv");
        let mut rows = 0;
        for line in table
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (regex, matching) = line.split_once('\t').unwrap();
            let matching: Vec<&str> = matching.split(' ').filter(|s| !s.is_empty()).collect();
            let condition = translate(regex).unwrap_or_else(|| panic!("`{regex}` translated"));
            for architecture in ARCHITECTURES {
                assert_eq!(
                    holds(&condition, architecture),
                    matching.contains(architecture),
                    "`{regex}` on `{architecture}`: {condition:?}"
                );
            }
            rows += 1;
        }
        assert!(rows >= 15, "the table holds every condition");
    }

    #[test]
    fn forms() {
        let platforms = |p: &[&str]| {
            Some(Condition::Platforms(
                p.iter().map(|s| s.to_string()).collect(),
            ))
        };
        assert_eq!(translate("(?!osx)"), platforms(&["!osx*"]));
        assert_eq!(translate("(?!osx*)"), platforms(&["!os*"]));
        assert_eq!(
            translate("(?!osx|.*aarch64)"),
            platforms(&["!osx*", "!*aarch64*"])
        );
        assert_eq!(translate("(slc6|slc7)"), platforms(&["slc6*", "slc7*"]));
        assert_eq!(translate("slc.*x86"), platforms(&["slc*x86*"]));
        assert_eq!(translate(".*"), Some(Condition::Always));
        assert_eq!(translate(""), Some(Condition::Always));
        assert_eq!(translate("osx\\.x"), platforms(&["osx.x*"]));
        for refused in [
            "slc.",
            "[a-z]+",
            "sl*c",
            "osx$",
            "(?!(osx))",
            "(?=osx)",
            "^osx",
            "osx.+",
        ] {
            assert_eq!(translate(refused), None, "`{refused}`");
        }
    }
}
