//! The release procedure of DMTN-106 §4 and §5: what a candidate, a final or a patch is made
//! from, what it is called, and what it must be. The first candidate of a version pins exactly
//! the commits of a nightly, weekly or manual lock; candidate N takes each repository from the
//! release branch where that branch exists, else from candidate N-1; the final is its last
//! candidate, unchanged; a patch `M.n.p` starts from the final `M.n.(p-1)` and the release
//! branch. `make` resolves and writes; this module and [`make::decide`] decide.

use miette::Diagnostic;
use thiserror::Error;

use crate::lock::history::History;
use crate::lock::{LockedProduct, Lockfile, ReleaseKind};
use crate::resolve::described;

pub mod make;

/// DMTN-106 §3.3: a release is `M.n.p`, nothing more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Version {
    pub fn parse(text: &str) -> Result<Self, ReleaseError> {
        let invalid = || ReleaseError::NotSemver {
            version: text.to_owned(),
        };
        let version = semver::Version::parse(text).map_err(|_| invalid())?;
        if !version.pre.is_empty() || !version.build.is_empty() {
            return Err(invalid());
        }
        Ok(Version {
            major: version.major,
            minor: version.minor,
            patch: version.patch,
        })
    }

    /// The final a patch starts from: `M.n.(p-1)`.
    pub fn previous(self) -> Option<Version> {
        Some(Version {
            patch: self.patch.checked_sub(1)?,
            ..self
        })
    }

    /// The values the naming templates may use: `{version}`, `{major}`, `{minor}`, `{patch}`.
    pub fn value(self, key: &str) -> Option<String> {
        match key {
            "version" => Some(self.to_string()),
            "major" => Some(self.major.to_string()),
            "minor" => Some(self.minor.to_string()),
            "patch" => Some(self.patch.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum ReleaseError {
    #[error("`{text}` is not a variable source")]
    #[diagnostic(
        code("variable-source"),
        help(
            "write `@installed:DEPLOYMENT` (the version of its default release), `@newest:DISTRIBUTION` (of its newest final) or `@newest:DISTRIBUTION:KIND`; add `:VARIABLE` for a variable of that release instead of its version"
        )
    )]
    SourceSyntax { text: String },
    #[error("`{text}` names the kind `{kind}`, which is no release kind")]
    #[diagnostic(
        code("variable-source"),
        help("a kind is `nightly`, `weekly`, `manual`, `candidate`, `final` or `patch`")
    )]
    SourceKind { text: String, kind: String },
    #[error("`{text}`: no deployment `{deployment}`")]
    #[diagnostic(code("variable-source"), help("{help}"))]
    SourceDeployment {
        text: String,
        deployment: String,
        help: String,
    },
    #[error("`{text}`: the deployment `{deployment}` has no default release")]
    #[diagnostic(
        code("variable-source"),
        help(
            "make one the default (`distrib deploy set-default {deployment} RELEASE`), or pass the value itself: `--var NAME=VALUE`"
        )
    )]
    SourceNoDefault { text: String, deployment: String },
    #[error("`{text}`: the release `{release}` of `{distribution}` has no lock")]
    #[diagnostic(
        code("variable-source"),
        help("restore its lockfile, or pass the value itself: `--var NAME=VALUE`")
    )]
    SourceUnlocked {
        text: String,
        release: String,
        distribution: String,
    },
    #[error("`{text}`: `{distribution}` has no {kind} release")]
    #[diagnostic(
        code("variable-source"),
        help(
            "`distrib list {distribution}` shows its releases; name another kind (`@newest:{distribution}:weekly`) or pass the value itself"
        )
    )]
    SourceNone {
        text: String,
        distribution: String,
        kind: &'static str,
    },
    #[error("`{text}`: the release `{release}` has no variable `{variable}`")]
    #[diagnostic(
        code("variable-source"),
        help("drop `:{variable}` to take the release's version, or name one of its `variables`")
    )]
    SourceVariable {
        text: String,
        release: String,
        variable: String,
    },
    #[error("`{version}` is not a release version")]
    #[diagnostic(
        code("version-invalid"),
        help("a release is semver `M.n.p` (DMTN-106 §3.3), e.g. `17.0.0`: no `v`, no `-rc1`")
    )]
    NotSemver { version: String },
    #[error("the first candidate of {version} needs a release to start from")]
    #[diagnostic(
        code("release-from-missing"),
        help(
            "pass --from with a nightly, weekly or manual release of `{distribution}` (DMTN-106 §4.4): `distrib list {distribution}` shows them"
        )
    )]
    NoFrom {
        distribution: String,
        version: Version,
    },
    #[error("{version} already has candidates, so the next one is made from `{newest}`")]
    #[diagnostic(
        code("release-from-ignored"),
        help(
            "drop --from: candidate N comes from the release branch and candidate N-1 (DMTN-106 §4.8)"
        )
    )]
    FromIgnored { version: Version, newest: String },
    #[error("no release `{release}` of `{distribution}`")]
    #[diagnostic(code("release-unknown"), help("{help}"))]
    UnknownRelease {
        release: String,
        distribution: String,
        help: String,
    },
    #[error("`{release}` is a release of `{other}`, not of `{distribution}`")]
    #[diagnostic(
        code("release-foreign"),
        help("a release of `{distribution}` starts from a release of `{distribution}`")
    )]
    Foreign {
        release: String,
        other: String,
        distribution: String,
    },
    #[error(
        "`{release}` is a {kind} release; a first candidate starts from a nightly, weekly or manual one"
    )]
    #[diagnostic(
        code("release-from-kind"),
        help("pass the weekly the candidate is cut from (DMTN-106 §4.4)")
    )]
    FromKind { release: String, kind: &'static str },
    #[error("{version} is a patch release, so its first candidate starts from the final {base}")]
    #[diagnostic(
        code("release-from-ignored"),
        help("run `distrib release patch {distribution} {version}` (DMTN-106 §5)")
    )]
    PatchFromWeekly {
        distribution: String,
        version: Version,
        base: Version,
    },
    #[error("{version} is not a patch release: its patch level is 0")]
    #[diagnostic(
        code("version-invalid"),
        help(
            "a patch raises the last number of a released version, e.g. `{}.{}.1`; a new minor or major version starts with `distrib release candidate`",
            version.major, version.minor
        )
    )]
    NotAPatch { version: Version },
    #[error("the patch {version} starts from the final {base}, which does not exist")]
    #[diagnostic(
        code("release-base-missing"),
        help("release {base} first: `distrib release final {distribution} {base}`")
    )]
    NoBase {
        distribution: String,
        version: Version,
        base: Version,
    },
    #[error("{version} has no candidate to make the final from")]
    #[diagnostic(
        code("release-candidate-missing"),
        help(
            "make one first: `distrib release candidate {distribution} {version} --from <weekly>`"
        )
    )]
    NoCandidate {
        distribution: String,
        version: Version,
    },
    #[error("{version} is final already (`{release}`): it takes no more candidates")]
    #[diagnostic(
        code("release-exists"),
        help("a fix after a final is a patch: `distrib release patch {distribution} {next}`")
    )]
    Finalized {
        distribution: String,
        version: Version,
        release: String,
        next: Version,
    },
    #[error("`{release}` exists with other content, and a {kind} release is never rewritten")]
    #[diagnostic(
        code("release-exists"),
        help(
            "a release is immutable (DMTN-106 §2.5): make the next candidate instead, or check the naming template"
        )
    )]
    Exists { release: String, kind: &'static str },
    #[error("the release branch of {version} would be `{name}`, which is not a valid branch name")]
    #[diagnostic(
        code("branch-name"),
        help(
            "fix `naming.branch` in the distribution (default `b.{{major}}.{{minor}}.x`): {reason}"
        )
    )]
    Branch {
        version: Version,
        name: String,
        reason: String,
    },
    #[error("`{release}` must be built from immutable references only (DMTN-106 §2.5)")]
    #[diagnostic(
        code("release-moving-ref"),
        help(
            "not so:\n{}\npin each one with a tag (`tag:` in the product, or --set PRODUCT=<tag or commit>){}",
            moving.join("\n"),
            branch.as_ref().map(|b| format!("; only the release branch `{b}` may move")).unwrap_or_default()
        )
    )]
    Moving {
        release: String,
        moving: Vec<String>,
        branch: Option<String>,
    },
}

/// The candidates of `version`, oldest first.
pub fn candidates<'a>(
    history: &'a History,
    distribution: &str,
    version: Version,
) -> Vec<&'a Lockfile> {
    let text = version.to_string();
    let mut found: Vec<&Lockfile> = history
        .of(distribution)
        .filter(|l| matches!(l.kind, ReleaseKind::Candidate | ReleaseKind::Patch))
        .filter(|l| l.release_version.as_deref() == Some(text.as_str()))
        .collect();
    found.sort_by_key(|l| (l.rc, l.build));
    found
}

/// The final of `version`, when it is released.
pub fn final_of<'a>(
    history: &'a History,
    distribution: &str,
    version: Version,
) -> Option<&'a Lockfile> {
    let text = version.to_string();
    history.of(distribution).find(|l| {
        l.kind == ReleaseKind::Final && l.release_version.as_deref() == Some(text.as_str())
    })
}

/// The patch that follows the finals of `version`'s `M.n`: one more than the highest released.
pub fn next_patch(history: &History, distribution: &str, version: Version) -> Version {
    let highest = history
        .of(distribution)
        .filter(|l| l.kind == ReleaseKind::Final)
        .filter_map(|l| Version::parse(l.release_version.as_deref()?).ok())
        .filter(|v| (v.major, v.minor) == (version.major, version.minor))
        .map(|v| v.patch)
        .max()
        .unwrap_or(version.patch);
    Version {
        patch: highest.max(version.patch).saturating_add(1),
        ..version
    }
}

/// The release `--from` names, which a first candidate starts from.
pub fn starting_point<'a>(
    history: &'a History,
    distribution: &str,
    release: &str,
) -> Result<&'a Lockfile, ReleaseError> {
    let lock = find_release(history, distribution, release)?;
    match lock.kind {
        ReleaseKind::Nightly | ReleaseKind::Weekly | ReleaseKind::Manual => Ok(lock),
        kind => Err(ReleaseError::FromKind {
            release: release.to_owned(),
            kind: kind.as_str(),
        }),
    }
}

/// A release of `distribution` by name, of any kind: what `lock --from` starts from. A name of
/// another distribution's release, or of none, is an error that says so.
pub fn find_release<'a>(
    history: &'a History,
    distribution: &str,
    release: &str,
) -> Result<&'a Lockfile, ReleaseError> {
    if let Some(lock) = history.find(distribution, release) {
        return Ok(lock);
    }
    if let Some(other) = history.all().find(|l| l.release == release) {
        return Err(ReleaseError::Foreign {
            release: release.to_owned(),
            other: other.distribution.clone(),
            distribution: distribution.to_owned(),
        });
    }
    let names: Vec<&str> = history
        .of(distribution)
        .map(|l| l.release.as_str())
        .collect();
    let help = match crate::diagnostic::closest(release, &names) {
        Some(close) => {
            format!("did you mean `{close}`? `distrib list {distribution}` shows the releases")
        }
        None => format!("`distrib list {distribution}` shows the releases"),
    };
    Err(ReleaseError::UnknownRelease {
        release: release.to_owned(),
        distribution: distribution.to_owned(),
        help,
    })
}

/// `--var NAME=@installed:DEPLOYMENT[:VARIABLE]` or `@newest:DISTRIBUTION[:KIND[:VARIABLE]]`: a
/// variable's value taken, at lock time, from the repository's own state (O2 §5, §6: nightlies
/// are built against the FLP suite installed on the farm, Monday's against the newest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source<'a> {
    pub text: &'a str,
    pub origin: Origin<'a>,
    /// A variable of the release, instead of its version.
    pub variable: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin<'a> {
    /// The default release of a deployment.
    Installed(&'a str),
    /// The newest release of a distribution: its newest final, or newest of a kind.
    Newest(&'a str, ReleaseKind),
}

impl<'a> Source<'a> {
    /// The source a `--var` value names, if it starts with `@`.
    pub fn parse(text: &'a str) -> Option<Result<Self, ReleaseError>> {
        let rest = text.strip_prefix('@')?;
        let invalid = || ReleaseError::SourceSyntax {
            text: text.to_owned(),
        };
        let parsed = (|| {
            let (what, rest) = rest.split_once(':').ok_or_else(invalid)?;
            let parts: Vec<&str> = rest.split(':').collect();
            if parts.iter().any(|p| p.is_empty()) {
                return Err(invalid());
            }
            let (origin, variable) = match (what, parts.as_slice()) {
                ("installed", [deployment]) => (Origin::Installed(deployment), None),
                ("installed", [deployment, variable]) => {
                    (Origin::Installed(deployment), Some(*variable))
                }
                ("newest", [distribution, rest @ ..]) if rest.len() <= 2 => {
                    let kind = match rest.first() {
                        None => ReleaseKind::Final,
                        Some(kind) => ReleaseKind::from_name(kind).ok_or_else(|| {
                            ReleaseError::SourceKind {
                                text: text.to_owned(),
                                kind: (*kind).to_owned(),
                            }
                        })?,
                    };
                    (Origin::Newest(distribution, kind), rest.get(1).copied())
                }
                _ => return Err(invalid()),
            };
            Ok(Source {
                text,
                origin,
                variable,
            })
        })();
        Some(parsed)
    }

    /// The release this source names now, and the value it gives.
    pub fn resolve<'h>(
        &self,
        history: &'h History,
        deployments: &[&crate::manifest::model::Deployment],
    ) -> Result<(&'h Lockfile, String), ReleaseError> {
        let lock = match self.origin {
            Origin::Installed(name) => {
                let Some(deployment) = deployments.iter().find(|d| d.name.value == name) else {
                    let names: Vec<&str> =
                        deployments.iter().map(|d| d.name.value.as_str()).collect();
                    return Err(ReleaseError::SourceDeployment {
                        text: self.text.to_owned(),
                        deployment: name.to_owned(),
                        help: match crate::diagnostic::closest(name, &names) {
                            Some(close) => format!("did you mean `{close}`?"),
                            None => "name a file of `deployments/`".to_owned(),
                        },
                    });
                };
                let Some(default) = &deployment.default else {
                    return Err(ReleaseError::SourceNoDefault {
                        text: self.text.to_owned(),
                        deployment: name.to_owned(),
                    });
                };
                history
                    .find(&deployment.distribution.value, &default.value)
                    .ok_or_else(|| ReleaseError::SourceUnlocked {
                        text: self.text.to_owned(),
                        release: default.value.clone(),
                        distribution: deployment.distribution.value.clone(),
                    })?
            }
            Origin::Newest(distribution, kind) => {
                let newest = crate::lock::history::lineage_order(
                    history.of(distribution).filter(|l| l.kind == kind),
                );
                *newest.last().ok_or_else(|| ReleaseError::SourceNone {
                    text: self.text.to_owned(),
                    distribution: distribution.to_owned(),
                    kind: kind.as_str(),
                })?
            }
        };
        let value = match self.variable {
            Some(variable) => lock.variables.get(variable).cloned().ok_or_else(|| {
                ReleaseError::SourceVariable {
                    text: self.text.to_owned(),
                    release: lock.release.clone(),
                    variable: variable.to_owned(),
                }
            })?,
            None => lock
                .release_version
                .clone()
                .unwrap_or_else(|| lock.release.clone()),
        };
        Ok((lock, value))
    }
}

/// DMTN-106 §2.5: a candidate or final is built from references that cannot move: a tag, a
/// commit (pinned, or inherited from the release it is made from), or the release branch.
/// A third-party product must be at a tag. One line per offending product.
pub fn moving_references(products: &[LockedProduct], branch: Option<&str>) -> Vec<String> {
    let branch = branch.map(|b| format!("refs/heads/{b}"));
    let mut moving = Vec::new();
    for product in products {
        let at_tag = |resolved: &str| resolved.starts_with("refs/tags/");
        let heads: Vec<&str> = product
            .repositories
            .iter()
            .map(|r| r.resolved.as_str())
            .filter(|resolved| {
                !at_tag(resolved) && !is_commit(resolved) && Some(*resolved) != branch.as_deref()
            })
            .collect();
        if !heads.is_empty() {
            let heads: Vec<String> = heads.iter().map(|h| format!("`{h}`")).collect();
            moving.push(format!("  {}: follows {}", product.name, heads.join(", ")));
            continue;
        }
        let tagged = product.repositories.iter().all(|r| at_tag(&r.resolved))
            || product.version.as_deref().is_some_and(is_tag);
        if product.kind == "third-party" && !tagged {
            moving.push(format!(
                "  {}: a third-party product at `{}`, which is no tag",
                product.name,
                product.version.as_deref().unwrap_or("no version")
            ));
        }
    }
    moving
}

/// A version that is a tag itself: not `<tag>-<n>-g<sha>` past one, nor `g<sha>` with none.
fn is_tag(version: &str) -> bool {
    let untagged = version
        .strip_prefix('g')
        .is_some_and(|sha| sha.len() == 7 && sha.bytes().all(|b| b.is_ascii_hexdigit()));
    described(version).is_none() && !untagged
}

fn is_commit(resolved: &str) -> bool {
    resolved.len() >= 40 && resolved.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_plain_semver() {
        assert_eq!(Version::parse("17.0.1").unwrap().to_string(), "17.0.1");
        for bad in [
            "v17.0.0",
            "17.0",
            "17.0.0-rc1",
            "17.0.0+b3",
            "seventeen",
            "",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        let patch = Version::parse("17.0.1").unwrap();
        assert_eq!(patch.previous().unwrap().to_string(), "17.0.0");
        assert_eq!(Version::parse("17.0.0").unwrap().previous(), None);
        assert_eq!(patch.value("minor").as_deref(), Some("0"));
        assert_eq!(patch.value("rc"), None);
    }

    fn product(name: &str, kind: &str, version: &str, resolved: &[&str]) -> LockedProduct {
        LockedProduct {
            name: name.into(),
            version: Some(version.into()),
            kind: kind.into(),
            repositories: resolved
                .iter()
                .map(|r| crate::lock::LockedRepository {
                    url: format!("https://example.org/{name}"),
                    path: None,
                    reference: (*r).into(),
                    resolved: (*r).into(),
                    commit: "a".repeat(40),
                    tree: "b".repeat(40),
                })
                .collect(),
            depends: Vec::new(),
            build_depends: Vec::new(),
            recipe: String::new(),
            identity: String::new(),
        }
    }

    #[test]
    fn only_tags_commits_and_the_release_branch_are_immutable() {
        let commit = "c".repeat(40);
        let products = [
            product("afw", "internal", "27.0.0", &["refs/tags/27.0.0"]),
            product("utils", "internal", "27.0.0-2-gabc1234", &[&commit]),
            product(
                "daf_base",
                "internal",
                "27.0.0-1-gabc1234",
                &["refs/heads/b.17.0.x"],
            ),
            product(
                "pipe",
                "internal",
                "27.0.0-5-gabc1234",
                &["refs/heads/main"],
            ),
            product("eigen", "third-party", "3.4.0-2-gabc1234", &[&commit]),
            product("boost", "third-party", "1.86.0", &[&commit]),
        ];
        let moving = moving_references(&products, Some("b.17.0.x"));
        assert_eq!(moving.len(), 2, "{moving:?}");
        assert!(moving[0].contains("pipe") && moving[0].contains("refs/heads/main"));
        assert!(moving[1].contains("eigen") && moving[1].contains("third-party"));
        // Without a release branch, its head moves like any other.
        assert_eq!(moving_references(&products, None).len(), 3);
    }
}
