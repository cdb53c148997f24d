//! The repository rule (DMTN-106 §2.2): each git repository belongs to exactly one product,
//! compared by normalized URL, unless both products declare the exception with `shared_with`.
//! And a product's own sources: sub-tree paths that name a sub-tree, each source once.

use std::collections::{BTreeMap, HashSet};

use super::dependencies::Built;
use super::{Lookup, ProductIndex};
use crate::diagnostic::{Code, Diagnostic, FileId};
use crate::identity::{normalize_path, path_problem};
use crate::manifest::Loaded;
use crate::manifest::Manifests;
use crate::manifest::model::Distribution;
use crate::manifest::span::Node;
use crate::url::normalize;

/// One repository entry: (product index, repository index).
type Claim = (usize, usize);

pub(super) fn check(manifests: &Manifests, products: &ProductIndex, found: &mut Vec<Diagnostic>) {
    let mut claims: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
    for (p, product) in manifests.products.iter().enumerate() {
        let file = product.file;
        let mut own: Vec<(String, usize)> = Vec::new();
        for (r, repository) in product.value.repositories.iter().enumerate() {
            let url = &repository.value.url;
            let Some(key) = source(file, &product.value.name, &repository.value, found) else {
                continue;
            };
            let sub_tree = |r: usize| {
                let path = product.value.repositories[r].value.path.as_ref();
                path.map(|p| normalize_path(p)).unwrap_or_default()
            };
            if let Some((_, first)) = own
                .iter()
                .find(|(k, f)| *k == key && sub_tree(*f) == sub_tree(r))
            {
                let first_url = &product.value.repositories[*first].value.url;
                let tree = match sub_tree(r) {
                    tree if tree.is_empty() => "the whole repository".to_owned(),
                    tree => format!("its sub-tree `{tree}`"),
                };
                found.push(
                    Diagnostic::new(
                        Code::SourceDuplicate,
                        file,
                        format!(
                            "`{}` lists the repository `{key}` twice with {tree}: which commit it builds from would be ambiguous",
                            product.value.name
                        ),
                    )
                    .with_label(file, url.span.clone(), "listed again here")
                    .with_label(file, first_url.span.clone(), "first listed here")
                    .with_help("remove one of the two entries"),
                );
                continue;
            }
            if let Some((_, first)) = own.iter().find(|(k, _)| *k == key) {
                let first_url = &product.value.repositories[*first].value.url;
                found.push(
                    Diagnostic::new(
                        Code::RepositoryDuplicate,
                        file,
                        format!(
                            "`{}` lists the repository `{key}` twice",
                            product.value.name
                        ),
                    )
                    .with_label(file, url.span.clone(), "listed again here")
                    .with_label(file, first_url.span.clone(), "first listed here")
                    .with_help("remove one of the two entries"),
                );
                continue;
            }
            own.push((key.clone(), r));
            claims.entry(key.clone()).or_default().push((p, r));
            for name in &repository.value.shared_with {
                if let Some(other) =
                    products.resolve(file, name, Code::DependencyUnknown, "`shared_with`", found)
                {
                    let other_product = &products.get(other).value;
                    let uses_it = other_product
                        .repositories
                        .iter()
                        .any(|r| normalize(&r.value.url).as_deref() == Ok(key.as_str()));
                    if other != p && !uses_it {
                        found.push(
                            Diagnostic::new(
                                Code::SharedWithUnused,
                                file,
                                format!(
                                    "`{}` does not use the repository shared with it",
                                    other_product.name
                                ),
                            )
                            .with_label(file, name.span.clone(), "not a user of this repository")
                            .with_help(format!("remove `{name}` from `shared_with`")),
                        );
                    }
                }
            }
        }
    }

    for (key, group) in &claims {
        let owners: Vec<Claim> = {
            let mut seen = HashSet::new();
            group
                .iter()
                .copied()
                .filter(|(p, _)| seen.insert(*p))
                .collect()
        };
        // One diagnostic per product that claims the repository after another did.
        for (i, &later) in owners.iter().enumerate().skip(1) {
            if let Some(diagnostic) = owners[..i]
                .iter()
                .find_map(|&earlier| shared(manifests, products, key, earlier, later))
            {
                found.push(diagnostic);
            }
        }
    }
}

/// A repository's URL and sub-tree, written in `file` for `product`: a password in the URL,
/// a `path` that is no sub-tree, a URL that cannot be understood. The normalized URL, when
/// there is one.
fn source(
    file: crate::diagnostic::FileId,
    product: &str,
    repository: &crate::manifest::model::Repository,
    found: &mut Vec<Diagnostic>,
) -> Option<String> {
    let url = &repository.url;
    if crate::url::has_password(url) {
        found.push(credentials(file, url));
    }
    if let Some(path) = &repository.path
        && let Some(problem) = path_problem(path)
    {
        found.push(
            Diagnostic::new(
                Code::PathInvalid,
                file,
                format!("the `path` `{path}` of `{product}` is not a sub-tree of the repository: {problem}"),
            )
            .with_label(file, path.span.clone(), "not a sub-tree")
            .with_help("write a path relative to the repository's root, such as `libs/a`, or remove `path` to build from the whole repository"),
        );
    }
    match normalize(url) {
        Ok(key) => Some(key),
        Err(error) => {
            let help = match &error {
                crate::url::UrlError::DotSegment(_) => {
                    "write the path to the repository itself, without `.` or `..` segments"
                }
                _ => "write `https://host/path`, `git@host:path`, `file:///path` or a local path",
            };
            found.push(
                Diagnostic::new(
                    Code::UrlInvalid,
                    file,
                    format!(
                        "invalid repository URL `{}`: {error}",
                        crate::url::redact(url)
                    ),
                )
                .with_label(file, url.span.clone(), "invalid URL")
                .with_help(help),
            );
            None
        }
    }
}

/// The repositories a distribution's `overrides` write, as those of the product files are
/// checked (credentials, URL, sub-tree), and the repository rule on its closure as it builds it
/// (`members`): an override that builds a product from another one's repository, without
/// `shared_with` on both, is reported; what the product files share alike is the file rule's.
pub(super) fn check_overrides(
    distribution: &Loaded<Distribution>,
    built: &Built,
    products: &ProductIndex,
    members: &[bool],
    found: &mut Vec<Diagnostic>,
) {
    let file = distribution.file;
    // Every override's, in the closure or not: a password written is there all the same.
    for (name, o) in distribution.value.overrides.iter() {
        for repository in o.value.repositories.iter().flatten() {
            source(file, name, &repository.value, found);
        }
    }
    // Every repository of the closure as built.
    let mut claims: Vec<Claimed> = Vec::new();
    for product in (0..members.len()).filter(|&i| members[i]) {
        let written = products.get(product);
        let (repositories, file, by_override) = match built.repositories_of(product) {
            Some(repositories) => (repositories, file, true),
            None => (written.value.repositories.as_slice(), written.file, false),
        };
        for repository in repositories {
            if let Ok(key) = normalize(&repository.value.url) {
                claims.push(Claimed {
                    product,
                    key,
                    repository: &repository.value,
                    file,
                    by_override,
                });
            }
        }
    }
    let declares = |repository: &crate::manifest::model::Repository, other: usize| {
        repository
            .shared_with
            .iter()
            .any(|name| products.index_of(name) == Some(other))
    };
    let name = |product: usize| &products.get(product).value.name;
    for (i, later) in claims.iter().enumerate() {
        let Some(earlier) = claims[..i].iter().find(|c| {
            c.key == later.key && c.product != later.product && (c.by_override || later.by_override)
        }) else {
            continue;
        };
        if declares(earlier.repository, later.product)
            && declares(later.repository, earlier.product)
        {
            continue;
        }
        let (by_override, other) = if later.by_override {
            (later, earlier)
        } else {
            (earlier, later)
        };
        let (mine, theirs) = (name(by_override.product), name(other.product));
        found.push(
            Diagnostic::new(
                Code::RepositoryShared,
                file,
                format!(
                    "repository `{}` is claimed by `{}` and `{}` in `{}`, as its `overrides` build it",
                    later.key,
                    name(earlier.product),
                    name(later.product),
                    distribution.value.name
                ),
            )
            .with_label(
                by_override.file,
                by_override.repository.url.span.clone(),
                format!("claimed by `{mine}`"),
            )
            .with_label(
                other.file,
                other.repository.url.span.clone(),
                format!("also claimed by `{theirs}`"),
            )
            .with_help(format!(
                "a repository belongs to one product: point the override at `{mine}`'s own repository, or, if both really build from it, add `shared_with: [{theirs}]` to this repository of `{mine}` and `shared_with: [{mine}]` to that of `{theirs}`"
            )),
        );
    }
}

/// A repository of a distribution's closure as it builds it: the product, its normalized URL,
/// the entry, the file that writes it, whether an override does.
struct Claimed<'a> {
    product: usize,
    key: String,
    repository: &'a crate::manifest::model::Repository,
    file: FileId,
    by_override: bool,
}

/// A password written in a URL of a manifest: committed to git, it is readable by everyone who
/// can read the repository.
pub(super) fn credentials(file: crate::diagnostic::FileId, url: &Node<String>) -> Diagnostic {
    Diagnostic::new(
        Code::UrlCredentials,
        file,
        format!(
            "the URL `{}` holds a password",
            crate::url::redact(url)
        ),
    )
    .with_label(file, url.span.clone(), "password written here")
    .with_help(
        "remove `user:password@` from the URL and give the password to a git credential helper (`git config --global credential.helper store`, or your system's keychain helper): distrib asks git's credential helpers when a server wants credentials",
    )
}

/// The diagnostic for two products claiming one repository, unless both declare it.
fn shared(
    manifests: &Manifests,
    products: &ProductIndex,
    key: &str,
    first: Claim,
    second: Claim,
) -> Option<Diagnostic> {
    let declares = |(p, r): Claim, other: usize| {
        manifests.products[p].value.repositories[r].value.shared_with.iter().any(|name| {
            matches!(products.lookup(name), Lookup::Name(i) | Lookup::Alias(i) if i == other)
        })
    };
    let first_declares = declares(first, second.0);
    let second_declares = declares(second, first.0);
    if first_declares && second_declares {
        return None;
    }
    let (a, b) = (&manifests.products[first.0], &manifests.products[second.0]);
    let (a_url, b_url) = (
        &a.value.repositories[first.1].value.url,
        &b.value.repositories[second.1].value.url,
    );
    let (a_name, b_name) = (&a.value.name, &b.value.name);
    let help = if first_declares || second_declares {
        let missing = if first_declares {
            (b_name, a_name)
        } else {
            (a_name, b_name)
        };
        format!(
            "declare the exception on both sides: add `shared_with: [{}]` to this repository in `{}`",
            missing.1, missing.0
        )
    } else {
        format!(
            "a repository belongs to one product: if `{b_name}` is a former name of `{a_name}`, add it to `aliases` of `{a_name}` and delete `{b_name}`; if both really build from it, add `shared_with: [{a_name}]` here and `shared_with: [{b_name}]` in `{a_name}`"
        )
    };
    Some(
        Diagnostic::new(
            Code::RepositoryShared,
            b.file,
            format!("repository `{key}` is claimed by `{a_name}` and `{b_name}`"),
        )
        .with_label(b.file, b_url.span.clone(), format!("claimed by `{b_name}`"))
        .with_label(
            a.file,
            a_url.span.clone(),
            format!("also claimed by `{a_name}`"),
        )
        .with_help(help),
    )
}
