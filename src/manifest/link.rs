//! Where a symbolic link of the manifest repository leads, decided by one function for the work
//! tree and for a git revision, so that `check` and `check --rev` say the same about every link.
//! Resolution stays inside the manifest root: an absolute target, or one that climbs above the
//! root, is outside (a checkout elsewhere would read something else).

/// What a path of the manifest repository is, without following it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    File,
    Folder,
    /// A symbolic link, with its target as written.
    Link(String),
    /// Neither a file, a folder nor a link (a submodule, a socket...).
    Other,
    Missing,
}

/// Where a link leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file, at this path relative to the root.
    File(String),
    /// A folder, at this path relative to the root.
    Folder(String),
    Other,
    Outside,
    /// Nothing: the target, or a folder on the way to it, does not exist.
    Missing,
    /// Links that lead to each other without end.
    Loop,
}

/// As many links as Linux follows before it gives up with `ELOOP`.
const MAX_HOPS: usize = 40;

/// Follows the link at `path` (relative to the root, `/`-separated), looking paths up with
/// `lookup`.
pub fn resolve<E>(
    path: &str,
    mut lookup: impl FnMut(&str) -> Result<Node, E>,
) -> Result<Resolved, E> {
    let mut parts: Vec<String> = path.split('/').map(str::to_owned).collect();
    let mut pending: Vec<String> = vec![parts.pop().unwrap_or_default()];
    let mut hops = 0;
    let mut last = Node::Folder;
    // `pending` holds the components still to walk, the next one last.
    while let Some(part) = pending.pop() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                if parts.pop().is_none() {
                    return Ok(Resolved::Outside);
                }
                last = Node::Folder;
                continue;
            }
            _ => {}
        }
        if last != Node::Folder {
            // A file (or something else) used as a folder.
            return Ok(Resolved::Missing);
        }
        parts.push(part);
        match lookup(&parts.join("/"))? {
            Node::Link(target) => {
                hops += 1;
                if hops > MAX_HOPS {
                    return Ok(Resolved::Loop);
                }
                if target.starts_with('/') || target.is_empty() {
                    return Ok(Resolved::Outside);
                }
                parts.pop();
                pending.extend(target.rsplit('/').map(str::to_owned));
                last = Node::Folder;
            }
            Node::Missing => return Ok(Resolved::Missing),
            node => last = node,
        }
    }
    let at = parts.join("/");
    Ok(match last {
        Node::File => Resolved::File(at),
        Node::Folder => Resolved::Folder(at),
        _ => Resolved::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(path: &str) -> Result<Node, ()> {
        Ok(match path {
            "products" | "shared" | "products/team" => Node::Folder,
            "shared/a.yaml" => Node::File,
            "products/a.yaml" => Node::Link("../shared/a.yaml".into()),
            "products/b.yaml" => Node::Link("a.yaml".into()),
            "products/team2" => Node::Link("team".into()),
            "products/x.yaml" => Node::Link("y.yaml".into()),
            "products/y.yaml" => Node::Link("./x.yaml".into()),
            "products/up.yaml" => Node::Link("../../a.yaml".into()),
            "products/abs.yaml" => Node::Link("/etc/passwd".into()),
            "products/gone.yaml" => Node::Link("nothing.yaml".into()),
            "products/through.yaml" => Node::Link("../shared/a.yaml/b".into()),
            _ => Node::Missing,
        })
    }

    #[test]
    fn links_resolve_inside_the_root_or_not_at_all() {
        let resolve = |path| resolve(path, tree).unwrap();
        assert_eq!(
            resolve("products/a.yaml"),
            Resolved::File("shared/a.yaml".into())
        );
        assert_eq!(
            resolve("products/b.yaml"),
            Resolved::File("shared/a.yaml".into())
        );
        assert_eq!(
            resolve("products/team2"),
            Resolved::Folder("products/team".into())
        );
        assert_eq!(resolve("products/x.yaml"), Resolved::Loop);
        assert_eq!(resolve("products/up.yaml"), Resolved::Outside);
        assert_eq!(resolve("products/abs.yaml"), Resolved::Outside);
        assert_eq!(resolve("products/gone.yaml"), Resolved::Missing);
        assert_eq!(resolve("products/through.yaml"), Resolved::Missing);
    }
}
