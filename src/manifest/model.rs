//! The typed model of each manifest file kind, exactly as written by users. Field names are
//! part of the contract (DESIGN.md); semantic rules live in `validate`, not here.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::span::{Entries, Node, TextOr, Untyped};

/// `distrib.yaml`: marks the root of a manifest repository and holds repository-wide settings.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Level of each rule, by code: `deny`, `warn` or `allow`.
    #[serde(default)]
    pub rules: Entries<Node<Level>>,
    /// Where the bare mirrors of product repositories live (default: the user's cache folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirrors: Option<Node<String>>,
    /// URL prefix rewrites applied before fetching, like git's `insteadOf`: `from: to`.
    #[serde(default)]
    pub rewrite: Entries<Node<String>>,
    /// Build numbers: where they start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builds: Option<Builds>,
}

/// `builds:` in `distrib.yaml`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Builds {
    /// The lowest build number distrib allocates: a collaboration adopting distrib continues
    /// the numbers of the tool before it (LSST's versiondb ends at b8466: `first: 8467`).
    pub first: u64,
}

impl Config {
    /// The lowest build number a new lock may have.
    pub fn first_build(config: Option<&Self>) -> u64 {
        config
            .and_then(|c| c.builds.as_ref())
            .map_or(1, |b| b.first.max(1))
    }
}

/// How seriously a rule is taken (declared beside the codes it applies to).
pub use crate::diagnostic::Level;

/// A software product: one file in `products/`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The product's name; equals the file stem.
    pub name: Node<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What kind of product this is; `internal` when absent.
    #[serde(default, rename = "type")]
    pub kind: Node<ProductType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Former names of this product: they resolve to it and share its repositories.
    #[serde(default)]
    pub aliases: Vec<Node<String>>,
    /// The git repositories whose trees are this product's source. May be empty for a
    /// meta-package or a recipe-only package.
    #[serde(default)]
    pub repositories: Vec<Node<Repository>>,
    /// Pins every release kind to this tag; read as the product's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Node<String>>,
    /// The release version the product is at when built from its tag, where the tag does not
    /// say it (`tag: OpenSSL_1_1_1m`, `version: v1.1.1m`), or the version of a product without
    /// a repository (a meta-package at `daily-20260301-0000`). Requirements and `{Product}`
    /// names use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Node<String>>,
    /// Run-time dependencies: product name to semver requirement (`*` for any), or to
    /// `{ version, platforms }` for a dependency that holds on some platforms only.
    #[serde(default)]
    pub depends: Entries<Node<Requirement>>,
    /// Build-time dependencies, written like `depends`.
    #[serde(default)]
    pub build_depends: Entries<Node<Requirement>>,
    /// The build recipe: a mapping, free-form below it, hashed canonically into the package
    /// identity with every scalar as the text written (docs/identity.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Node<Recipe>>,
    /// Put before the release's tag in this product's repositories, for repositories whose
    /// tags must start with a letter (`v` gives `v29.0.0`), unless the tag starts with it
    /// already (`v29.0.0.rc1` stays as it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_prefix: Option<Node<String>>,
}

/// A build recipe: a mapping whose scalars are all kept as the text written, so that no YAML
/// schema (`yes`, `on`, `0b101`, `1e3`, `~`) changes what is hashed.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe(pub Vec<(Node<String>, Untyped)>);

impl<'de> Deserialize<'de> for Recipe {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// `cache`: reading the parse cache, where the entries are a list.
        struct RecipeVisitor {
            cache: bool,
        }
        impl<'de> serde::de::Visitor<'de> for RecipeVisitor {
            type Value = Recipe;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(RECIPE_EXPECTED)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Recipe, A::Error> {
                let mut entries = Vec::new();
                while let Some(super::span::Key(key)) = map.next_key::<super::span::Key>()? {
                    entries.push((key, map.next_value::<Untyped>()?));
                }
                Ok(Recipe(entries))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Recipe, A::Error> {
                if !self.cache {
                    return Err(serde::de::Error::invalid_type(
                        serde::de::Unexpected::Seq,
                        &self,
                    ));
                }
                let entries = Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Recipe(entries))
            }
        }
        if super::span::spans_on() {
            return deserializer.deserialize_seq(RecipeVisitor { cache: true });
        }
        // Any node, so that a scalar or a list is reported as not a recipe, where it is.
        deserializer.deserialize_any(RecipeVisitor { cache: false })
    }
}

/// What a recipe is, in the message of a `build` that is not one.
pub const RECIPE_EXPECTED: &str = "a build recipe (a mapping)";

impl Serialize for Recipe {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if super::span::spans_on() {
            return serializer.collect_seq(self.0.iter());
        }
        serializer.collect_map(self.0.iter().map(|(k, v)| (&k.value, v)))
    }
}

impl JsonSchema for Recipe {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Recipe".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A mapping, free-form below it; every scalar is hashed as the text written.",
            "type": "object"
        })
    }
}

/// What a product requires of one dependency.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Requirement {
    /// A semver requirement (`>=27`, `^1.2`), or `*` for any version.
    Version(String),
    /// A requirement that holds on some platforms only.
    Conditional(ConditionalRequirement),
}

/// A dependency limited to some platforms, as alidist writes `GCC-Toolchain:(?!osx)`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionalRequirement {
    /// A semver requirement, or `*`.
    #[serde(default = "any_version")]
    pub version: String,
    /// Platform patterns (`*` matches any text): the dependency holds on a platform that
    /// matches one of them, and not on one that matches a pattern written with a leading `!`
    /// (`["!osx*"]`: everywhere but macOS).
    #[schemars(length(min = 1), inner(regex(pattern = r"^!?[A-Za-z0-9._+*-]+$")))]
    pub platforms: Vec<String>,
}

fn any_version() -> String {
    "*".into()
}

impl Requirement {
    /// The semver requirement text.
    pub fn version(&self) -> &str {
        match self {
            Requirement::Version(version) => version,
            Requirement::Conditional(conditional) => &conditional.version,
        }
    }

    /// Whether the dependency holds on `platform`.
    pub fn holds_on(&self, platform: &str) -> bool {
        let Requirement::Conditional(conditional) = self else {
            return true;
        };
        let (excluded, included): (Vec<&String>, Vec<&String>) = conditional
            .platforms
            .iter()
            .partition(|p| p.starts_with('!'));
        let matches = |pattern: &str| glob_match(pattern, platform);
        (included.is_empty() || included.iter().any(|p| matches(p)))
            && !excluded.iter().any(|p| matches(&p[1..]))
    }
}

/// `*` matches any text, everything else itself. Linear: a star remembers where it may
/// resume, so no pattern can make matching slow.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    let (mut p, mut t) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            resume = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star, from)) = resume {
            p = star + 1;
            t = from + 1;
            resume = Some((star, from + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// The role of a product in a distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProductType {
    /// Developed by the collaboration.
    #[default]
    Internal,
    /// Developed elsewhere; must be pinned to a tag or commit.
    ThirdParty,
    /// Needed to build, never at run time.
    BuildTool,
    /// Data shipped with the distribution.
    Dataset,
}

impl ProductType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::Internal => "internal",
            ProductType::ThirdParty => "third-party",
            ProductType::BuildTool => "build-tool",
            ProductType::Dataset => "dataset",
        }
    }
}

impl Default for Node<ProductType> {
    fn default() -> Self {
        Node::new(ProductType::default(), None)
    }
}

/// One git repository of a product.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    /// Clone URL: https, ssh (`git@host:path`), `file://` or a local path.
    pub url: Node<String>,
    /// What nightly and weekly builds track: a branch, a tag or a full commit id.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Node<String>>,
    /// Only this sub-tree of the repository is the product's source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Node<String>>,
    /// Products that build from this same repository too, declared on each of them: the
    /// exception to "one repository, one product".
    #[serde(default)]
    pub shared_with: Vec<Node<String>>,
}

/// A distribution: one file in `distributions/`. Its products are the dependency closure of
/// its roots.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    pub name: Node<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The environment every package of this distribution is built in.
    pub environment: Node<String>,
    /// The top-level products.
    pub products: Vec<Node<String>>,
    /// Variables for naming templates, with their defaults; `--var k=v` overrides them. A
    /// variable declared `{ default, input: true }` is also an input of every package identity.
    #[serde(default)]
    pub variables: Entries<Node<Variable>>,
    /// Release name templates per release kind.
    #[serde(default)]
    pub naming: Naming,
    /// The platform locks are made for unless `--platform` says otherwise (`linux-x86_64`...);
    /// when absent, the first of `platforms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9._+-]+$"))]
    pub platform: Option<Node<String>>,
    /// The platforms the distribution is built for (`[slc9_x86-64, osx_arm64]`): `check`
    /// evaluates the rules that depend on the platform for each of them, `fetch` mirrors what
    /// each one needs, and `lock --platform` accepts only these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1), inner(regex(pattern = r"^[A-Za-z0-9._+-]+$")))]
    pub platforms: Option<Vec<Node<String>>>,
    /// Regular expression that finds issue keys in commit messages, e.g. `DM-\d+`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Node<String>>,
    /// Products tagged with every release but not part of what is built (DMTN-106 §4.5):
    /// documentation, environment definitions, distribution and test-data packages. Each is
    /// locked at its repository's `ref` (else its default branch), outside the content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub companions: Vec<Node<String>>,
    /// Install instructions for release notes (Markdown), with `{release}`, `{distribution}`,
    /// `{build}`, `{platform}` and the distribution's variables filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Node<String>>,
    /// The checks each step requires to have passed (`distrib record`): a step without them is
    /// refused unless `--override-gate` gives a reason.
    #[serde(default)]
    pub gates: Gates,
    /// Products left out of this distribution (alidist's `disable`): every dependency on them
    /// is dropped from the products it builds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<Node<String>>,
    /// Products built differently in this distribution (alidist's `overrides`): each field
    /// written replaces the product's, and `build` replaces the keys it writes.
    #[serde(default, skip_serializing_if = "Entries::is_empty")]
    pub overrides: Entries<Node<ProductOverride>>,
}

/// How one product is built in one distribution: the product's fields that differ there.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repositories: Option<Vec<Node<Repository>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends: Option<Entries<Node<Requirement>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_depends: Option<Entries<Node<Requirement>>>,
    /// Keys of the build recipe, each replacing the product's key of that name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Node<Recipe>>,
}

impl Distribution {
    /// The distribution's `overrides` and `exclude`, to apply to products
    /// ([`Applied::to`]), looked up by name. Of two overrides of one name (which `check`
    /// reports), the first applies.
    pub fn applied(&self) -> Applied<'_> {
        let mut overrides = std::collections::HashMap::new();
        for (name, o) in self.overrides.iter() {
            overrides.entry(name.value.as_str()).or_insert(&o.value);
        }
        Applied {
            overrides,
            excluded: self.exclude.iter().map(|e| e.value.as_str()).collect(),
        }
    }
}

/// A distribution's `overrides` and `exclude`, by name.
pub struct Applied<'a> {
    overrides: std::collections::HashMap<&'a str, &'a ProductOverride>,
    excluded: std::collections::HashSet<&'a str>,
}

impl Applied<'_> {
    /// `product` as the distribution builds it, when that differs from its file: its override
    /// applied, then its dependencies on excluded products dropped.
    pub fn to(&self, product: &Product) -> Option<Product> {
        let overridden = self.overrides.get(product.name.value.as_str()).copied();
        let excluded = |name: &Node<String>| self.excluded.contains(name.value.as_str());
        let drops = product
            .depends
            .iter()
            .chain(product.build_depends.iter())
            .any(|(name, _)| excluded(name));
        if overridden.is_none() && !drops {
            return None;
        }
        let mut out = product.clone();
        if let Some(o) = overridden {
            if o.tag.is_some() {
                out.tag.clone_from(&o.tag);
            }
            if o.version.is_some() {
                out.version.clone_from(&o.version);
            }
            if let Some(repositories) = &o.repositories {
                out.repositories.clone_from(repositories);
            }
            if let Some(depends) = &o.depends {
                out.depends = depends.clone();
            }
            if let Some(depends) = &o.build_depends {
                out.build_depends = depends.clone();
            }
            if let Some(build) = &o.build {
                let mut recipe = out
                    .build
                    .take()
                    .map(|b| b.value)
                    .unwrap_or(Recipe(Vec::new()));
                for (key, value) in &build.value.0 {
                    match recipe.0.iter_mut().find(|(k, _)| k.value == key.value) {
                        Some(entry) => entry.1 = value.clone(),
                        None => recipe.0.push((key.clone(), value.clone())),
                    }
                }
                out.build = Some(Node::new(recipe, build.span.clone()));
            }
        }
        out.depends.0.retain(|(name, _)| !excluded(name));
        out.build_depends.0.retain(|(name, _)| !excluded(name));
        Some(out)
    }
}

/// `gates:` of a distribution: for each step, the checks whose newest record must be a pass.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gates {
    /// `release candidate`: checks of the release it is made from (DMTN-106 §4.4: "a weekly
    /// build has been completed successfully").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidate: Vec<Node<String>>,
    /// `release final`: checks of its candidate (DMTN-106 §4.6, the validation campaign).
    #[serde(default, rename = "final", skip_serializing_if = "Vec::is_empty")]
    pub final_: Vec<Node<String>>,
    /// `release patch`: checks of the final it patches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patch: Vec<Node<String>>,
    /// `deploy set-default`: checks of the release made the default (O2 §9, the workout).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default: Vec<Node<String>>,
    /// Tagging a release in the product repositories: checks of that release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<Node<String>>,
}

impl Gates {
    /// Every gated step, by the name `gates:` gives it, with the checks it requires.
    pub fn steps(&self) -> [(&'static str, &[Node<String>]); 5] {
        [
            ("candidate", &self.candidate),
            ("final", &self.final_),
            ("patch", &self.patch),
            ("default", &self.default),
            ("tag", &self.tag),
        ]
    }

    /// The checks `step` requires, by name.
    pub fn of(&self, step: &str) -> Vec<String> {
        self.steps()
            .into_iter()
            .find(|(name, _)| *name == step)
            .map(|(_, checks)| checks.iter().map(|c| c.value.clone()).collect())
            .unwrap_or_default()
    }
}

/// A distribution's variable: `name: "default"` names releases only; `name: { default,
/// input: true }` is a build input too (O2 §5: built against the installed FLP suite).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Variable {
    /// Its default value: a variable of release names only.
    Value(String),
    Declared(DeclaredVariable),
}

/// A variable written as a mapping.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredVariable {
    /// The value unless `--var` gives one; an input must have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the value enters every package identity of a lock (a build input), and not only
    /// release names.
    #[serde(default)]
    pub input: bool,
}

impl Variable {
    /// The default value, if any.
    pub fn default_value(&self) -> Option<&str> {
        match self {
            Variable::Value(value) => Some(value),
            Variable::Declared(declared) => declared.default.as_deref(),
        }
    }

    /// Whether the variable is a build input.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Variable::Declared(DeclaredVariable { input: true, .. })
        )
    }
}

impl<'de> Deserialize<'de> for Variable {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A short value is its text as written (`0.40` stays `0.40`); a mapping a declaration.
        Ok(
            match TextOr::<DeclaredVariable>::deserialize(deserializer)? {
                TextOr::Text(text) => Variable::Value(text),
                TextOr::Mapping(declared) => Variable::Declared(declared),
            },
        )
    }
}

/// Release name templates. strftime codes of the release date (`%Y`, `%G`, `%V`...) and
/// `{placeholders}`: `{version}`, `{major}`, `{minor}`, `{patch}`, `{rc}`, `{build}`, a
/// variable of the distribution, or a product name (its version in the release).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nightly: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<Node<String>>,
    #[serde(default, rename = "final", skip_serializing_if = "Option::is_none")]
    pub final_: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Node<String>>,
    /// The tag each release kind puts in every repository of the release (`distrib tag`),
    /// written like the release names. Defaults: weekly `w.%G.%V`, candidate and patch
    /// `{version}.rc{rc}`, final `{version}`; nightly and manual releases make no tag unless
    /// a template is given here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<TagNaming>,
}

/// Tag name templates per release kind.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagNaming {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nightly: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<Node<String>>,
    #[serde(default, rename = "final", skip_serializing_if = "Option::is_none")]
    pub final_: Option<Node<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Node<String>>,
}

/// An environment: one file in `environments/`. Its digest is part of every package identity
/// built in it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub name: Node<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub purpose: Node<Purpose>,
    /// Pinned packages of the environment: name to exact version.
    #[serde(default)]
    pub packages: BTreeMap<String, String>,
    /// Variables every package is built with (alidist's defaults `env`: `CXXFLAGS`...):
    /// name to value. Part of the environment's digest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// What an environment is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    Development,
    Test,
    Operations,
}

/// A deployment: one file in `deployments/`, the releases installed at one site.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub name: Node<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub distribution: Node<String>,
    /// The release users get when they ask for none; must be installed with official support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Node<String>>,
    /// One installed release offered beside the default (O2 §6: the newest nightly, "as
    /// alternative version"); never the default itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Node<String>>,
    /// Per-partition overrides of the default, partition to release (O2 §8: a test release
    /// "must be enabled per partition"): any installed release, of any support.
    #[serde(default, skip_serializing_if = "Entries::is_empty")]
    pub partitions: Entries<Node<String>>,
    #[serde(default)]
    pub installed: Vec<Installed>,
}

/// One installed release of a deployment.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Installed {
    pub release: Node<String>,
    pub support: Node<Support>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The support a site gives an installed release (O2 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Support {
    /// Fully supported; the only kind that may be the default.
    Official,
    /// For tests; may break.
    Test,
    /// For the developers' own use.
    Internal,
}

impl Support {
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Official => "official",
            Support::Test => "test",
            Support::Internal => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_keep_the_text_written() {
        #[derive(Deserialize)]
        struct Variables {
            variables: Entries<Node<Variable>>,
        }
        let text = concat!(
            "variables:\n",
            "  a: 0.40\n",
            "  b: yes\n",
            "  c: \"0.40\"\n",
            "  d: { default: 0.40, input: true }\n",
            "  e: { input: true }\n",
            "  f: { default: x }\n",
        );
        let read = super::super::span::with_source(text, || {
            serde_saphyr::from_str::<Variables>(text).unwrap()
        });
        let values: Vec<(&str, Option<&str>, bool)> = read
            .variables
            .iter()
            .map(|(k, v)| (k.as_str(), v.default_value(), v.is_input()))
            .collect();
        assert_eq!(
            values,
            [
                ("a", Some("0.40"), false),
                ("b", Some("yes"), false),
                ("c", Some("0.40"), false),
                ("d", Some("0.40"), true),
                ("e", None, true),
                ("f", Some("x"), false),
            ]
        );
        for wrong in [
            "variables: { a: }\n",
            "variables: { a: [x] }\n",
            "variables: { a: { input: true, x: 1 } }\n",
        ] {
            let result = super::super::span::with_source(wrong, || {
                serde_saphyr::from_str::<Variables>(wrong).map(|_| ())
            });
            assert!(result.is_err(), "{wrong}");
        }
    }

    #[test]
    fn platform_conditions() {
        let only = |patterns: &[&str]| {
            Requirement::Conditional(ConditionalRequirement {
                version: "*".into(),
                platforms: patterns.iter().map(|p| p.to_string()).collect(),
            })
        };
        assert!(Requirement::Version("*".into()).holds_on("osx-arm64"));
        assert!(only(&["!osx*"]).holds_on("linux-x86_64"));
        assert!(!only(&["!osx*"]).holds_on("osx-arm64"));
        assert!(only(&["linux-*"]).holds_on("linux-aarch64"));
        assert!(!only(&["linux-*"]).holds_on("osx-arm64"));
        assert!(!only(&["linux-*", "!*-aarch64"]).holds_on("linux-aarch64"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b", "ab-"));
        assert!(glob_match("linux-*", "linux-"));
        assert!(!glob_match("", "x"));
        let hostile = format!("{}b", "*a".repeat(12));
        assert!(!glob_match(&hostile, &"a".repeat(40)), "and quickly");
    }
}
