//! A lock's dependency graph drawn as inline SVG, with no layout engine: a layered layout in
//! which a product's layer is the longest dependency path below it (products without
//! dependencies in the last column), products sorted by name within a layer, and an edge from
//! each product to each dependency, solid for run time and dashed for build time. Edges leave
//! and enter boxes at points spread along their sides, and cross the columns between their ends
//! through the gaps between boxes, never behind one. Integer coordinates only, so the same
//! graph always gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::html::escape;
use crate::report::graph::{Edge, EdgeKind, Graph};

/// Width of one character of the monospace labels, in tenths of a pixel (12 px font).
const CHAR_TENTHS: u32 = 74;
const PADDING: u32 = 10;
const NODE_HEIGHT: u32 = 40;
const ROW_GAP: u32 = 20;
const COLUMN_GAP: u32 = 96;
const MARGIN: u32 = 16;
const MIN_NODE_WIDTH: u32 = 64;

/// Where one product is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub name: String,
    pub layer: usize,
    /// Its column, from the left.
    pub column: usize,
    pub x: u32,
    pub y: u32,
    pub width: u32,
}

/// The longest path from each product down to a product without dependencies (0 for those).
/// A dependency the graph does not contain is ignored, and so is an edge that would close a
/// cycle (a lock that `lock::parse` accepted has neither).
pub fn layers(graph: &Graph) -> BTreeMap<&str, usize> {
    let mut dependencies: BTreeMap<&str, Vec<&str>> = graph
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), Vec::new()))
        .collect();
    for edge in &graph.edges {
        if dependencies.contains_key(edge.to.as_str())
            && let Some(list) = dependencies.get_mut(edge.from.as_str())
        {
            list.push(edge.to.as_str());
        }
    }
    let mut layer: BTreeMap<&str, usize> = BTreeMap::new();
    let mut visiting: BTreeMap<&str, bool> = BTreeMap::new();
    for start in dependencies.keys() {
        if layer.contains_key(start) {
            continue;
        }
        // Iterative depth-first search: a deep chain of products cannot overflow the stack.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        visiting.insert(start, true);
        while let Some((name, next)) = stack.pop() {
            let list = &dependencies[name];
            if let Some(&dependency) = list.get(next) {
                stack.push((name, next + 1));
                if !layer.contains_key(dependency) && !visiting.contains_key(dependency) {
                    visiting.insert(dependency, true);
                    stack.push((dependency, 0));
                }
                continue;
            }
            let below = list
                .iter()
                .filter_map(|d| layer.get(d))
                .map(|l| l + 1)
                .max()
                .unwrap_or(0);
            layer.insert(name, below);
            visiting.remove(name);
        }
    }
    layer
}

fn text_width(text: &str) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX / CHAR_TENTHS);
    (chars.saturating_mul(CHAR_TENTHS)).div_ceil(10)
}

/// A column of the drawing: products of one layer, one width, stacked by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub x: u32,
    pub width: u32,
    /// The top of each box, from the highest.
    pub tops: Vec<u32>,
}

/// Where everything is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// By name.
    pub nodes: Vec<Placed>,
    /// From the left.
    pub columns: Vec<Column>,
    pub width: u32,
    pub height: u32,
}

/// The position of every product: columns from the products with the longest dependency paths
/// (left) to those without dependencies (right), each column centred vertically.
pub fn layout(graph: &Graph) -> Layout {
    let layer = layers(graph);
    let deepest = layer.values().copied().max().unwrap_or(0);
    let mut members: Vec<Vec<&crate::report::graph::Node>> = vec![Vec::new(); deepest + 1];
    for node in &graph.nodes {
        members[deepest - layer[node.name.as_str()]].push(node);
    }
    for column in &mut members {
        column.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let column_height = |count: usize| {
        let count = u32::try_from(count).unwrap_or(u32::MAX / (NODE_HEIGHT + ROW_GAP));
        (count.saturating_mul(NODE_HEIGHT + ROW_GAP)).saturating_sub(ROW_GAP)
    };
    let tallest = members.iter().map(|c| column_height(c.len())).max();
    let tallest = tallest.unwrap_or(0);
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    let mut columns = Vec::with_capacity(members.len());
    let mut x = MARGIN;
    for (index, column) in members.iter().enumerate() {
        let width = column
            .iter()
            .map(|n| {
                let version = n.version.as_deref().unwrap_or("");
                text_width(&n.name).max(text_width(version)) + 2 * PADDING
            })
            .max()
            .unwrap_or(0)
            .max(MIN_NODE_WIDTH);
        let mut y = MARGIN + (tallest - column_height(column.len())) / 2;
        let mut tops = Vec::with_capacity(column.len());
        for node in column {
            nodes.push(Placed {
                name: node.name.clone(),
                layer: layer[node.name.as_str()],
                column: index,
                x,
                y,
                width,
            });
            tops.push(y);
            y += NODE_HEIGHT + ROW_GAP;
        }
        columns.push(Column { x, width, tops });
        x += width + COLUMN_GAP;
    }
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    Layout {
        nodes,
        columns,
        width: (x.saturating_sub(COLUMN_GAP) + MARGIN).max(2 * MARGIN),
        height: tallest + 2 * MARGIN,
    }
}

/// The height at which an edge from `from` to `to` crosses each column between them: through
/// the gap between two boxes (or above or below them) nearest to the straight line, so that no
/// edge passes behind a box.
fn lanes(from: &Placed, to: &Placed, columns: &[Column]) -> Vec<(u32, u32, u32)> {
    if to.column <= from.column + 1 {
        return Vec::new();
    }
    let (y1, y2) = (
        i64::from(from.y + NODE_HEIGHT / 2),
        i64::from(to.y + NODE_HEIGHT / 2),
    );
    let span = (to.column - from.column) as i64;
    (from.column + 1..to.column)
        .map(|c| {
            let column = &columns[c];
            let straight = y1 + (y2 - y1) * (c - from.column) as i64 / span;
            let mut gaps: Vec<u32> = Vec::with_capacity(column.tops.len() + 1);
            if let Some(first) = column.tops.first() {
                gaps.push(first.saturating_sub(ROW_GAP / 2));
            }
            gaps.extend(column.tops.iter().map(|t| t + NODE_HEIGHT + ROW_GAP / 2));
            let y = gaps
                .into_iter()
                .min_by_key(|g| ((i64::from(*g) - straight).abs(), *g))
                .unwrap_or(0);
            (column.x, column.x + column.width, y)
        })
        .collect()
}

/// The graph as an `<svg>` element; `title` names it for screen readers. `None` for a graph
/// without products.
pub fn render(graph: &Graph, title: &str) -> Option<String> {
    if graph.nodes.is_empty() {
        return None;
    }
    let layout = layout(graph);
    let (width, height) = (layout.width, layout.height);
    let at: BTreeMap<&str, &Placed> = layout.nodes.iter().map(|p| (p.name.as_str(), p)).collect();
    // Each edge: its ends, and the lanes it crosses on the way.
    struct Route<'g> {
        edge: &'g Edge,
        from: &'g Placed,
        to: &'g Placed,
        lanes: Vec<(u32, u32, u32)>,
    }
    let routes: Vec<Route> = graph
        .edges
        .iter()
        .filter_map(|edge| {
            let (from, to) = (*at.get(edge.from.as_str())?, *at.get(edge.to.as_str())?);
            Some(Route {
                edge,
                from,
                to,
                lanes: lanes(from, to, &layout.columns),
            })
        })
        .collect();
    // Edges leave a box's right side and enter the next box's left side at points spread
    // along it, in the order of where they go (come from), so they do not meet in one point.
    let center = |p: &Placed| p.y + NODE_HEIGHT / 2;
    let mut outgoing: BTreeMap<&str, Vec<(u32, &str, usize)>> = BTreeMap::new();
    let mut incoming: BTreeMap<&str, Vec<(u32, &str, usize)>> = BTreeMap::new();
    for (i, route) in routes.iter().enumerate() {
        let next = route.lanes.first().map_or(center(route.to), |l| l.2);
        let previous = route.lanes.last().map_or(center(route.from), |l| l.2);
        outgoing.entry(route.from.name.as_str()).or_default().push((
            next,
            route.to.name.as_str(),
            i,
        ));
        incoming.entry(route.to.name.as_str()).or_default().push((
            previous,
            route.from.name.as_str(),
            i,
        ));
    }
    let mut start = vec![0; routes.len()];
    let mut end = vec![0; routes.len()];
    for (ports, side) in [(&mut outgoing, &mut start), (&mut incoming, &mut end)] {
        for (name, list) in ports.iter_mut() {
            list.sort();
            let top = at[name].y;
            let count = u32::try_from(list.len()).unwrap_or(u32::MAX - 1);
            for (k, (_, _, i)) in list.iter().enumerate() {
                let k = u32::try_from(k).unwrap_or(0);
                side[*i] = top + (k + 1) * NODE_HEIGHT / (count + 1);
            }
        }
    }
    let mut svg = String::new();
    let runtime = graph
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Depends)
        .count();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"graph-title graph-description\">"
    );
    let _ = writeln!(svg, "<title id=\"graph-title\">{}</title>", escape(title));
    let _ = writeln!(
        svg,
        "<desc id=\"graph-description\">{} products; {runtime} run-time dependencies drawn \
solid and {} build-time dependencies drawn dashed, each an arrow from a product to what it \
needs. The products table lists the same dependencies as text.</desc>",
        graph.nodes.len(),
        graph.edges.len() - runtime
    );
    svg.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">\
<path d=\"M0 0L10 5L0 10z\" fill=\"#4d4d4d\"/></marker></defs>\n",
    );
    svg.push_str("<g fill=\"none\" stroke=\"#4d4d4d\" stroke-width=\"1.25\">\n");
    for (i, route) in routes.iter().enumerate() {
        let mut points = vec![(route.from.x + route.from.width, start[i])];
        for (x_in, x_out, y) in &route.lanes {
            points.push((*x_in, *y));
            points.push((*x_out, *y));
        }
        points.push((route.to.x, end[i]));
        let mut d = format!("M{} {}", points[0].0, points[0].1);
        for (k, pair) in points.windows(2).enumerate() {
            let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
            if k % 2 == 1 {
                // Across a column, in its lane.
                let _ = write!(d, "H{x2}");
            } else {
                let bend = x2.saturating_sub(x1) / 2;
                let _ = write!(d, "C{} {y1} {} {y2} {x2} {y2}", x1 + bend, x2 - bend);
            }
        }
        let (dash, what) = match route.edge.kind {
            EdgeKind::Depends => ("", "depends on"),
            EdgeKind::BuildDepends => (" stroke-dasharray=\"6 4\"", "needs to build"),
        };
        let _ = writeln!(
            svg,
            "<path d=\"{d}\"{dash} marker-end=\"url(#arrow)\"><title>{} {what} {}</title></path>",
            escape(&route.edge.from),
            escape(&route.edge.to)
        );
    }
    svg.push_str("</g>\n");
    svg.push_str(
        "<g font-family=\"ui-monospace,SFMono-Regular,Menlo,Consolas,monospace\" font-size=\"12\">\n",
    );
    for node in &graph.nodes {
        let Some(p) = at.get(node.name.as_str()) else {
            continue;
        };
        let version = node.version.as_deref().unwrap_or("");
        let tooltip = if version.is_empty() {
            format!("{} ({})", node.name, node.kind)
        } else {
            format!("{} {version} ({})", node.name, node.kind)
        };
        let _ = writeln!(
            svg,
            "<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{NODE_HEIGHT}\" \
rx=\"4\" fill=\"#ffffff\" stroke=\"#1b1b1b\"/><text x=\"{}\" y=\"{}\" fill=\"#1b1b1b\" \
font-weight=\"bold\">{}</text><text x=\"{}\" y=\"{}\" fill=\"#4d4d4d\">{}</text></g>",
            escape(&tooltip),
            p.x,
            p.y,
            p.width,
            p.x + PADDING,
            p.y + 16,
            escape(&node.name),
            p.x + PADDING,
            p.y + 32,
            escape(version)
        );
    }
    svg.push_str("</g>\n</svg>\n");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::super::super::report::graph::graph;
    use super::super::super::report::tests::{Spec, lock, spec};
    use super::*;

    #[test]
    fn layers_are_the_longest_path_to_a_leaf() {
        let lock = lock(
            "r",
            "3.12",
            &[
                spec("zlib", Some('1'), &[]),
                spec("utils", Some('2'), &["zlib"]),
                Spec {
                    build_depends: &["cmake"],
                    ..spec("app", Some('3'), &["utils", "zlib"])
                },
                spec("cmake", Some('4'), &[]),
            ],
        );
        let g = graph(&lock, None);
        let layer = layers(&g);
        assert_eq!(
            layer.into_iter().collect::<Vec<_>>(),
            [("app", 2), ("cmake", 0), ("utils", 1), ("zlib", 0)]
        );
        let placed = layout(&g).nodes;
        let x = |name: &str| placed.iter().find(|p| p.name == name).unwrap().x;
        assert!(x("app") < x("utils") && x("utils") < x("zlib"));
        assert_eq!(x("cmake"), x("zlib"));
        let svg = render(&g, "graph").unwrap();
        assert_eq!(svg.matches("stroke-dasharray").count(), 1, "{svg}");
        assert_eq!(svg.matches("marker-end=").count(), 4, "{svg}");
    }

    /// Sixty products in a few layers, with long names: no two boxes overlap, every label fits
    /// its box, and the drawing is the same twice.
    #[test]
    fn sixty_products_stay_apart_and_in_their_boxes() {
        let names: Vec<String> = (0..60)
            .map(|i| format!("product-{i:02}{}", "x".repeat(i % 7 * 3)))
            .collect();
        let dependencies: Vec<Vec<&str>> = (0..60)
            .map(|i| {
                (0..i)
                    .filter(|j| (i * 7 + j) % 11 == 0)
                    .map(|j| names[j].as_str())
                    .collect()
            })
            .collect();
        let specs: Vec<Spec> = names
            .iter()
            .zip(&dependencies)
            .map(|(name, deps)| spec(name, Some('1'), deps))
            .collect();
        let g = graph(&lock("r", "3.12", &specs), None);
        let Layout {
            nodes: placed,
            width,
            height,
            ..
        } = layout(&g);
        assert_eq!(placed.len(), 60);
        for (i, a) in placed.iter().enumerate() {
            assert!(a.x + a.width <= width && a.y + NODE_HEIGHT <= height);
            let label = text_width(&a.name) + 2 * PADDING;
            assert!(label <= a.width, "{} fits its box", a.name);
            for b in &placed[i + 1..] {
                let apart = a.x + a.width <= b.x
                    || b.x + b.width <= a.x
                    || a.y + NODE_HEIGHT <= b.y
                    || b.y + NODE_HEIGHT <= a.y;
                assert!(apart, "{} and {} overlap", a.name, b.name);
            }
        }
        let columns = layout(&g).columns;
        let at = |name: &str| placed.iter().find(|p| p.name == name).unwrap();
        let mut crossings = 0;
        for edge in &g.edges {
            let (from, to) = (at(&edge.from), at(&edge.to));
            let route = lanes(from, to, &columns);
            assert_eq!(route.len(), to.column - from.column - 1);
            for (c, (_, _, y)) in (from.column + 1..).zip(route) {
                crossings += 1;
                assert!(
                    columns[c]
                        .tops
                        .iter()
                        .all(|t| y < *t || y > t + NODE_HEIGHT),
                    "the edge {} -> {} passes behind a box of column {c}",
                    edge.from,
                    edge.to
                );
            }
        }
        assert!(crossings > 0, "some edges span several columns");
        assert_eq!(render(&g, "t"), render(&g, "t"));
    }

    #[test]
    fn labels_are_escaped_and_cycles_do_not_hang() {
        let mut lock = lock("r", "3.12", &[spec("a", None, &[]), spec("b", None, &[])]);
        lock.products[0].depends = vec!["b".into()];
        lock.products[1].depends = vec!["a".into()];
        lock.products[1].version = Some("<1&\"2\">".into());
        let g = graph(&lock, None);
        let layer = layers(&g);
        assert_eq!(layer.len(), 2);
        let svg = render(&g, "<t>").unwrap();
        assert!(svg.contains("&lt;1&amp;&quot;2&quot;&gt;") && svg.contains("&lt;t&gt;"));
        assert!(!svg.contains("<1&"));
    }
}
