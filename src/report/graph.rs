//! The dependency graph of a lock: a node per product, an edge per dependency (run time solid,
//! build time dashed), optionally marked with what must be rebuilt since another release.
//! Rendered as Graphviz DOT and Mermaid; sorted, so the same lock gives the same text.

use serde::Serialize;

use super::diff::{self, Status};
use crate::lock::Lockfile;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Graph {
    pub distribution: String,
    pub release: String,
    /// The release compared with, when nodes are marked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// By name.
    pub nodes: Vec<Node>,
    /// By dependent, dependency, kind.
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub name: String,
    pub version: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub identity: String,
    /// With a release to compare with: `rebuild` (identity changed), `added` or `reuse`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// With a release to compare with: whether a package must be built (rebuilt or added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebuild: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The dependent.
    pub from: String,
    /// The dependency.
    pub to: String,
    pub kind: EdgeKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    Depends,
    BuildDepends,
}

/// The graph of `lock`; with `since`, each node says whether it must be built again.
pub fn graph(lock: &Lockfile, since: Option<&Lockfile>) -> Graph {
    let changes = since.map(|old| diff::diff(old, lock));
    let status_of = |name: &str| {
        changes
            .as_ref()
            .and_then(|d| d.products.iter().find(|c| c.name == name).map(|c| c.status))
    };
    let mut nodes: Vec<Node> = lock
        .products
        .iter()
        .map(|p| {
            let status = status_of(&p.name);
            Node {
                name: p.name.clone(),
                version: p.version.clone(),
                kind: p.kind.clone(),
                identity: p.identity.clone(),
                status,
                rebuild: status.map(|s| matches!(s, Status::Rebuild | Status::Added)),
            }
        })
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut edges: Vec<Edge> = lock
        .products
        .iter()
        .flat_map(|p| {
            let run = p.depends.iter().map(|d| (d, EdgeKind::Depends));
            let build = p.build_depends.iter().map(|d| (d, EdgeKind::BuildDepends));
            run.chain(build).map(|(d, kind)| Edge {
                from: p.name.clone(),
                to: d.clone(),
                kind,
            })
        })
        .collect();
    edges.sort_by(|a, b| (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind)));
    edges.dedup();
    Graph {
        distribution: lock.distribution.clone(),
        release: lock.release.clone(),
        since: since.map(|l| l.release.clone()),
        nodes,
        edges,
    }
}

/// Fill colours of marked nodes, shared by both renderings.
const REBUILD_FILL: &str = "#f8d7da";
const REBUILD_STROKE: &str = "#a61b29";
const ADDED_FILL: &str = "#d4edda";
const ADDED_STROKE: &str = "#1e6b34";

impl Graph {
    /// Graphviz DOT: `dot -Tsvg`. Marked nodes have `class="rebuild"` (or `added`) for SVG
    /// styling, and a fill colour.
    pub fn dot(&self) -> String {
        let mut text = format!(
            "digraph {} {{\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
            dot_id(&format!("{}/{}", self.distribution, self.release))
        );
        if let Some(since) = &self.since {
            text.push_str(&format!(
                "  label={};\n  labelloc=t;\n",
                dot_id(&format!("rebuild since {since}"))
            ));
        }
        for node in &self.nodes {
            let label = match &node.version {
                Some(version) => format!("{}\\n{}", dot_escape(&node.name), dot_escape(version)),
                None => dot_escape(&node.name),
            };
            let mark = match node.status {
                Some(Status::Rebuild) => format!(
                    ", class=\"rebuild\", style=\"filled,bold\", fillcolor=\"{REBUILD_FILL}\", color=\"{REBUILD_STROKE}\""
                ),
                Some(Status::Added) => format!(
                    ", class=\"added\", style=\"filled,bold\", fillcolor=\"{ADDED_FILL}\", color=\"{ADDED_STROKE}\""
                ),
                _ => String::new(),
            };
            text.push_str(&format!(
                "  {} [label=\"{label}\"{mark}];\n",
                dot_id(&node.name)
            ));
        }
        for edge in &self.edges {
            let style = match edge.kind {
                EdgeKind::Depends => "",
                EdgeKind::BuildDepends => " [style=dashed]",
            };
            text.push_str(&format!(
                "  {} -> {}{style};\n",
                dot_id(&edge.from),
                dot_id(&edge.to)
            ));
        }
        text.push_str("}\n");
        text
    }

    /// A Mermaid flowchart, for Markdown on GitHub and GitLab. Node ids are derived from the
    /// names (`p_` and the name with `_`, `.`, `+`, `-` and any other character spelled out), so
    /// they are valid, unique, and stable when other products come and go; the label is the name.
    pub fn mermaid(&self) -> String {
        let mut text = String::from("flowchart LR\n");
        if let Some(since) = &self.since {
            text.push_str(&format!(
                "  %% rebuild since {}\n",
                since.replace(['\n', '\r'], " ")
            ));
        }
        for node in &self.nodes {
            let label = match &node.version {
                Some(version) => format!(
                    "{}<br/>{}",
                    mermaid_escape(&node.name),
                    mermaid_escape(version)
                ),
                None => mermaid_escape(&node.name),
            };
            text.push_str(&format!("  {}[\"{label}\"]\n", mermaid_id(&node.name)));
        }
        for edge in &self.edges {
            let arrow = match edge.kind {
                EdgeKind::Depends => "-->",
                EdgeKind::BuildDepends => "-.->",
            };
            text.push_str(&format!(
                "  {} {arrow} {}\n",
                mermaid_id(&edge.from),
                mermaid_id(&edge.to)
            ));
        }
        for (status, class, fill, stroke) in [
            (Status::Rebuild, "rebuild", REBUILD_FILL, REBUILD_STROKE),
            (Status::Added, "added", ADDED_FILL, ADDED_STROKE),
        ] {
            let ids: Vec<String> = self
                .nodes
                .iter()
                .filter(|n| n.status == Some(status))
                .map(|n| mermaid_id(&n.name))
                .collect();
            if !ids.is_empty() {
                text.push_str(&format!(
                    "  classDef {class} fill:{fill},stroke:{stroke},stroke-width:2px\n  class {} {class}\n",
                    ids.join(",")
                ));
            }
        }
        text
    }
}

/// A DOT identifier: always a quoted string, so that `.`, `+` and `-` are safe.
fn dot_id(text: &str) -> String {
    format!("\"{}\"", dot_escape(text))
}

/// The inside of a DOT quoted string: `"` and `\` escaped, line breaks as `\n`.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            // Shown as the text `\u{1b}`, its backslash escaped for DOT.
            c if crate::escape::is_unsafe(c) => {
                out.push('\\');
                crate::escape::visible(c, &mut out);
            }
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid node id: `p_` then the name, letters and digits as they are, every other character
/// spelled out (`_` as `__`, `.` as `_d`, `+` as `_p`, `-` as `_m`, others as `_uXXXX_`). No two
/// names give one id, and no id is a Mermaid keyword.
fn mermaid_id(name: &str) -> String {
    let mut id = String::from("p_");
    for c in name.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => id.push(c),
            '_' => id.push_str("__"),
            '.' => id.push_str("_d"),
            '+' => id.push_str("_p"),
            '-' => id.push_str("_m"),
            c => id.push_str(&format!("_u{:04x}_", u32::from(c))),
        }
    }
    id
}

/// The inside of a quoted Mermaid label: characters Mermaid or its HTML labels would read as
/// syntax become entity codes.
fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '\n' | '\r' => out.push(' '),
            c if crate::escape::is_unsafe(c) => crate::escape::visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Spec, lock, spec};
    use super::*;

    fn sample() -> Lockfile {
        lock(
            "w.1",
            "3.12",
            &[
                spec("zlib", Some('1'), &[]),
                Spec {
                    build_depends: &["cmake"],
                    ..spec("O2.Suite+epn-1", Some('2'), &["zlib"])
                },
                spec("cmake", Some('3'), &[]),
            ],
        )
    }

    #[test]
    fn dot_quotes_every_id_and_dashes_build_dependencies() {
        let text = graph(&sample(), None).dot();
        assert_eq!(
            text,
            "digraph \"dist/w.1\" {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  \
\"O2.Suite+epn-1\" [label=\"O2.Suite+epn-1\\n1.0.0\"];\n  \
\"cmake\" [label=\"cmake\\n1.0.0\"];\n  \
\"zlib\" [label=\"zlib\\n1.0.0\"];\n  \
\"O2.Suite+epn-1\" -> \"cmake\" [style=dashed];\n  \
\"O2.Suite+epn-1\" -> \"zlib\";\n}\n"
        );
    }

    #[test]
    fn mermaid_ids_are_valid_and_distinct() {
        assert_eq!(mermaid_id("O2.Suite+epn-1"), "p_O2_dSuite_pepn_m1");
        assert_eq!(mermaid_id("end"), "p_end");
        assert_ne!(mermaid_id("a_d"), mermaid_id("a."));
        assert_eq!(mermaid_id("a b"), "p_a_u0020_b");
        assert_eq!(mermaid_escape("x\"<y>#"), "x#quot;#lt;y#gt;#35;");
        assert_eq!(dot_escape("a\"b\\c"), "a\\\"b\\\\c");
        assert_eq!(dot_escape("a\u{1b}]0;x"), "a\\\\u{1b}]0;x");
        assert_eq!(mermaid_escape("a\u{202e}b"), "a\\u{202e}b");
    }

    #[test]
    fn since_marks_rebuilt_and_added_nodes() {
        let old = lock("w.0", "3.12", &[spec("zlib", Some('1'), &[])]);
        let mut specs = vec![
            spec("zlib", Some('9'), &[]),
            spec("cmake", Some('3'), &[]),
            spec("app", Some('4'), &["cmake"]),
        ];
        let new = lock("w.1", "3.12", &specs);
        let g = graph(&new, Some(&old));
        let marks: Vec<(&str, Option<Status>)> = g
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.status))
            .collect();
        assert_eq!(
            marks,
            [
                ("app", Some(Status::Added)),
                ("cmake", Some(Status::Added)),
                ("zlib", Some(Status::Rebuild))
            ]
        );
        assert!(
            g.dot()
                .contains("\"zlib\" [label=\"zlib\\n1.0.0\", class=\"rebuild\"")
        );
        assert!(g.mermaid().contains("  class p_zlib rebuild\n"));
        assert!(g.mermaid().contains("  class p_app,p_cmake added\n"));
        specs[0].tree = Some('1');
        let g = graph(&lock("w.1", "3.12", &specs), Some(&old));
        assert_eq!(g.nodes[2].status, Some(Status::Reuse));
        assert_eq!(g.nodes[2].rebuild, Some(false));
        assert!(!g.mermaid().contains(" rebuild\n"));
    }
}
