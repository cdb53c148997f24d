//! The dependency graph of a lock: a node per product, an edge per dependency (run time solid,
//! build time dashed), optionally marked with what must be rebuilt since another release.
//! Rendered as Graphviz DOT and Mermaid; sorted, so the same lock gives the same text.

use schemars::JsonSchema;
use serde::Serialize;

use super::diff::{self, Status};
use crate::json::{Change, Release};
use crate::lock::Lockfile;

/// The format of the document `distrib graph --format json` prints.
pub const FORMAT: &str = "distrib-graph/1";

/// The dependency graph of one release: the document `distrib graph --format json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(title = "distrib graph: the dependency graph of a release")]
pub struct Graph {
    /// `distrib-graph/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// The release drawn.
    #[serde(flatten)]
    pub release: Release,
    /// The release compared with (`--since`), when nodes are marked.
    pub since: Option<Release>,
    /// By product name.
    pub nodes: Vec<Node>,
    /// By dependent, dependency, kind.
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Node {
    #[serde(rename = "product")]
    pub name: String,
    pub version: Option<String>,
    /// The product's kind, as its lock records it.
    pub kind: String,
    /// The package identity, `sha256:` and 64 hex digits.
    pub identity: String,
    /// With `--since`: `added`, `changed` or `unchanged` since that release; else `null`.
    pub change: Option<Change>,
    /// With `--since`: whether its package must be built (added, or another identity); else
    /// `null`.
    pub rebuild: Option<bool>,
    /// With `--since`, what happens to its package; marks the DOT and Mermaid nodes.
    #[serde(skip)]
    pub status: Option<Status>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Edge {
    /// The dependent.
    #[serde(rename = "product")]
    pub from: String,
    /// The product it depends on.
    #[serde(rename = "dependency")]
    pub to: String,
    pub kind: EdgeKind,
}

/// `depends` (run time) or `build-depends` (build time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    Depends,
    BuildDepends,
}

/// The graph of `lock`; with `since`, each node says whether it must be built again. The
/// releases name no lockfile: the caller, which knows where they were read, fills `lock`.
pub fn graph(lock: &Lockfile, since: Option<&Lockfile>) -> Graph {
    let changes = since.map(|old| diff::diff(old, lock));
    let change_of = |name: &str| {
        changes
            .as_ref()
            .and_then(|d| d.products.iter().find(|c| c.name == name))
    };
    let mut nodes: Vec<Node> = lock
        .products
        .iter()
        .map(|p| {
            let change = change_of(&p.name);
            Node {
                name: p.name.clone(),
                version: p.version.clone(),
                kind: p.kind.clone(),
                identity: p.identity.clone(),
                change: change.map(|c| c.change),
                rebuild: change.map(|c| c.rebuild),
                status: change.map(|c| c.status),
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
        format: FORMAT,
        release: Release::of(lock, None),
        since: since.map(|l| Release::of(l, None)),
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
            dot_id(&format!(
                "{}/{}",
                self.release.distribution, self.release.release
            ))
        );
        if let Some(since) = self.since.as_ref().map(|r| &r.release) {
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
        if let Some(since) = self.since.as_ref().map(|r| &r.release) {
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
