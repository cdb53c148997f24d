//! Which ref each repository of a product is built from, in one chain, strongest first:
//! `--set` > a changed `tag:` pin > the release branch > the commit the parent release locked >
//! `tag:` > `ref:` > the default branch. Only the release branch and the default branch ask
//! the repository anything (whether it has the branch, which one `HEAD` names).

use super::refs::Refs;
use super::{Inherited, Options, pinned_version};
use crate::manifest::model::Product;

/// Where the ref a repository is built from comes from, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// `--set PRODUCT=REF`.
    Set,
    /// The product's `tag:`, changed in the manifests since the release it is made from.
    ChangedTag,
    /// The release branch (`b.17.0.x`), when the repository has it.
    ReleaseBranch,
    /// The commit the release it is made from locked.
    Inherited,
    /// The product's `tag:`.
    Tag,
    /// The repository's `ref:`.
    Ref,
    /// The branch the mirror's `HEAD` names.
    DefaultBranch,
}

/// Everything besides the repository that can decide the ref of one of its products'
/// repositories.
#[derive(Clone, Copy, Debug, Default)]
pub struct Candidates<'a> {
    /// `--set PRODUCT=REF`.
    pub set: Option<&'a str>,
    /// The product's `tag:`.
    pub tag: Option<&'a str>,
    /// The `tag:` changed since the parent release (see [`parent`]): it is built.
    pub retagged: bool,
    /// The release branch's short name.
    pub release_branch: Option<&'a str>,
    /// The commit the parent release locked for this repository.
    pub inherited: Option<&'a str>,
    /// The repository's `ref:`.
    pub reference: Option<&'a str>,
}

/// The ref to build and the step of the chain it comes from; `None` when nothing names one
/// and the repository has no default branch.
pub fn choose<R: Refs + ?Sized>(refs: &R, candidates: &Candidates) -> Option<(Step, String)> {
    let release_branch = || {
        let full = format!("refs/heads/{}", candidates.release_branch?);
        // A release branch is taken only where it exists: other repositories go on.
        matches!(refs.peel(&full), Ok(Some(_))).then_some(full)
    };
    let named = |step: Step, name: Option<&str>| name.map(|name| (step, name.to_owned()));
    named(Step::Set, candidates.set)
        .or_else(|| {
            named(
                Step::ChangedTag,
                candidates.tag.filter(|_| candidates.retagged),
            )
        })
        .or_else(|| release_branch().map(|full| (Step::ReleaseBranch, full)))
        .or_else(|| named(Step::Inherited, candidates.inherited))
        .or_else(|| named(Step::Tag, candidates.tag))
        .or_else(|| named(Step::Ref, candidates.reference))
        .or_else(|| refs.default_branch().map(|b| (Step::DefaultBranch, b)))
}

/// What a product takes from the release it is made from.
#[derive(Clone, Copy, Debug)]
pub struct Parent<'a> {
    /// What the parent locked for it, under its name or a former one; `None` when it is
    /// `--set`, or when its `tag:` changed.
    pub inherited: Option<&'a Inherited>,
    /// Its `tag:` changed in the manifests since a first release candidate: a deliberate
    /// change, that wins over the release branch and the parent's commits.
    pub retagged: bool,
}

/// What `product` takes from the parent release of `options`.
pub fn parent<'a>(product: &Product, options: &Options<'a>) -> Parent<'a> {
    let overridden = options.overrides.contains_key(product.name.as_str());
    let inherited = std::iter::once(&product.name)
        .chain(&product.aliases)
        .find_map(|name| options.inherited.get(name.as_str()))
        .filter(|_| !overridden);
    let retagged = options.branch.is_some()
        && product.tag.is_some()
        && inherited.is_some_and(|i| i.version.as_deref() != pinned_version(product));
    Parent {
        inherited: inherited.filter(|_| !retagged),
        retagged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::fake::Repository;

    fn id(seed: &str) -> String {
        seed.repeat(40 / seed.len())
    }

    /// A repository with a default branch and the release branch `b.17.0.x`.
    fn repository() -> Repository {
        Repository::new()
            .commit(&id("1"), &[], &id("a"))
            .branch("main", &id("1"))
            .branch("b.17.0.x", &id("1"))
            .head("main")
    }

    #[test]
    fn each_step_wins_over_the_next() {
        let inherited = id("1");
        let mut candidates = Candidates {
            set: Some("tickets/DM-1"),
            tag: Some("v17.0.1"),
            retagged: true,
            release_branch: Some("b.17.0.x"),
            inherited: Some(&inherited),
            reference: Some("develop"),
        };
        let repository = repository();
        let mut chain = Vec::new();
        while let Some((step, name)) = choose(&repository, &candidates) {
            chain.push((step, name));
            // The winner steps aside: the next one wins.
            match step {
                Step::Set => candidates.set = None,
                Step::ChangedTag => candidates.retagged = false,
                Step::ReleaseBranch => candidates.release_branch = None,
                Step::Inherited => candidates.inherited = None,
                Step::Tag => candidates.tag = None,
                Step::Ref => candidates.reference = None,
                Step::DefaultBranch => break,
            }
        }
        let expected = [
            (Step::Set, "tickets/DM-1"),
            (Step::ChangedTag, "v17.0.1"),
            (Step::ReleaseBranch, "refs/heads/b.17.0.x"),
            (Step::Inherited, inherited.as_str()),
            (Step::Tag, "v17.0.1"),
            (Step::Ref, "develop"),
            (Step::DefaultBranch, "main"),
        ];
        let chain: Vec<(Step, &str)> = chain.iter().map(|(s, n)| (*s, n.as_str())).collect();
        assert_eq!(chain, expected);
        assert!(chain.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn a_release_branch_counts_only_where_it_exists() {
        let inherited = id("1");
        let candidates = Candidates {
            release_branch: Some("b.18.0.x"),
            inherited: Some(&inherited),
            ..Candidates::default()
        };
        assert_eq!(
            choose(&repository(), &candidates),
            Some((Step::Inherited, inherited.clone()))
        );
        let candidates = Candidates {
            release_branch: Some("b.17.0.x"),
            ..candidates
        };
        assert_eq!(
            choose(&repository(), &candidates).map(|(step, _)| step),
            Some(Step::ReleaseBranch)
        );
    }

    #[test]
    fn nothing_named_and_no_default_branch_is_no_ref() {
        let headless = Repository::new()
            .commit(&id("1"), &[], &id("a"))
            .branch("main", &id("1"));
        assert_eq!(choose(&headless, &Candidates::default()), None);
        // An unchanged tag is only the tag step, after the inherited commit.
        let candidates = Candidates {
            tag: Some("v1"),
            ..Candidates::default()
        };
        assert_eq!(
            choose(&headless, &candidates),
            Some((Step::Tag, "v1".to_owned()))
        );
    }

    #[test]
    fn what_a_product_takes_from_its_parent_release() {
        use std::collections::BTreeMap;

        use crate::resolve::tests::write_manifests;
        let (_dir, manifests) = write_manifests(&[
            ("products/renamed.yaml", "name: renamed\naliases: [old]\n"),
            ("products/pinned.yaml", "name: pinned\ntag: 1.1.0\n"),
            (
                "products/openssl.yaml",
                "name: openssl\ntag: OpenSSL_1_1_1m\nversion: v1.1.1m\n",
            ),
        ]);
        let product = |name: &str| {
            &manifests
                .products
                .iter()
                .find(|p| p.value.name.value == name)
                .unwrap()
                .value
        };
        let released = |version: &str| Inherited {
            commits: BTreeMap::new(),
            version: Some(version.to_owned()),
        };
        let inherited = BTreeMap::from([
            ("old".to_owned(), released("1.0.0")),
            ("pinned".to_owned(), released("1.0.0")),
            ("openssl".to_owned(), released("v1.1.1m")),
        ]);
        let none = BTreeMap::new();
        let no_inputs = BTreeMap::new();
        let options = |overrides, branch| Options {
            platform: "linux-x86_64",
            overrides,
            inherited: &inherited,
            branch,
            inputs: &no_inputs,
        };
        let taken = |name: &str, options: &Options| {
            let parent = parent(product(name), options);
            (
                parent.inherited.and_then(|i| i.version.clone()),
                parent.retagged,
            )
        };
        let release = options(&none, Some("b.1.x"));
        let some = |v: &str| Some(v.to_owned());
        assert_eq!(
            taken("renamed", &release),
            (some("1.0.0"), false),
            "by a former name"
        );
        assert_eq!(taken("pinned", &release), (None, true), "a changed pin");
        assert_eq!(
            taken("openssl", &release),
            (some("v1.1.1m"), false),
            "`version:` is what the pin reads as"
        );
        // Without a release branch, a changed pin is no reason to leave the parent.
        let first = options(&none, None);
        assert_eq!(taken("pinned", &first), (some("1.0.0"), false));
        // `--set` takes nothing from the parent.
        let set = BTreeMap::from([("renamed".to_owned(), "main".to_owned())]);
        assert_eq!(
            taken("renamed", &options(&set, Some("b.1.x"))),
            (None, false)
        );
    }
}
