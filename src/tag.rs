//! Release tags and release branches (DMTN-106 §2.5, §4.2, §4.4, §4.7): which tag each
//! repository of a release carries, decided when the release is locked, and the plan of
//! `distrib tag` and `distrib branch`: each repository classified from what its origin holds,
//! before anything is written.

use std::collections::BTreeMap;

use crate::lock::{LockedTag, Lockfile, ReleaseKind};
use crate::manifest::model::Naming;

/// The tag template of `kind`: `naming.tag.<kind>`, else DMTN-106's default. Nightly and
/// manual releases make no tag unless a template is given (§4.2).
pub fn template(naming: &Naming, kind: ReleaseKind) -> Option<String> {
    let configured = naming.tag.as_ref().and_then(|t| match kind {
        ReleaseKind::Nightly => t.nightly.as_ref(),
        ReleaseKind::Weekly => t.weekly.as_ref(),
        ReleaseKind::Manual => t.manual.as_ref(),
        ReleaseKind::Candidate => t.candidate.as_ref(),
        ReleaseKind::Final => t.final_.as_ref(),
        ReleaseKind::Patch => t.patch.as_ref(),
    });
    if let Some(template) = configured {
        return Some(template.value.clone());
    }
    match kind {
        ReleaseKind::Nightly | ReleaseKind::Manual => None,
        ReleaseKind::Weekly => Some("w.%G.%V".into()),
        // A patch lock is a candidate of the patch version; its final is a `final` lock.
        ReleaseKind::Candidate | ReleaseKind::Patch => Some("{version}.rc{rc}".into()),
        ReleaseKind::Final => Some("{version}".into()),
    }
}

/// The message of the tag `name` of `lock`.
pub fn message(name: &str, lock: &Lockfile) -> String {
    let digest = lock
        .content
        .strip_prefix("sha256:")
        .unwrap_or(&lock.content);
    format!(
        "Version {name} release from {} {} (build b{}, lock {})",
        lock.distribution,
        lock.release,
        lock.build,
        &digest[..digest.len().min(12)]
    )
}

/// Whether an annotated tag's message is that of a release tag distrib makes.
pub fn is_release_message(message: &str) -> bool {
    message.starts_with("Version ") && message.contains(" release from ")
}

/// Why a tag cannot be recorded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("the tag `{name}` of `{product}` is not a valid git ref name")]
    InvalidName { product: String, name: String },
    #[error(
        "`{url}` is recorded at two commits (`{first}` and `{second}`): one tag cannot point at both"
    )]
    TwoCommits {
        url: String,
        first: String,
        second: String,
    },
}

/// One tag per repository of the lock: `name` (the expanded template), after the product's
/// `tag_prefix` (from `prefix_of`). Repositories shared by products get one tag.
pub fn planned(
    lock: &Lockfile,
    name: &str,
    prefix_of: impl Fn(&str) -> Option<String>,
) -> Result<Vec<LockedTag>, PlanError> {
    let mut tags: BTreeMap<(String, String), LockedTag> = BTreeMap::new();
    for product in &lock.products {
        let full = format!("{}{name}", prefix_of(&product.name).unwrap_or_default());
        if !crate::git::valid_tag_name(&full) {
            return Err(PlanError::InvalidName {
                product: product.name.clone(),
                name: full,
            });
        }
        for repository in &product.repositories {
            let key = (repository.url.clone(), full.clone());
            if let Some(existing) = tags.get(&key) {
                if existing.commit != repository.commit {
                    return Err(PlanError::TwoCommits {
                        url: repository.url.clone(),
                        first: existing.commit.clone(),
                        second: repository.commit.clone(),
                    });
                }
                continue;
            }
            tags.insert(
                key,
                LockedTag {
                    url: repository.url.clone(),
                    message: message(&full, lock),
                    name: full.clone(),
                    commit: repository.commit.clone(),
                },
            );
        }
    }
    for companion in &lock.companions {
        let full = format!("{}{name}", prefix_of(&companion.name).unwrap_or_default());
        if !crate::git::valid_tag_name(&full) {
            return Err(PlanError::InvalidName {
                product: companion.name.clone(),
                name: full,
            });
        }
        tags.entry((companion.url.clone(), full.clone()))
            .or_insert_with(|| LockedTag {
                url: companion.url.clone(),
                message: message(&full, lock),
                name: full.clone(),
                commit: companion.commit.clone(),
            });
    }
    Ok(tags.into_values().collect())
}

/// What the origin has under a ref name, as `git ls-remote` says it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteRef {
    /// The object the ref points at: a tag object for an annotated tag, else a commit.
    pub object: String,
    /// The commit an annotated tag points at (`^{}`), when it is one.
    pub peeled: Option<String>,
}

impl RemoteRef {
    /// The commit the ref names.
    pub fn commit(&self) -> &str {
        self.peeled.as_deref().unwrap_or(&self.object)
    }
}

/// Where one repository stands, from what its origin has under the ref's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The origin has no such ref: it is to be created.
    Create,
    /// The origin has it at the wanted commit. `note` says what differs and is left as it
    /// is (an annotated tag with another message, a lightweight tag).
    InSync { note: Option<String> },
    /// The origin has it at another commit.
    Conflict { commit: String },
    /// The origin could not be read.
    Unreachable { reason: String, help: String },
}

impl State {
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Create => "create",
            State::InSync { .. } => "in-sync",
            State::Conflict { .. } => "conflict",
            State::Unreachable { .. } => "unreachable",
        }
    }
}

/// The state of a repository whose ref should name `commit`, given the origin's ref (or
/// `None`). `message_of` reads an annotated tag's message, when the object is at hand.
pub fn classify(
    commit: &str,
    remote: Option<&RemoteRef>,
    message: Option<&str>,
    message_of: impl Fn(&str) -> Option<String>,
) -> State {
    let Some(remote) = remote else {
        return State::Create;
    };
    if remote.commit() != commit {
        return State::Conflict {
            commit: remote.commit().to_owned(),
        };
    }
    let note = match (message, &remote.peeled) {
        (Some(_), None) => Some("a lightweight tag, left as it is".to_owned()),
        (Some(wanted), Some(_)) => message_of(&remote.object)
            .filter(|found| found.trim_end() != wanted.trim_end())
            .map(|found| {
                format!(
                    "an annotated tag with another message (`{}`), left as it is",
                    found.lines().next().unwrap_or_default()
                )
            }),
        (None, _) => None,
    };
    State::InSync { note }
}

/// How many repositories are in each state.
pub fn counts<'a>(states: impl IntoIterator<Item = &'a State>) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for state in states {
        *counts.entry(state.as_str()).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> Lockfile {
        let mut lock = crate::lock::tests::sample();
        lock.products[1].repositories = lock.products[0].repositories.clone();
        lock.products[1].repositories[0].url = "https://github.com/lsst/afw".into();
        lock
    }

    #[test]
    fn defaults_follow_dmtn_106() {
        let naming = Naming::default();
        assert_eq!(template(&naming, ReleaseKind::Nightly), None);
        assert_eq!(template(&naming, ReleaseKind::Manual), None);
        assert_eq!(
            template(&naming, ReleaseKind::Weekly).as_deref(),
            Some("w.%G.%V")
        );
        assert_eq!(
            template(&naming, ReleaseKind::Final).as_deref(),
            Some("{version}")
        );
    }

    #[test]
    fn one_tag_per_repository_with_the_product_prefix() {
        let lock = lock();
        let tags = planned(&lock, "29.0.0", |p| (p == "afw").then(|| "v".into())).unwrap();
        let names: Vec<(&str, &str)> = tags
            .iter()
            .map(|t| (t.url.as_str(), t.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("https://github.com/lsst/afw", "v29.0.0"),
                ("https://github.com/lsst/utils", "29.0.0")
            ]
        );
        assert!(
            tags[0].message.starts_with(
                "Version v29.0.0 release from lsst_distrib w.2026.47 (build b12, lock "
            ),
            "{}",
            tags[0].message
        );
        assert!(matches!(
            planned(&lock, "29.0.0", |_| Some("bad~".into())),
            Err(PlanError::InvalidName { name, .. }) if name == "bad~29.0.0"
        ));
    }

    #[test]
    fn a_repository_at_two_commits_cannot_take_one_tag() {
        let mut lock = lock();
        lock.products[1].repositories[0].url = lock.products[0].repositories[0].url.clone();
        lock.products[1].repositories[0].commit = "3".repeat(40);
        assert!(matches!(
            planned(&lock, "x", |_| None),
            Err(PlanError::TwoCommits { .. })
        ));
    }

    #[test]
    fn classification() {
        let commit = "a".repeat(40);
        let other = "b".repeat(40);
        let annotated = RemoteRef {
            object: "t".repeat(40),
            peeled: Some(commit.clone()),
        };
        let none = |_: &str| None;
        assert_eq!(classify(&commit, None, Some("m"), none), State::Create);
        assert_eq!(
            classify(&commit, Some(&annotated), Some("m"), |_| Some("m\n".into())),
            State::InSync { note: None }
        );
        let State::InSync { note: Some(note) } =
            classify(&commit, Some(&annotated), Some("m"), |_| {
                Some("other".into())
            })
        else {
            panic!("in sync, with a note")
        };
        assert!(note.contains("another message (`other`)"), "{note}");
        let light = RemoteRef {
            object: commit.clone(),
            peeled: None,
        };
        assert!(matches!(
            classify(&commit, Some(&light), Some("m"), none),
            State::InSync { note: Some(_) }
        ));
        assert_eq!(
            classify(&commit, Some(&light), None, none),
            State::InSync { note: None },
            "a branch"
        );
        assert_eq!(
            classify(&other, Some(&annotated), Some("m"), none),
            State::Conflict { commit }
        );
    }
}
