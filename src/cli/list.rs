//! `distrib list`: the releases locked so far, newest first, with where each is installed.

use super::CommandResult;
use super::{Context, Exit, boxed, err, out_json, out_text};
use crate::manifest::{self, Origin};
use clap::ValueEnum;

/// List the locked releases: kind, build, date, lineage, content, support per deployment
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  distrib list\n  distrib list O2PDPSuite --format json")]
pub struct Args {
    /// Only the releases of this distribution
    distribution: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// A table on stdout
    Human,
    /// One JSON document on stdout
    Json,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let opened = manifest::open(&context.start, None).map_err(boxed)?;
    let Origin::WorkTree(root) = &opened.origin else {
        return Ok(Exit::Failure);
    };
    let list = crate::report::list::list(root, &opened.manifests, args.distribution.as_deref())
        .map_err(boxed)?;
    if let Format::Json = args.format {
        // The document carries the warnings.
        out_json(&crate::json::to_text(&list));
        return Ok(Exit::Success);
    }
    for misplaced in &list.misplaced {
        context.warn(misplaced);
    }
    if list.releases.is_empty() {
        err("no release is locked yet: `distrib lock DIST --kind ...` makes one\n");
        return Ok(Exit::Success);
    }
    let mut rows = vec![
        ["release", "kind", "build", "date", "content", "installed"]
            .map(String::from)
            .to_vec(),
    ];
    for listed in &list.releases {
        let mut notes: Vec<String> = listed
            .installed
            .iter()
            .map(|i| {
                format!(
                    "{}: {}{}",
                    i.deployment,
                    i.support.as_str(),
                    if i.default { " (default)" } else { "" }
                )
            })
            .collect();
        if let Some(other) = &listed.same_content_as {
            notes.push(format!("same content as {other}"));
        }
        if let Some(from) = &listed.parent {
            notes.push(format!("from {from}"));
        }
        notes.extend(
            listed
                .checks()
                .into_iter()
                .map(|(check, result)| format!("{check}: {}", result.as_str())),
        );
        let release = &listed.release;
        let name = if args.distribution.is_some() {
            release.release.clone()
        } else {
            format!("{}/{}", release.distribution, release.release)
        };
        let content = listed
            .content
            .strip_prefix("sha256:")
            .unwrap_or(&listed.content);
        rows.push(vec![
            name,
            release.kind.map_or("", |k| k.as_str()).to_owned(),
            listed.build_name.clone(),
            release.date.clone().unwrap_or_default(),
            content.get(..12).unwrap_or(content).to_owned(),
            notes.join(", "),
        ]);
    }
    out_text(&table(&rows));
    Ok(Exit::Success)
}

/// Left-aligned columns, two spaces apart, without trailing spaces.
pub(super) fn table(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["a".to_owned(), "bb".to_owned()],
            vec!["ccc".to_owned(), String::new()],
        ];
        assert_eq!(super::table(&rows), "a    bb\nccc\n");
    }
}
