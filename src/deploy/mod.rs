//! Edits of a deployment file made in place: the default release, releases installed and
//! removed. Only the lines concerned change, so comments, order and formatting survive, and the
//! change reads in review as what it is (O2 keeps the default in CONSUL; here it lives in git).

mod operation;

pub use operation::{EditError, Edited, Request, edit, export};
use thiserror::Error;

use crate::manifest::model::{Deployment, Installed, Support};

/// One change to a deployment.
#[derive(Clone, Debug)]
pub enum Edit {
    SetDefault {
        release: String,
    },
    Add {
        release: String,
        support: Support,
        requested_by: Option<String>,
        note: Option<String>,
    },
    Remove {
        release: String,
    },
    /// A partition runs this installed release instead of the default (O2 §8).
    SetPartition {
        partition: String,
        release: String,
    },
    UnsetPartition {
        partition: String,
    },
    /// The release offered beside the default (O2 §6).
    SetAlternative {
        release: String,
    },
    UnsetAlternative,
    /// Another support for an installed release; `requested_by` and `note` stay.
    SetSupport {
        release: String,
        support: Support,
    },
    /// A test release made official and the default in one edit (O2 §8).
    Promote {
        release: String,
    },
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DeployError {
    #[error("`{0}` is not installed in this deployment")]
    NotInstalled(String),
    #[error(
        "`{release}` has {support} support: only an officially supported release may be the default"
    )]
    NotOfficial {
        release: String,
        support: &'static str,
    },
    #[error("`{0}` is installed already")]
    Installed(String),
    #[error("`{0}` is the default: choose another default before removing it")]
    RemovingDefault(String),
    #[error("the deployment file cannot be edited in place: {0}")]
    Layout(&'static str),
    #[error("`{0}` is the default: it is the alternative to nothing")]
    AlternativeIsDefault(String),
    #[error(
        "`{0}` is the default: it keeps official support (make another release the default first)"
    )]
    DefaultSupport(String),
    #[error("`{release}` has {support} support: only a test release is promoted")]
    NotTest {
        release: String,
        support: &'static str,
    },
    #[error("no partition `{0}` in this deployment")]
    NoPartition(String),
    #[error("the deployment has no alternative")]
    NoAlternative,
    #[error("`{release}` is {what}: change that first")]
    InUse { release: String, what: String },
    #[error("`{0}` is not a partition name: use letters, digits and `._-`")]
    PartitionName(String),
}

/// The text of the deployment file after `edit`. `deployment` is `text` parsed.
pub fn apply(text: &str, deployment: &Deployment, edit: &Edit) -> Result<String, DeployError> {
    let entry = |release: &str| {
        deployment
            .installed
            .iter()
            .find(|i| i.release.value == release)
    };
    match edit {
        Edit::SetDefault { release } => {
            let installed =
                entry(release).ok_or_else(|| DeployError::NotInstalled(release.clone()))?;
            if *installed.support != Support::Official {
                return Err(DeployError::NotOfficial {
                    release: release.clone(),
                    support: installed.support.as_str(),
                });
            }
            match &deployment.default {
                Some(current) => {
                    let span = current
                        .span
                        .clone()
                        .ok_or(DeployError::Layout("no position for `default`"))?;
                    Ok(format!(
                        "{}{}{}",
                        &text[..span.start],
                        scalar(release),
                        &text[span.end..]
                    ))
                }
                None => {
                    // Right after `distribution:`, where a reader looks for it.
                    let at = deployment
                        .distribution
                        .span
                        .clone()
                        .ok_or(DeployError::Layout("no position for `distribution`"))?;
                    let end = line_end(text, at.end);
                    Ok(format!(
                        "{}default: {}\n{}",
                        &text[..end],
                        scalar(release),
                        &text[end..]
                    ))
                }
            }
        }
        Edit::Add {
            release,
            support,
            requested_by,
            note,
        } => {
            if entry(release).is_some() {
                return Err(DeployError::Installed(release.clone()));
            }
            let mut fields = vec![
                ("release", release.clone()),
                ("support", support.as_str().to_owned()),
            ];
            fields.extend(requested_by.iter().map(|r| ("requested_by", r.clone())));
            fields.extend(note.iter().map(|n| ("note", n.clone())));
            let Some(last) = deployment.installed.last() else {
                return Ok(add_first(text, &fields));
            };
            let (_, column, end) = entry_block(text, last)?;
            let lines = entry_lines(column, &fields);
            let mut out = text[..end].to_owned();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&lines);
            out.push_str(&text[end..]);
            Ok(out)
        }
        Edit::Remove { release } => {
            let installed =
                entry(release).ok_or_else(|| DeployError::NotInstalled(release.clone()))?;
            if deployment
                .default
                .as_ref()
                .is_some_and(|d| d.value == *release)
            {
                return Err(DeployError::RemovingDefault(release.clone()));
            }
            if deployment
                .alternative
                .as_ref()
                .is_some_and(|a| a.value == *release)
            {
                return Err(DeployError::InUse {
                    release: release.clone(),
                    what: "the alternative".into(),
                });
            }
            if let Some((partition, _)) = deployment
                .partitions
                .iter()
                .find(|(_, r)| r.value == *release)
            {
                return Err(DeployError::InUse {
                    release: release.clone(),
                    what: format!("what partition `{partition}` runs"),
                });
            }
            let (dash, _, end) = entry_block(text, installed)?;
            if deployment.installed.len() == 1 {
                // An empty list must stay a list: `installed:` alone would be null.
                let key = text[..dash]
                    .rfind("installed:")
                    .ok_or(DeployError::Layout("no `installed:` key"))?;
                return Ok(format!("{}installed: []\n{}", &text[..key], &text[end..]));
            }
            Ok(format!("{}{}", &text[..dash], &text[end..]))
        }
        Edit::SetPartition { partition, release } => {
            if partition.is_empty()
                || !partition
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                return Err(DeployError::PartitionName(partition.clone()));
            }
            entry(release).ok_or_else(|| DeployError::NotInstalled(release.clone()))?;
            if let Some((_, current)) = deployment
                .partitions
                .iter()
                .find(|(p, _)| p.value == *partition)
            {
                return replace(text, current, release);
            }
            let line = format!("{partition}: {}\n", scalar(release));
            match deployment.partitions.0.last() {
                Some((key, _)) => {
                    let span = key
                        .span
                        .clone()
                        .ok_or(DeployError::Layout("no position for a partition"))?;
                    let start = line_start(text, span.start);
                    let indent = &text[start..span.start];
                    let end = line_end(text, span.start);
                    let mut out = text[..end].to_owned();
                    if !out.ends_with('\n') {
                        out.push('\n');
                    }
                    Ok(format!("{out}{indent}{line}{}", &text[end..]))
                }
                None => insert_key(text, deployment, &format!("partitions:\n  {line}")),
            }
        }
        Edit::UnsetPartition { partition } => {
            let Some((key, _)) = deployment
                .partitions
                .iter()
                .find(|(p, _)| p.value == *partition)
            else {
                return Err(DeployError::NoPartition(partition.clone()));
            };
            let span = key
                .span
                .clone()
                .ok_or(DeployError::Layout("no position for a partition"))?;
            let (start, end) = (line_start(text, span.start), line_end(text, span.start));
            if deployment.partitions.len() == 1 {
                // The last one: the key goes too, rather than a null `partitions:`.
                let key = text[..start]
                    .rfind("partitions:")
                    .filter(|&k| k == line_start(text, k))
                    .ok_or(DeployError::Layout("no `partitions:` key"))?;
                return Ok(format!("{}{}", &text[..key], &text[end..]));
            }
            Ok(format!("{}{}", &text[..start], &text[end..]))
        }
        Edit::SetAlternative { release } => {
            entry(release).ok_or_else(|| DeployError::NotInstalled(release.clone()))?;
            if deployment
                .default
                .as_ref()
                .is_some_and(|d| d.value == *release)
            {
                return Err(DeployError::AlternativeIsDefault(release.clone()));
            }
            match &deployment.alternative {
                Some(current) => replace(text, current, release),
                None => insert_key(
                    text,
                    deployment,
                    &format!("alternative: {}\n", scalar(release)),
                ),
            }
        }
        Edit::UnsetAlternative => {
            let current = deployment
                .alternative
                .as_ref()
                .ok_or(DeployError::NoAlternative)?;
            let span = current
                .span
                .clone()
                .ok_or(DeployError::Layout("no position for `alternative`"))?;
            let (start, end) = (line_start(text, span.start), line_end(text, span.start));
            Ok(format!("{}{}", &text[..start], &text[end..]))
        }
        Edit::SetSupport { release, support } => {
            let installed =
                entry(release).ok_or_else(|| DeployError::NotInstalled(release.clone()))?;
            if *support != Support::Official
                && deployment
                    .default
                    .as_ref()
                    .is_some_and(|d| d.value == *release)
            {
                return Err(DeployError::DefaultSupport(release.clone()));
            }
            replace_support(text, installed, *support)
        }
        Edit::Promote { release } => {
            let installed =
                entry(release).ok_or_else(|| DeployError::NotInstalled(release.clone()))?;
            if *installed.support != Support::Test {
                return Err(DeployError::NotTest {
                    release: release.clone(),
                    support: installed.support.as_str(),
                });
            }
            let official = replace_support(text, installed, Support::Official)?;
            let reparsed: Deployment = serde_saphyr::from_str(&official)
                .map_err(|_| DeployError::Layout("the edited file does not parse"))?;
            apply(
                &official,
                &reparsed,
                &Edit::SetDefault {
                    release: release.clone(),
                },
            )
        }
    }
}

/// `text` with the scalar at `node` replaced by `value`.
fn replace(
    text: &str,
    node: &crate::manifest::span::Node<String>,
    value: &str,
) -> Result<String, DeployError> {
    let span = node
        .span
        .clone()
        .ok_or(DeployError::Layout("no position for a value"))?;
    Ok(format!(
        "{}{}{}",
        &text[..span.start],
        scalar(value),
        &text[span.end..]
    ))
}

fn replace_support(text: &str, entry: &Installed, support: Support) -> Result<String, DeployError> {
    let span = entry
        .support
        .span
        .clone()
        .ok_or(DeployError::Layout("no position for `support`"))?;
    Ok(format!(
        "{}{}{}",
        &text[..span.start],
        support.as_str(),
        &text[span.end..]
    ))
}

/// A top-level key inserted before `installed:` (after `default:` or `distribution:` lines),
/// where a reader looks for what the deployment offers.
fn insert_key(text: &str, deployment: &Deployment, lines: &str) -> Result<String, DeployError> {
    let after = deployment
        .default
        .as_ref()
        .or(deployment.alternative.as_ref())
        .unwrap_or(&deployment.distribution);
    let at = after
        .span
        .clone()
        .ok_or(DeployError::Layout("no position for `distribution`"))?;
    let end = line_end(text, at.end);
    let mut out = text[..end].to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(format!("{out}{lines}{}", &text[end..]))
}

/// `text` (an edit of `original`) with the line endings `original` uses: CRLF or CR files stay
/// CRLF or CR, whatever the edit inserted.
pub fn with_line_endings_of(text: &str, original: &[u8]) -> String {
    let ending = if original.windows(2).any(|w| w == b"\r\n") {
        "\r\n"
    } else if original.contains(&b'\r') {
        "\r"
    } else {
        return text.to_owned();
    };
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', ending)
}

/// A value as a YAML scalar: plain when it reads back as the same string, quoted otherwise.
fn scalar(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+/() ".contains(c))
        && !value.starts_with(['-', ' ', '.'])
        && !value.ends_with(' ')
        && value.parse::<f64>().is_err()
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        );
    if plain {
        value.to_owned()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The start of the line holding the `-` of the list entry containing `offset`, and the
/// column of that `-`.
fn dash_line(text: &str, offset: usize) -> Option<(usize, usize)> {
    let mut start = line_start(text, offset);
    loop {
        let line = &text[start..line_end(text, start)];
        let column = line.len() - line.trim_start_matches(' ').len();
        if line[column..].starts_with("- ") || line[column..].trim_end() == "-" {
            return Some((start, column));
        }
        if start == 0 {
            return None;
        }
        start = line_start(text, start - 1);
    }
}

/// Where the entry starting at `dash` ends: at the next line, not blank, indented no deeper
/// than its `-` (the next entry or the next key), or at the end of the text.
fn block_end(text: &str, dash: usize, column: usize) -> usize {
    let mut at = line_end(text, dash);
    while at < text.len() {
        let end = line_end(text, at);
        let line = &text[at..end];
        let indent = line.len() - line.trim_start_matches(' ').len();
        if !line.trim().is_empty() && indent <= column {
            return at;
        }
        at = end;
    }
    text.len()
}

/// Where an installed entry's lines start and end, and the column of its `-`.
fn entry_block(text: &str, entry: &Installed) -> Result<(usize, usize, usize), DeployError> {
    let span = entry
        .release
        .span
        .clone()
        .ok_or(DeployError::Layout("no position for `release`"))?;
    let (dash, column) = dash_line(text, span.start)
        .ok_or(DeployError::Layout("`installed` is not a block list"))?;
    Ok((dash, column, block_end(text, dash, column)))
}

/// One list entry, its `-` at `column`.
fn entry_lines(column: usize, fields: &[(&str, String)]) -> String {
    let indent = " ".repeat(column);
    let mut lines = String::new();
    for (i, (key, value)) in fields.iter().enumerate() {
        let lead = if i == 0 { "- " } else { "  " };
        lines.push_str(&format!("{indent}{lead}{key}: {}\n", scalar(value)));
    }
    lines
}

/// `installed:` with its first entry, replacing `installed: []` or added at the end.
fn add_first(text: &str, fields: &[(&str, String)]) -> String {
    let block = format!("installed:\n{}", entry_lines(2, fields));
    let key = text
        .match_indices("installed:")
        .find(|(i, _)| *i == line_start(text, *i))
        .map(|(i, _)| i);
    match key {
        Some(start) => format!(
            "{}{}{}",
            &text[..start],
            block,
            &text[line_end(text, start)..]
        ),
        None => {
            let separator = if text.is_empty() || text.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            format!("{text}{separator}{block}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPN: &str = "# The EPN farm.\nname: epn\ndistribution: O2PDPSuite\ndefault: r1 # since Monday\ninstalled:\n  # the official ones\n  - release: r1\n    support: official\n    note: kept for rollback\n\n  - release: r2\n    support: test\n# end\n";

    fn parsed(text: &str) -> Deployment {
        serde_saphyr::from_str(text).unwrap()
    }

    fn edit(text: &str, edit: Edit) -> Result<String, DeployError> {
        apply(text, &parsed(text), &edit)
    }

    #[test]
    fn set_default_keeps_comments() {
        let added = edit(
            EPN,
            Edit::Add {
                release: "r3".into(),
                support: Support::Official,
                requested_by: Some("RC".into()),
                note: None,
            },
        )
        .unwrap();
        assert!(added.contains("  - release: r2\n    support: test\n  - release: r3\n    support: official\n    requested_by: RC\n# end\n"), "{added}");
        let moved = edit(
            &added,
            Edit::SetDefault {
                release: "r3".into(),
            },
        )
        .unwrap();
        assert!(moved.contains("default: r3 # since Monday\n"), "{moved}");
        assert_eq!(parsed(&moved).default.unwrap().value, "r3");
        assert_eq!(
            edit(
                &moved,
                Edit::SetDefault {
                    release: "r2".into()
                }
            ),
            Err(DeployError::NotOfficial {
                release: "r2".into(),
                support: "test"
            })
        );
        assert_eq!(
            edit(
                EPN,
                Edit::SetDefault {
                    release: "r9".into()
                }
            ),
            Err(DeployError::NotInstalled("r9".into()))
        );
    }

    #[test]
    fn crlf_and_cr_files_keep_their_line_endings() {
        let crlf = EPN.replace('\n', "\r\n");
        let added = edit(
            &crlf,
            Edit::Add {
                release: "r3".into(),
                support: Support::Test,
                requested_by: None,
                note: None,
            },
        )
        .unwrap();
        let kept = with_line_endings_of(&added, crlf.as_bytes());
        assert!(!kept.replace("\r\n", "").contains(['\r', '\n']), "{kept:?}");
        assert!(
            kept.contains("  - release: r3\r\n    support: test\r\n# end\r\n"),
            "{kept:?}"
        );
        assert_eq!(parsed(&kept).installed.len(), 3);
        let cr = with_line_endings_of("a\nb\n", b"x\ry\r");
        assert_eq!(cr, "a\rb\r");
        assert_eq!(with_line_endings_of("a\nb\n", b"x\ny\n"), "a\nb\n");
    }

    #[test]
    fn remove_takes_the_whole_entry_and_never_the_default() {
        assert_eq!(
            edit(
                EPN,
                Edit::Remove {
                    release: "r1".into()
                }
            ),
            Err(DeployError::RemovingDefault("r1".into()))
        );
        let removed = edit(
            EPN,
            Edit::Remove {
                release: "r2".into(),
            },
        )
        .unwrap();
        assert!(
            removed.ends_with("    note: kept for rollback\n\n# end\n"),
            "{removed}"
        );
        let text =
            "name: x\ndistribution: d\ninstalled:\n  - release: \"27.0\"\n    support: test\n";
        let empty = edit(
            text,
            Edit::Remove {
                release: "27.0".into(),
            },
        )
        .unwrap();
        assert_eq!(empty, "name: x\ndistribution: d\ninstalled: []\n");
        let again = edit(
            &empty,
            Edit::Add {
                release: "27.0".into(),
                support: Support::Official,
                requested_by: None,
                note: None,
            },
        )
        .unwrap();
        assert_eq!(
            again,
            "name: x\ndistribution: d\ninstalled:\n  - release: \"27.0\"\n    support: official\n"
        );
        let first_default = edit(
            &again,
            Edit::SetDefault {
                release: "27.0".into(),
            },
        )
        .unwrap();
        assert_eq!(
            first_default,
            "name: x\ndistribution: d\ndefault: \"27.0\"\ninstalled:\n  - release: \"27.0\"\n    support: official\n"
        );
        assert_eq!(parsed(&first_default).default.unwrap().value, "27.0");
        let text = "name: x\ndistribution: d\ndefault: 'a'\ninstalled:\n  - {release: a, support: official}\n  - {release: b, support: official}\n";
        let quoted = edit(
            text,
            Edit::SetDefault {
                release: "b".into(),
            },
        )
        .unwrap();
        assert_eq!(parsed(&quoted).default.unwrap().value, "b", "{quoted}");
    }
}

/// The format of the document an edit prints with `--format json`.
pub const FORMAT: &str = "distrib-deploy/1";

/// What one `deploy` edit did: the document it prints with `--format json`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(title = "distrib deploy: what an edit of a deployment did")]
pub struct Document {
    /// `distrib-deploy/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    pub action: ActionName,
    /// `done` (the file was written) or `up-to-date` (it already was as asked: not written).
    pub status: crate::json::Status,
    pub deployment: String,
    pub distribution: String,
    /// The deployment file, relative to the manifest repository.
    pub file: String,
    /// The release the edit is about; `null` for `unset-partition` and `unset-alternative`.
    pub release: Option<String>,
    /// The support given, for `add`, `set-support` and `promote`.
    pub support: Option<Support>,
    /// The partition, for `set-partition` and `unset-partition`.
    pub partition: Option<String>,
}

/// The edit, by its subcommand's name (`promote` is `set-default --promote`).
#[derive(Clone, Copy, Debug, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ActionName {
    SetDefault,
    Promote,
    Add,
    Remove,
    SetPartition,
    UnsetPartition,
    SetAlternative,
    UnsetAlternative,
    SetSupport,
}

/// What `deploy export` prints: a deployment as a runtime configuration store (ALICE's
/// CONSUL) needs it. Its JSON Schema is `schema/output/distrib-deployment-1.schema.json`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(title = "distrib deploy export: a deployment for a runtime configuration store")]
pub struct Export {
    /// `distrib-deployment/1`.
    #[schemars(extend("const" = EXPORT_FORMAT))]
    pub format: &'static str,
    /// The deployment's name.
    pub deployment: String,
    /// The distribution its releases are of.
    pub distribution: String,
    /// The release partitions get unless they run another.
    pub default: Option<String>,
    /// One installed release offered beside the default (O2 §6).
    pub alternative: Option<String>,
    /// Partitions that run another installed release than the default, by partition name.
    pub partitions: std::collections::BTreeMap<String, String>,
    /// Every installed release, in the order of the deployment file.
    pub releases: Vec<ExportedRelease>,
}

/// One installed release in an [`Export`].
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ExportedRelease {
    /// The release object (`docs/json.md`): its kind, date, build and lock are `null` when it
    /// has no lockfile.
    #[serde(flatten)]
    pub release: crate::json::Release,
    /// `official`, `test` or `internal`.
    pub support: Support,
    pub requested_by: Option<String>,
    pub note: Option<String>,
    /// Its build's name (`naming.build`), from its lockfile.
    pub build_name: Option<String>,
}

/// The format every [`Export`] has.
pub const EXPORT_FORMAT: &str = "distrib-deployment/1";
