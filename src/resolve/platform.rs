//! Platform names and the patterns dependencies hold on: what a valid one is, and the finite
//! set of platform classes the patterns in use tell apart, so that a rule can be evaluated on
//! "every platform" exactly, one representative per class.

use std::collections::{BTreeSet, HashMap, VecDeque};

/// The characters of a platform name (`linux-x86_64`, `slc9_x86-64`, `osx_arm64`).
fn is_platform_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')
}

/// Why `name` cannot be a platform (`--platform`, a distribution's `platform` and
/// `platforms`), if it cannot.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a platform name cannot be empty".into());
    }
    if let Some(c) = name.chars().find(|&c| !is_platform_char(c)) {
        let shown = if c.is_control() || c.is_whitespace() {
            format!("{:?}", c).trim_matches('\'').to_owned()
        } else {
            c.to_string()
        };
        return Some(format!(
            "`{shown}` cannot be in a platform name: use letters, digits, `.`, `_`, `+` and `-`"
        ));
    }
    None
}

/// Why `pattern` cannot be a platform pattern of a dependency, if it cannot: a platform name
/// in which `*` matches any text, with an optional leading `!`.
pub fn pattern_problem(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('!').unwrap_or(pattern);
    if body.is_empty() {
        return Some(if pattern.is_empty() {
            "an empty pattern matches no platform".into()
        } else {
            "`!` alone excludes nothing: write `!` before a pattern, such as `!osx*`".into()
        });
    }
    if let Some(c) = body.chars().find(|&c| c != '*' && !is_platform_char(c)) {
        let shown = format!("{c:?}");
        let shown = shown.trim_matches('\'');
        return Some(if c == '!' {
            "`!` may only start a pattern".into()
        } else {
            format!(
                "`{shown}` is not part of a platform pattern: only `*` (any text) and a leading `!` are special"
            )
        });
    }
    None
}

/// How many joint states [`representatives`] explores at most: patterns are few and short in
/// practice, and past this the classes found so far are kept.
const STATES: usize = 4096;

/// One platform name per class of platforms that `patterns` (written without `!`) tell apart:
/// two platforms are in one class when every pattern matches both or neither. The shortest
/// name of each class, the classes in order of their names' length. With no pattern, one class.
pub fn representatives(patterns: &[&str]) -> Vec<String> {
    let patterns: Vec<Vec<char>> = patterns
        .iter()
        .map(|p| p.chars().collect::<Vec<char>>())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut alphabet: BTreeSet<char> = patterns.iter().flatten().copied().collect();
    alphabet.remove(&'*');
    // One more character stands for every character no pattern names.
    if let Some(other) = "xyzqjkw0123456789abcdefghilmnoprstuv"
        .chars()
        .find(|c| !alphabet.contains(c))
    {
        alphabet.insert(other);
    }
    let closure = |pattern: &[char], mut states: BTreeSet<usize>| {
        let mut stack: Vec<usize> = states.iter().copied().collect();
        while let Some(i) = stack.pop() {
            if pattern.get(i) == Some(&'*') && states.insert(i + 1) {
                stack.push(i + 1);
            }
        }
        states
    };
    let start: Vec<BTreeSet<usize>> = patterns
        .iter()
        .map(|p| closure(p, BTreeSet::from([0])))
        .collect();
    let accepts = |state: &[BTreeSet<usize>]| -> Vec<bool> {
        state
            .iter()
            .zip(&patterns)
            .map(|(s, p)| s.contains(&p.len()))
            .collect()
    };
    let mut seen: HashMap<Vec<BTreeSet<usize>>, ()> = HashMap::new();
    let mut classes: Vec<(Vec<bool>, String)> = Vec::new();
    let mut queue = VecDeque::from([(start, String::new())]);
    while let Some((state, name)) = queue.pop_front() {
        if seen.len() >= STATES {
            break;
        }
        for &c in &alphabet {
            let next: Vec<BTreeSet<usize>> = state
                .iter()
                .zip(&patterns)
                .map(|(states, p)| {
                    let moved = states
                        .iter()
                        .filter_map(|&i| match p.get(i) {
                            Some('*') => Some(i),
                            Some(&x) if x == c => Some(i + 1),
                            _ => None,
                        })
                        .collect();
                    closure(p, moved)
                })
                .collect();
            if seen.insert(next.clone(), ()).is_some() {
                continue;
            }
            let mut longer = name.clone();
            longer.push(c);
            let vector = accepts(&next);
            if !classes.iter().any(|(v, _)| *v == vector) {
                classes.push((vector, longer.clone()));
            }
            queue.push_back((next, longer));
        }
    }
    classes.into_iter().map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::model::{ConditionalRequirement, Requirement};

    #[test]
    fn names_and_patterns() {
        assert_eq!(name_problem("slc9_x86-64"), None);
        assert!(name_problem("").is_some());
        assert!(name_problem("a b").unwrap().contains("` `"));
        assert!(name_problem("a\u{1b}b").is_some());
        for good in ["osx*", "!osx*", "*", "*_x86-64", "linux-*-gnu"] {
            assert_eq!(pattern_problem(good), None, "{good}");
        }
        for bad in ["", "!", "[", "osx[0-9]", "a!b", "!!osx", "osx?", "a b"] {
            assert!(pattern_problem(bad).is_some(), "{bad}");
        }
    }

    /// Every class the patterns tell apart has a representative, and no two representatives
    /// are in one class.
    #[test]
    fn one_representative_per_class() {
        assert_eq!(representatives(&[]).len(), 1);
        let classes = representatives(&["osx*"]);
        assert_eq!(classes.len(), 2, "{classes:?}");
        assert!(classes.contains(&"osx".to_owned()), "{classes:?}");
        // `osx*` and `*arm64`: four classes, one of them both (`osxarm64`).
        let classes = representatives(&["osx*", "*arm64"]);
        assert_eq!(classes.len(), 4, "{classes:?}");
        let holds = |patterns: &[&str], platform: &str| {
            Requirement::Conditional(ConditionalRequirement {
                version: "*".into(),
                platforms: patterns.iter().map(|p| p.to_string()).collect(),
            })
            .holds_on(platform)
        };
        assert!(
            classes
                .iter()
                .any(|c| holds(&["osx*"], c) && holds(&["*arm64"], c))
        );
        // `osx*` and `!osx*` never hold together: no class has both.
        let classes = representatives(&["osx*"]);
        assert!(
            !classes
                .iter()
                .any(|c| holds(&["osx*"], c) && holds(&["!osx*"], c))
        );
        for class in representatives(&["a*", "*b", "a*b*c", "x"]) {
            assert_eq!(name_problem(&class), None, "{class}");
        }
    }
}
