//! ALICE's alidist: recipe files (`*.sh`, a YAML header up to the first `---`, then the build
//! script) and `defaults-*.sh` build profiles, read as aliBuild reads them, turned into the files
//! of a manifest repository. Pure: the caller reads the checkout and writes the files.

pub mod platform;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use miette::{NamedSource, SourceSpan};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::manifest::model::{ConditionalRequirement, Requirement};
use platform::Condition;

/// The first line of every file the import writes: how a later import knows its own files.
pub const MARK: &str = "# Imported from alidist";

/// One `*.sh` file of the checkout.
#[derive(Debug)]
pub struct Recipe {
    /// The file name (`o2.sh`).
    pub file: String,
    pub text: String,
    header: Map<String, Value>,
    /// Where the header ends: the first `---`, as aliBuild's `parseRecipe` splits.
    header_end: usize,
}

/// A problem with the checkout, at a line of one of its files.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code("import"))]
pub struct AlidistError {
    pub message: String,
    #[help]
    pub help: Option<String>,
    /// 1-based line in [`AlidistError::file`].
    pub line: usize,
    #[source_code]
    text: std::sync::Arc<NamedSource<String>>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: &'static str,
}

impl AlidistError {
    /// The recipe file, empty for a problem of the checkout as a whole.
    pub fn file(&self) -> &str {
        self.text.name()
    }

    fn at(
        recipe: &Recipe,
        offset: usize,
        length: usize,
        message: String,
        label: &'static str,
    ) -> Self {
        let line = recipe.text[..offset.min(recipe.text.len())]
            .matches('\n')
            .count()
            + 1;
        AlidistError {
            message,
            help: None,
            line,
            text: std::sync::Arc::new(NamedSource::new(&recipe.file, recipe.text.clone())),
            span: Some((offset, length).into()),
            label,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A problem with the checkout as a whole, not one file.
    fn checkout(message: String, help: String) -> Self {
        AlidistError {
            message,
            help: Some(help),
            line: 0,
            text: std::sync::Arc::new(NamedSource::new("", String::new())),
            span: None,
            label: "",
        }
    }
}

impl Recipe {
    /// Reads one recipe's header as aliBuild's `parseRecipe` does: the text up to the first
    /// `---` is YAML, a mapping with a `package`.
    pub fn parse(file: &str, text: String) -> Result<Recipe, AlidistError> {
        let mut recipe = Recipe {
            file: file.to_owned(),
            text,
            header: Map::new(),
            header_end: 0,
        };
        let Some(end) = recipe.text.find("---") else {
            return Err(AlidistError::at(
                &recipe,
                recipe.text.len(),
                0,
                format!("`{file}` has no `---` line: the recipe has no header"),
                "the header ends here",
            )
            .help("end the YAML header with a line `---`, then the build script"));
        };
        recipe.header_end = end;
        let mut options = serde_saphyr::Options::default();
        options.with_snippet = false;
        let parsed: Result<Value, _> =
            serde_saphyr::from_str_with_options(&recipe.text[..end], options);
        let value = match parsed {
            Ok(value) => value,
            Err(error) => {
                let line = error.location().map_or(1, |l| l.line().max(1) as usize);
                let offset = line_offset(&recipe.text, line).min(end);
                let message = error.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message);
                return Err(AlidistError::at(
                    &recipe,
                    offset,
                    0,
                    format!("the header of `{file}` is not YAML: {message}"),
                    "here",
                )
                .help("fix the header (the text before the first `---`): aliBuild cannot read it either"));
            }
        };
        let Value::Object(header) = value else {
            return Err(AlidistError::at(
                &recipe,
                0,
                end,
                format!("the header of `{file}` is not a mapping of fields"),
                "this header",
            )
            .help(
                "a header is `package: NAME`, `version: ...` and the other fields, one per line",
            ));
        };
        if !matches!(header.get("package"), Some(Value::String(_))) {
            return Err(AlidistError::at(
                &recipe,
                0,
                end,
                format!("the header of `{file}` has no `package` name"),
                "this header",
            )
            .help("add `package: NAME` to the header"));
        }
        recipe.header = header;
        Ok(recipe)
    }

    fn package(&self) -> &str {
        self.header
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The build script: the text after the header's `---`, without its surrounding newlines
    /// (aliBuild's `recipe.strip("\n")`).
    fn script(&self) -> &str {
        self.text[self.header_end + 3..].trim_matches('\n')
    }

    fn is_defaults(&self) -> bool {
        self.file.starts_with("defaults-")
    }

    /// The offset of the header line that writes `key:` (at the start of a line), else 0.
    fn field_offset(&self, key: &str) -> usize {
        let header = &self.text[..self.header_end];
        let mut offset = 0;
        for line in header.split_inclusive('\n') {
            if line.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
                return offset;
            }
            offset += line.len();
        }
        0
    }

    /// The offset and length of the list item that writes `entry`, under `field`, else the
    /// field itself.
    fn entry_span(&self, field: &str, entry: &str) -> (usize, usize) {
        let start = self.field_offset(field);
        let header = &self.text[..self.header_end];
        let mut offset = start;
        for line in header[start..].split_inclusive('\n') {
            let item = line
                .trim()
                .strip_prefix('-')
                .map(|i| i.trim().trim_matches(|c| c == '"' || c == '\''));
            if item == Some(entry) {
                let column = line.find(entry).unwrap_or(0);
                return (offset + column, entry.len());
            }
            offset += line.len();
        }
        (start, field.len())
    }
}

fn line_offset(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum()
}

/// Reads every top-level `*.sh` file of an alidist checkout, sorted by name.
pub fn read(dir: &Path) -> Result<Vec<Recipe>, ReadError> {
    let mut names = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|source| ReadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| ReadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sh") || name.starts_with('.') {
            continue;
        }
        // The listing says a file's type; only a link's needs its target looked at.
        let is_file = match entry.file_type() {
            Ok(kind) if kind.is_symlink() => entry.path().is_file(),
            Ok(kind) => kind.is_file(),
            Err(_) => entry.path().is_file(),
        };
        if is_file {
            names.push(name);
        }
    }
    names.sort();
    if names.is_empty() {
        return Err(ReadError::Empty {
            path: dir.to_path_buf(),
        });
    }
    crate::parallel::map(&names, 32, |name| {
        let path = dir.join(name);
        let text =
            std::fs::read_to_string(&path).map_err(|source| ReadError::Io { path, source })?;
        Recipe::parse(name, text).map_err(ReadError::Recipe)
    })
    .into_iter()
    .collect()
}

/// Why a checkout could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadError {
    #[error("cannot read `{}`: {source}", path.display())]
    #[diagnostic(code("io"))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` holds no recipe (`*.sh` file)", path.display())]
    #[diagnostic(
        code("import"),
        help("name the folder of an alidist checkout, where `o2.sh` and `defaults-o2.sh` are")
    )]
    Empty { path: PathBuf },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Recipe(AlidistError),
}

/// What to import.
#[derive(Clone, Debug)]
pub struct Options {
    /// The defaults profile (`o2`: `defaults-o2.sh`) whose `disable` and `overrides` apply.
    pub defaults: String,
    /// The architectures the distributions are built for (`slc9_x86-64`), the first their
    /// default platform: each is a closure of its own, as aliBuild's `--architecture`.
    pub architectures: Vec<String>,
    /// The distribution's root product.
    pub root: String,
}

/// One file of the manifest repository, relative to its root.
#[derive(Debug, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// The version keys aliBuild fills from the checkout's commit or the clock: only lock time knows
/// them, and distrib has no such template.
const LOCK_TIME: &[&str] = &[
    "commit_hash",
    "short_hash",
    "branch_basename",
    "branch_stream",
    "year",
    "month",
    "day",
    "hour",
];

/// The header fields the product's own fields say; every other one is kept in `build`.
const MAPPED: &[&str] = &[
    "package",
    "version",
    "tag",
    "source",
    "requires",
    "build_requires",
];

/// The files of the manifest repository for a checkout: a product per recipe, and the
/// distribution and environment of the chosen defaults profile.
pub fn convert(recipes: &[Recipe], options: &Options) -> Result<Vec<File>, AlidistError> {
    // Each once, in the order given: the first is the distributions' default platform.
    let mut architectures: Vec<&str> = Vec::new();
    for architecture in &options.architectures {
        if !architectures.contains(&architecture.as_str()) {
            architectures.push(architecture);
        }
    }
    if architectures.is_empty() {
        return Err(AlidistError::checkout(
            "no architecture to import for".into(),
            "pass `--architecture`, such as `slc9_x86-64`".into(),
        ));
    }
    let mut packages: BTreeMap<&str, &Recipe> = BTreeMap::new();
    for recipe in recipes.iter().filter(|r| !r.is_defaults()) {
        if let Some(first) = packages.insert(recipe.package(), recipe) {
            let offset = recipe.field_offset("package");
            return Err(AlidistError::at(
                recipe,
                offset,
                recipe.text[offset..].find('\n').unwrap_or(0),
                format!(
                    "`{}` and `{}` both declare the package `{}`",
                    first.file,
                    recipe.file,
                    recipe.package()
                ),
                "declared again here",
            )
            .help("a package has one recipe: remove or rename one of them"));
        }
        let stem = recipe.file.trim_end_matches(".sh");
        if recipe.package().to_lowercase() != stem {
            let offset = recipe.field_offset("package");
            return Err(AlidistError::at(
                recipe,
                offset,
                recipe.text[offset..].find('\n').unwrap_or(0),
                format!(
                    "`{}` declares the package `{}`: aliBuild looks for it in `{}.sh`",
                    recipe.file,
                    recipe.package(),
                    recipe.package().to_lowercase()
                ),
                "this package",
            )
            .help(format!(
                "rename the file to `{}.sh`, or the package to match `{stem}`",
                recipe.package().to_lowercase()
            )));
        }
        if !crate::validate::is_valid_name(recipe.package()) {
            let offset = recipe.field_offset("package");
            return Err(AlidistError::at(
                recipe,
                offset,
                0,
                format!(
                    "`{}` is not a product name distrib can use",
                    recipe.package()
                ),
                "this package",
            )
            .help("use letters, digits and `._+-`"));
        }
    }
    let defaults_file = format!("defaults-{}.sh", options.defaults);
    let Some(primary) = recipes.iter().find(|r| r.file == defaults_file) else {
        let known: Vec<String> = recipes
            .iter()
            .filter(|r| r.is_defaults())
            .map(|r| format!("`{}`", profile_name(r)))
            .collect();
        return Err(AlidistError::checkout(
            format!(
                "the checkout has no `{defaults_file}`: no defaults `{}`",
                options.defaults
            ),
            format!("pass `--defaults` one of {}", known.join(", ")),
        ));
    };
    if !packages.contains_key(options.root.as_str()) {
        return Err(AlidistError::checkout(
            format!("no recipe declares the package `{}`", options.root),
            "pass `--root` the package the distribution is made of, e.g. `O2PDPSuite`".into(),
        ));
    }
    // aliBuild means to merge `defaults-<architecture>.sh` into the profile, but 1.17.48 reads
    // the profile again in its place (and stops on a profile's `disable` list): what it builds
    // is not what the file says, so no closure the import could give is aliBuild's.
    for architecture in &architectures {
        let architecture_file = format!("defaults-{architecture}.sh");
        let Some(defaults) = recipes.iter().find(|r| r.file == architecture_file) else {
            continue;
        };
        let offset = defaults.field_offset("package");
        return Err(AlidistError::at(
            defaults,
            offset,
            defaults.text[offset..].find('\n').unwrap_or(0),
            format!(
                "`{architecture_file}` holds defaults for the architecture `{architecture}`, which have no distrib equivalent"
            ),
            "defaults of this architecture",
        )
        .help(format!(
            "move its `env`, `disable` and `overrides` into `{defaults_file}` (and the other profiles), then remove it"
        )));
    }
    // Every profile is read, so that a broken one is reported whichever is imported.
    let mut profiles = Vec::new();
    for recipe in recipes.iter().filter(|r| r.is_defaults()) {
        profiles.push(Profile::of(recipe)?);
    }
    // The product files: the recipes as written, with no profile's `overrides`; what only a
    // profile's name decides (`%(defaults_upper)s`, `defaults=`) is decided for `--defaults`.
    let base = Profile::plain(primary);
    let recipes: Vec<&Recipe> = packages.values().copied().collect();
    // On every core; the first error in the recipes' order is the one reported, as one after
    // another would report it.
    let mut products =
        crate::parallel::map(&recipes, 32, |recipe| product(recipe, &base, &packages))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
    share_repositories(&mut products);
    let mut files: Vec<File> = crate::parallel::map(&products, 32, |p| File {
        path: Path::new("products").join(format!("{}.yaml", p.name)),
        text: p.to_yaml(&recipe_file(&packages, &p.name)),
    });
    // A distribution per profile the root can be built with, as aliBuild decides it: every
    // package of the root's closure that lists `valid_defaults` lists the profile. The profiles
    // on every core; the first error in their order is the one reported.
    debug_assert!(products.is_sorted_by(|a, b| a.name < b.name));
    let made = crate::parallel::map(&profiles, 1, |profile| {
        profile_files(profile, options, &architectures, &packages, &products)
    });
    let mut imported = 0;
    for profile_files in made {
        if let Some([environment, distribution]) = profile_files? {
            imported += 1;
            files.push(environment);
            files.push(distribution);
        }
    }
    debug_assert!(imported > 0);
    Ok(files)
}

/// The environment and the distribution of `profile`, or `None` when it cannot build the root
/// on any of `architectures`. `products` are the products of `packages`, in their order.
fn profile_files(
    profile: &Profile,
    options: &Options,
    architectures: &[&str],
    packages: &BTreeMap<&str, &Recipe>,
    products: &[Product],
) -> Result<Option<[File; 2]>, AlidistError> {
    let mut changed = BTreeMap::new();
    for (recipe, base) in packages.values().zip(products) {
        // Only an override or what a profile's name decides makes a product differ.
        if !profile.may_change(recipe) {
            continue;
        }
        let built = product(recipe, profile, packages)?;
        if let Some(change) = Override::between(base, &built) {
            changed.insert(built.name.clone(), (change, built));
        }
    }
    let builds = |name: &str| -> Option<&Product> {
        match changed.get(name) {
            Some((_, built)) => Some(built),
            None => products
                .binary_search_by(|p| p.name.as_str().cmp(name))
                .ok()
                .map(|at| &products[at]),
        }
    };
    // The architectures the profile can build the root on: each has its own closure.
    let mut platforms = Vec::new();
    for architecture in architectures {
        let Some((package, valid)) = invalid_for(profile, &options.root, architecture, builds)
        else {
            platforms.push(*architecture);
            continue;
        };
        if profile.name == options.defaults {
            let on = match architectures {
                [_] => String::new(),
                _ => format!(" on `{architecture}`"),
            };
            let valid = valid
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(AlidistError::checkout(
                format!(
                    "`{package}` cannot be built with the defaults `{}`{on}: its `valid_defaults` are {valid}",
                    profile.name,
                ),
                format!("pass `--defaults` one of {valid}"),
            ));
        }
    }
    if platforms.is_empty() {
        return Ok(None);
    }
    let overrides = changed
        .into_iter()
        .map(|(name, (change, _))| (name, change))
        .collect();
    Ok(Some([
        profile.environment(),
        profile.distribution(options, &platforms, packages, overrides),
    ]))
}

/// The name of a profile: `o2-epn` for `defaults-o2-epn.sh`.
fn profile_name(recipe: &Recipe) -> &str {
    recipe.file["defaults-".len()..]
        .strip_suffix(".sh")
        .unwrap_or(&recipe.file)
}

/// The first package of `root`'s closure under `profile` whose `valid_defaults` does not list
/// it, with those it lists: aliBuild then refuses to build `root` with that profile.
fn invalid_for<'a>(
    profile: &Profile,
    root: &str,
    architecture: &str,
    builds: impl Fn(&str) -> Option<&'a Product>,
) -> Option<(String, Vec<String>)> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(name) = stack.pop() {
        if profile.disable.contains(&name) || !seen.insert(name.clone()) {
            continue;
        }
        let Some(product) = builds(&name) else {
            continue;
        };
        let valid: Option<Vec<String>> = match product.build.fields.get("valid_defaults") {
            Some(Value::Array(list)) => Some(list.iter().filter_map(scalar).collect()),
            Some(value) => scalar(value).map(|v| vec![v]),
            None => None,
        };
        if let Some(valid) = valid.filter(|v| !v.contains(&profile.name)) {
            return Some((name, valid));
        }
        for (dependency, requirement) in product.depends.iter().chain(&product.build_depends) {
            if requirement.holds_on(architecture) {
                stack.push(dependency.clone());
            }
        }
    }
    None
}

fn recipe_file(packages: &BTreeMap<&str, &Recipe>, name: &str) -> String {
    packages
        .get(name)
        .map(|r| r.file.clone())
        .unwrap_or_default()
}

/// A `defaults-*.sh` profile.
struct Profile<'a> {
    recipe: &'a Recipe,
    /// `o2-epn` for `defaults-o2-epn.sh`: aliBuild names a profile by its file.
    name: String,
    env: BTreeMap<String, String>,
    disable: BTreeSet<String>,
    /// `(lower-case package names, fields)`.
    overrides: Vec<(Packages, &'a Map<String, Value>)>,
}

/// The packages an override of a defaults profile applies to: aliBuild's
/// `re.fullmatch(key, package.lower())`.
enum Packages {
    /// A key of letters, digits, `_` and `-` only, which matches that name and no other: most
    /// keys, compared without compiling a regular expression.
    Named(String),
    Matching(regex::Regex),
}

impl Packages {
    fn new(pattern: String) -> Result<Packages, regex::Error> {
        let literal = pattern
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if literal && !pattern.is_empty() {
            return Ok(Packages::Named(pattern));
        }
        regex::Regex::new(&format!("^(?:{pattern})$")).map(Packages::Matching)
    }

    /// Whether the package of lower-case name `lower` is one of these.
    fn contains(&self, lower: &str) -> bool {
        match self {
            Packages::Named(name) => name == lower,
            Packages::Matching(regex) => regex.is_match(lower),
        }
    }
}

impl<'a> Profile<'a> {
    fn of(recipe: &'a Recipe) -> Result<Profile<'a>, AlidistError> {
        let wrong = |field: &str, what: &str| {
            let offset = recipe.field_offset(field);
            AlidistError::at(
                recipe,
                offset,
                field.len(),
                format!("`{field}` of `{}` is not {what}", recipe.file),
                "this field",
            )
            .help(format!("write `{field}` as {what}, as aliBuild reads it"))
        };
        let mut env = BTreeMap::new();
        match recipe.header.get("env") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    env.insert(
                        key.clone(),
                        scalar(value)
                            .ok_or_else(|| wrong("env", "a mapping of names to values"))?,
                    );
                }
            }
            Some(_) => return Err(wrong("env", "a mapping of names to values")),
        }
        let disable = match recipe.header.get("disable") {
            None | Some(Value::Null) => BTreeSet::new(),
            Some(Value::String(one)) => BTreeSet::from([one.clone()]),
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| scalar(v).ok_or_else(|| wrong("disable", "a list of package names")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(wrong("disable", "a list of package names")),
        };
        let mut overrides = Vec::new();
        match recipe.header.get("overrides") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    let span = || recipe.entry_span("overrides", key).0;
                    let pattern = key.split('@').next().unwrap_or(key).to_lowercase();
                    if key.contains('@') {
                        return Err(AlidistError::at(
                            recipe,
                            span(),
                            key.len(),
                            format!("`{key}` reads a recipe from another alidist revision"),
                            "this override",
                        )
                        .help("distrib imports one checkout: apply the override in it"));
                    }
                    let packages = Packages::new(pattern).map_err(|_| {
                        AlidistError::at(
                            recipe,
                            span(),
                            key.len(),
                            format!(
                                "the override `{key}` is not a regular expression distrib reads"
                            ),
                            "this override",
                        )
                        .help("name the package")
                    })?;
                    static EMPTY: std::sync::LazyLock<Map<String, Value>> =
                        std::sync::LazyLock::new(Map::new);
                    let fields = match value {
                        Value::Object(fields) => fields,
                        Value::Null => &EMPTY,
                        _ => return Err(wrong("overrides", "a mapping of packages to fields")),
                    };
                    overrides.push((packages, fields));
                }
            }
            Some(_) => return Err(wrong("overrides", "a mapping of packages to fields")),
        }
        Ok(Profile {
            recipe,
            name: profile_name(recipe).to_owned(),
            env,
            disable,
            overrides,
        })
    }

    /// `recipe`'s name, with no `env`, `disable` or `overrides`.
    fn plain(recipe: &'a Recipe) -> Profile<'a> {
        Profile {
            recipe,
            name: profile_name(recipe).to_owned(),
            env: BTreeMap::new(),
            disable: BTreeSet::new(),
            overrides: Vec::new(),
        }
    }

    /// Whether the recipe may give another product under this profile than under
    /// [`Profile::plain`]: an override applies to it, or its header names the defaults
    /// (`Pkg:defaults=o2`, `%(defaults_upper)s`).
    fn may_change(&self, recipe: &Recipe) -> bool {
        let lower = recipe.package().to_lowercase();
        self.overrides
            .iter()
            .any(|(packages, _)| packages.contains(&lower))
            || recipe.text[..recipe.header_end].contains("defaults")
    }

    /// The recipe's header with the profile's overrides applied (aliBuild's `spec.update`).
    fn apply(&self, recipe: &Recipe) -> Result<Map<String, Value>, AlidistError> {
        let mut spec = recipe.header.clone();
        let lower = recipe.package().to_lowercase();
        let matching: Vec<_> = self
            .overrides
            .iter()
            .filter(|(packages, _)| packages.contains(&lower))
            .collect();
        if matching.len() > 1 {
            let (offset, length) = self.recipe.entry_span("overrides", recipe.package());
            return Err(AlidistError::at(
                self.recipe,
                offset,
                length,
                format!(
                    "several overrides of `{}` apply to `{}`",
                    self.recipe.file,
                    recipe.package()
                ),
                "one of them",
            )
            .help("merge them into one: the order aliBuild applies them in is the file's"));
        }
        for (_, fields) in matching {
            for (key, value) in fields.iter() {
                spec.insert(key.clone(), value.clone());
            }
        }
        Ok(spec)
    }

    /// The profile's environment: its `env`, which aliBuild gives every package it builds.
    fn environment(&self) -> File {
        #[derive(Serialize)]
        struct Environment<'a> {
            name: &'a str,
            description: String,
            purpose: &'static str,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            env: &'a BTreeMap<String, String>,
        }
        let body = serde_saphyr::to_string(&Environment {
            name: &self.name,
            description: format!("aliBuild defaults `{}`", self.name),
            purpose: "development",
            env: &self.env,
        })
        .unwrap_or_default();
        File {
            path: Path::new("environments").join(format!("{}.yaml", self.name)),
            text: format!(
                "{MARK} `{}`; edit alidist and import again.\n{body}",
                self.recipe.file
            ),
        }
    }

    /// The profile's distribution: the root, built for `platforms`, its `disable` as `exclude`
    /// (the entries that name a package: aliBuild compares them with package names as written)
    /// and its `overrides` as the products built differently.
    fn distribution(
        &self,
        options: &Options,
        platforms: &[&str],
        packages: &BTreeMap<&str, &Recipe>,
        overrides: BTreeMap<String, Override>,
    ) -> File {
        #[derive(Serialize)]
        struct Distribution<'a> {
            name: &'a str,
            description: String,
            environment: &'a str,
            products: [&'a str; 1],
            platforms: &'a [&'a str],
            #[serde(skip_serializing_if = "Vec::is_empty")]
            exclude: Vec<&'a str>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            overrides: BTreeMap<String, Override>,
        }
        let body = serde_saphyr::to_string(&Distribution {
            name: &self.name,
            description: format!(
                "`{}` built with aliBuild's defaults `{}`",
                options.root, self.name
            ),
            environment: &self.name,
            products: [&options.root],
            platforms,
            exclude: self
                .disable
                .iter()
                .map(String::as_str)
                .filter(|name| packages.contains_key(name))
                .collect(),
            overrides,
        })
        .unwrap_or_default();
        File {
            path: Path::new("distributions").join(format!("{}.yaml", self.name)),
            text: format!(
                "{MARK} `{}`; edit alidist and import again.\n{body}",
                self.recipe.file
            ),
        }
    }
}

/// The fields of a product that a profile changes: what its distribution's `overrides` say.
#[derive(Debug, Default, Serialize)]
struct Override {
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repositories: Option<Vec<Repository>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    depends: Option<BTreeMap<String, Requirement>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build_depends: Option<BTreeMap<String, Requirement>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build: Option<Map<String, Value>>,
}

impl Override {
    /// What turns `base` into `built`, if anything does.
    fn between(base: &Product, built: &Product) -> Option<Override> {
        let mut change = Override::default();
        if built.tag != base.tag {
            change.tag.clone_from(&built.tag);
        }
        if built.version != base.version {
            // A version equal to the tag is not written; an override says it.
            change.version = built.version.clone().or_else(|| built.tag.clone());
        }
        let urls = |p: &Product| {
            p.repositories
                .iter()
                .map(|r| r.url.clone())
                .collect::<Vec<_>>()
        };
        if urls(built) != urls(base) {
            change.repositories = Some(
                urls(built)
                    .into_iter()
                    .map(|url| Repository {
                        url,
                        shared_with: Vec::new(),
                    })
                    .collect(),
            );
        }
        if built.depends != base.depends {
            change.depends = Some(built.depends.clone());
        }
        if built.build_depends != base.build_depends {
            change.build_depends = Some(built.build_depends.clone());
        }
        let build: Map<String, Value> = built
            .build
            .fields
            .iter()
            .filter(|(key, value)| base.build.fields.get(*key) != Some(*value))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !build.is_empty() {
            change.build = Some(build);
        }
        let unchanged = change.tag.is_none()
            && change.version.is_none()
            && change.repositories.is_none()
            && change.depends.is_none()
            && change.build_depends.is_none()
            && change.build.is_none();
        (!unchanged).then_some(change)
    }
}

/// A scalar header value as aliBuild's `str()` gives it.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        _ => None,
    }
}

/// A product file as the import writes it.
#[derive(Debug, Serialize)]
struct Product {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    repositories: Vec<Repository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    depends: BTreeMap<String, Requirement>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    build_depends: BTreeMap<String, Requirement>,
    build: Build,
    #[serde(skip)]
    normalized: Option<String>,
}

#[derive(Debug, Serialize)]
struct Repository {
    url: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    shared_with: Vec<String>,
}

/// The build recipe: the script, and every header field distrib has no field for, as written.
#[derive(Debug, Serialize)]
struct Build {
    script: Script,
    #[serde(flatten)]
    fields: Map<String, Value>,
}

/// A script, written as a block literal when that reads back exactly.
#[derive(Debug)]
struct Script(String);

impl Serialize for Script {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let script = self.0.as_str();
        let lines = script.contains('\n');
        let plain = lines && plainly_literal(script);
        debug_assert!(
            !plain || reads_back(script),
            "{script:?} does not read back as a literal block"
        );
        if plain || (lines && reads_back(script)) {
            serde_saphyr::LitStr(script).serialize(serializer)
        } else {
            serializer.serialize_str(script)
        }
    }
}

/// Whether `text` is of the lines a YAML literal block keeps exactly as they are: printable
/// characters other than tabs, no line ending in a space, the first not starting with one (which
/// would need an indentation indicator), and no line break at either end (`|-` keeps none).
/// Most scripts are; the others are written as a literal only when [`reads_back`] says so.
fn plainly_literal(text: &str) -> bool {
    let printable = |c: char| {
        c == '\n'
            || (' '..='~').contains(&c)
            || (c >= '\u{a0}'
                && !matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ))
    };
    let bytes = text.as_bytes();
    let ascii = |b: u8| b == b'\n' || (b' '..=b'~').contains(&b);
    !text.starts_with([' ', '\n'])
        && !text.ends_with(['\n', ' '])
        && !bytes.windows(2).any(|pair| pair == b" \n")
        // Byte by byte where the text is ASCII, as scripts mostly are.
        && (bytes.iter().all(|&b| ascii(b)) || text.chars().all(printable))
}

/// Whether `text`, written as a YAML literal block, reads back exactly.
fn reads_back(text: &str) -> bool {
    #[derive(Serialize)]
    struct Probe<'a> {
        s: serde_saphyr::LitStr<'a>,
    }
    #[derive(serde::Deserialize)]
    struct Back {
        s: String,
    }
    serde_saphyr::to_string(&Probe {
        s: serde_saphyr::LitStr(text),
    })
    .ok()
    .and_then(|yaml| serde_saphyr::from_str::<Back>(&yaml).ok())
    .is_some_and(|back| back.s == text)
}

impl Product {
    fn to_yaml(&self, file: &str) -> String {
        let body = serde_saphyr::to_string(self).unwrap_or_default();
        format!("{MARK} `{file}`; edit alidist and import again.\n{body}")
    }
}

/// The product of one recipe under the profile.
fn product(
    recipe: &Recipe,
    profile: &Profile,
    packages: &BTreeMap<&str, &Recipe>,
) -> Result<Product, AlidistError> {
    let spec = profile.apply(recipe)?;
    let field_error = |field: &str, what: &str| {
        let offset = recipe.field_offset(field);
        AlidistError::at(
            recipe,
            offset,
            field.len(),
            format!("`{field}` of `{}` is not {what}", recipe.file),
            "this field",
        )
        .help(format!("write `{field}` as {what}"))
    };
    let text_field = |field: &str| -> Result<Option<String>, AlidistError> {
        match spec.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => scalar(value)
                .map(Some)
                .ok_or_else(|| field_error(field, "a string")),
        }
    };
    let name = recipe.package().to_owned();
    let source = text_field("source")?;
    let raw_version = text_field("version")?.ok_or_else(|| {
        let offset = recipe.field_offset("package");
        AlidistError::at(
            recipe,
            offset,
            "package".len(),
            format!("`{}` has no `version`", recipe.file),
            "this package",
        )
        .help("add `version:` to the header: aliBuild needs one too")
    })?;
    // aliBuild: `spec["tag"] = spec.get("tag", spec["version"])`.
    let tag = text_field("tag")?.unwrap_or_else(|| raw_version.clone());
    let mut fields: Map<String, Value> = spec
        .iter()
        .filter(|(key, _)| !MAPPED.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let version = match expand(&raw_version, &tag, &profile.name) {
        Expanded::Text(version) => Some(version.replace('/', "_")),
        Expanded::LockTime => {
            // Kept, so that the identity follows it; the version is the tag's.
            fields.insert("version".into(), Value::String(raw_version.clone()));
            None
        }
        Expanded::Invalid(key) => {
            let offset = recipe.field_offset("version");
            return Err(AlidistError::at(
                recipe,
                offset,
                "version".len(),
                format!("the version of `{}` uses `%({key})s`, which aliBuild does not fill", recipe.file),
                "this version",
            )
            .help("use one of `%(tag)s`, `%(tag_basename)s`, `%(defaults_upper)s`, `%(commit_hash)s`, `%(short_hash)s`, `%(year)s`, `%(month)s`, `%(day)s`, `%(hour)s`"));
        }
    };
    let depends = dependencies(recipe, &spec, "requires", profile, packages)?;
    let build_depends = dependencies(recipe, &spec, "build_requires", profile, packages)?;
    let (repositories, tag, version, normalized) = match source {
        Some(url) => {
            let normalized = crate::url::normalize(&url).ok();
            let version = version.filter(|v| *v != tag);
            (
                vec![Repository {
                    url,
                    shared_with: Vec::new(),
                }],
                Some(tag),
                version,
                normalized,
            )
        }
        // A product without a repository has no commit to tag: its version says it all, unless
        // only build time can say it (`v%(year)s%(month)s%(day)s`, kept in `build.version`).
        None if fields.contains_key("version") => (Vec::new(), None, None, None),
        None => (Vec::new(), None, version.or(Some(tag)), None),
    };
    Ok(Product {
        name,
        repositories,
        tag,
        version,
        depends,
        build_depends,
        build: Build {
            script: Script(recipe.script().to_owned()),
            fields,
        },
        normalized,
    })
}

enum Expanded {
    Text(String),
    LockTime,
    Invalid(String),
}

/// aliBuild's `resolve_version`: `%(key)s` filled, `%%` a percent sign.
fn expand(version: &str, tag: &str, defaults: &str) -> Expanded {
    let mut out = String::new();
    let mut rest = version;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(after) = after.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }
        let Some((key, after)) = after.strip_prefix('(').and_then(|a| a.split_once(")s")) else {
            return Expanded::Invalid(after.chars().take(12).collect());
        };
        match key {
            "tag" => out.push_str(tag),
            "tag_basename" => out.push_str(tag.rsplit('/').next().unwrap_or(tag)),
            "defaults_upper" if defaults == "release" => {}
            "defaults_upper" => {
                out.push('_');
                out.push_str(&defaults.to_uppercase().replace('-', "_"));
            }
            key if LOCK_TIME.contains(&key) => return Expanded::LockTime,
            key => return Expanded::Invalid(key.to_owned()),
        }
        rest = after;
    }
    out.push_str(rest);
    Expanded::Text(out)
}

/// `requires` or `build_requires` as distrib dependencies: platform conditions translated,
/// `defaults=` conditions decided for the profile, disabled packages left out.
fn dependencies(
    recipe: &Recipe,
    spec: &Map<String, Value>,
    field: &str,
    profile: &Profile,
    packages: &BTreeMap<&str, &Recipe>,
) -> Result<BTreeMap<String, Requirement>, AlidistError> {
    let entries: Vec<String> = match spec.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                scalar(v).ok_or_else(|| {
                    let offset = recipe.field_offset(field);
                    AlidistError::at(
                        recipe,
                        offset,
                        field.len(),
                        format!(
                            "`{field}` of `{}` holds something that is not a package name",
                            recipe.file
                        ),
                        "this list",
                    )
                    .help("write each entry as `Package` or `Package:condition`")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            let offset = recipe.field_offset(field);
            return Err(AlidistError::at(
                recipe,
                offset,
                field.len(),
                format!("`{field}` of `{}` is not a list", recipe.file),
                "this field",
            )
            .help("write one `- Package` per line"));
        }
    };
    // Entries that come from an override are written in the defaults file.
    let written_in = if recipe.header.get(field) == spec.get(field) {
        recipe
    } else {
        profile.recipe
    };
    let mut out: BTreeMap<String, Requirement> = BTreeMap::new();
    for entry in entries {
        let (name, matcher) = entry.split_once(':').unwrap_or((entry.as_str(), ".*"));
        let at = |message: String, label: &'static str| {
            let (offset, length) = written_in.entry_span(field, &entry);
            AlidistError::at(written_in, offset, length, message, label)
        };
        let condition = if let Some(wanted) = matcher.strip_prefix("defaults=") {
            let regex = regex::Regex::new(&format!("^(?:{wanted})")).map_err(|_| {
                at(
                    format!("the condition `{matcher}` is not a regular expression distrib reads"),
                    "this condition",
                )
                .help("write the defaults' names, e.g. `defaults=o2|o2-epn`")
            })?;
            if !regex.is_match(&profile.name) {
                continue;
            }
            Condition::Always
        } else {
            platform::translate(matcher).ok_or_else(|| {
                at(
                    format!("the platform condition `{matcher}` has no exact equivalent in distrib's platform patterns"),
                    "this condition",
                )
                .help("write it as `(A|B)` or `(?!A|B)`, each alternative literal text with `.*`")
            })?
        };
        // aliBuild's name for the defaults profile, which every package builds with anyway:
        // distrib's environment.
        if name == "defaults-release" {
            continue;
        }
        if !packages.contains_key(name) {
            let closest = packages
                .keys()
                .map(|known| {
                    let score = strsim::jaro_winkler(&name.to_lowercase(), &known.to_lowercase());
                    (score, *known)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let mut error = at(
                format!("`{name}` in `{field}` of `{}` names no recipe", recipe.file),
                "no recipe declares this package",
            );
            error = match closest {
                Some((score, known)) if score > 0.8 => {
                    error.help(format!("did you mean `{known}`?"))
                }
                _ => error.help(format!(
                    "add `{}.sh`, or remove the entry",
                    name.to_lowercase()
                )),
            };
            return Err(error);
        }
        let requirement = match condition {
            Condition::Always => Requirement::Version("*".into()),
            Condition::Platforms(platforms) => Requirement::Conditional(ConditionalRequirement {
                version: "*".into(),
                platforms,
            }),
        };
        let merged = match out.remove(name) {
            None => requirement,
            Some(earlier) => merge(earlier, requirement).ok_or_else(|| {
                at(
                    format!("`{name}` is in `{field}` of `{}` twice, with conditions distrib cannot join", recipe.file),
                    "listed again here",
                )
                .help("write it once, with one condition")
            })?,
        };
        out.insert(name.to_owned(), merged);
    }
    Ok(out)
}

/// The requirement that holds where either holds, when the patterns can say it.
fn merge(a: Requirement, b: Requirement) -> Option<Requirement> {
    match (a, b) {
        (Requirement::Version(v), _) | (_, Requirement::Version(v)) => {
            Some(Requirement::Version(v))
        }
        (Requirement::Conditional(a), Requirement::Conditional(b)) if a == b => {
            Some(Requirement::Conditional(a))
        }
        (Requirement::Conditional(mut a), Requirement::Conditional(b))
            if a.platforms
                .iter()
                .chain(&b.platforms)
                .all(|p| !p.starts_with('!')) =>
        {
            a.platforms.extend(b.platforms);
            Some(Requirement::Conditional(a))
        }
        _ => None,
    }
}

/// Products built from one repository (`Control-Core` and `Control-OCCPlugin`) declare each
/// other in `shared_with`.
fn share_repositories(products: &mut [Product]) {
    let mut by_url: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for product in products.iter() {
        if let Some(url) = &product.normalized {
            by_url
                .entry(url.clone())
                .or_default()
                .push(product.name.clone());
        }
    }
    for product in products.iter_mut() {
        let Some(url) = &product.normalized else {
            continue;
        };
        let others: Vec<String> = by_url[url]
            .iter()
            .filter(|n| **n != product.name)
            .cloned()
            .collect();
        if let Some(repository) = product.repositories.first_mut() {
            repository.shared_with = others;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options {
            defaults: "o2".into(),
            architectures: vec!["slc9_x86-64".into()],
            root: "top".into(),
        }
    }

    fn recipe(file: &str, text: &str) -> Recipe {
        Recipe::parse(file, text.to_owned()).unwrap()
    }

    const DEFAULTS: &str = "package: defaults-o2\nversion: v1\nenv:\n  CXXSTD: '20'\ndisable:\n  - gone\noverrides:\n  lib:\n    version: '%(tag_basename)s%(defaults_upper)s'\n---\n# nothing\n";

    fn text_of<'a>(files: &'a [File], path: &str) -> &'a str {
        &files
            .iter()
            .find(|f| f.path == Path::new(path))
            .unwrap_or_else(|| panic!("`{path}` written"))
            .text
    }

    #[test]
    fn products_from_recipes() {
        let recipes = vec![
            recipe("defaults-o2.sh", DEFAULTS),
            recipe(
                "top.sh",
                "package: top\nversion: \"%(tag_basename)s\"\ntag: daily-1\nrequires:\n  - lib\n  - \"tool:(?!osx)\"\n  - gone\n---\n",
            ),
            recipe(
                "lib.sh",
                "package: lib\nversion: v1\ntag: releases/v1.2\nsource: https://github.com/x/lib\nprefer_system: (?!slc5)\nbuild_requires:\n  - tool\n---\n#!/bin/bash\ncmake $SOURCEDIR\n\nmake install\n",
            ),
            recipe(
                "tool.sh",
                "package: tool\nversion: \"v%(year)s\"\nsource: https://github.com/x/lib.git\ntag: 52d5988\n---\nmake\n",
            ),
            recipe("gone.sh", "package: gone\nversion: v1\n---\n"),
            recipe("gen.sh", "package: gen\nversion: \"v%(year)s\"\n---\n"),
        ];
        let files = convert(&recipes, &options()).unwrap();
        let generated = text_of(&files, "products/gen.yaml");
        assert!(
            !generated.contains("\nversion:") && generated.contains("  version: v%(year)s\n"),
            "no version until build time: {generated}"
        );
        assert_eq!(
            text_of(&files, "products/top.yaml"),
            "# Imported from alidist `top.sh`; edit alidist and import again.\nname: top\nversion: daily-1\ndepends:\n  gone: \"*\"\n  lib: \"*\"\n  tool:\n    version: \"*\"\n    platforms:\n    - \"!osx*\"\nbuild:\n  script: \"\"\n",
            "the recipe as written: the profile's `disable` is the distribution's"
        );
        let lib = text_of(&files, "products/lib.yaml");
        assert!(lib.contains("tag: releases/v1.2\nversion: v1\n"), "{lib}");
        assert!(lib.contains("  shared_with:\n  - tool\n"), "{lib}");
        assert!(
            lib.contains(
                "  script: |-\n    #!/bin/bash\n    cmake $SOURCEDIR\n\n    make install\n"
            ),
            "{lib}"
        );
        assert!(lib.contains("  prefer_system: (?!slc5)\n"), "{lib}");
        let tool = text_of(&files, "products/tool.yaml");
        assert!(tool.contains("tag: 52d5988\n"), "{tool}");
        assert!(
            !tool.contains("\nversion:"),
            "a lock-time version is the tag's: {tool}"
        );
        assert!(
            tool.contains("  version: v%(year)s\n"),
            "kept in the build: {tool}"
        );
        assert_eq!(
            text_of(&files, "distributions/o2.yaml"),
            "# Imported from alidist `defaults-o2.sh`; edit alidist and import again.\nname: o2\ndescription: \"`top` built with aliBuild's defaults `o2`\"\nenvironment: o2\nproducts:\n- top\nplatforms:\n- slc9_x86-64\nexclude:\n- gone\noverrides:\n  lib:\n    version: v1.2_O2\n",
            "the profile's `disable` and `overrides`"
        );
        assert_eq!(
            text_of(&files, "environments/o2.yaml"),
            "# Imported from alidist `defaults-o2.sh`; edit alidist and import again.\nname: o2\ndescription: aliBuild defaults `o2`\npurpose: development\nenv:\n  CXXSTD: \"20\"\n"
        );
        assert_eq!(files.len(), 7);
    }

    #[test]
    fn errors_name_file_and_line() {
        let base = |extra: &str| {
            vec![
                recipe("defaults-o2.sh", DEFAULTS),
                recipe(
                    "top.sh",
                    &format!("package: top\nversion: v1\n{extra}---\n"),
                ),
                recipe("lib.sh", "package: lib\nversion: v1\n---\n"),
                recipe("tool.sh", "package: tool\nversion: v1\n---\n"),
                recipe("gone.sh", "package: gone\nversion: v1\n---\n"),
            ]
        };
        let error = convert(
            &base("requires:\n  - lib\n  - \"Lib:(?!osx)\"\n"),
            &options(),
        )
        .unwrap_err();
        assert_eq!((error.file(), error.line), ("top.sh", 5));
        assert_eq!(
            error.message,
            "`Lib` in `requires` of `top.sh` names no recipe"
        );
        assert_eq!(error.help.as_deref(), Some("did you mean `lib`?"));
        let error = convert(&base("requires:\n  - \"lib:[a-z]+\"\n"), &options()).unwrap_err();
        assert_eq!((error.file(), error.line), ("top.sh", 4));
        assert!(
            error.message.contains("`[a-z]+` has no exact equivalent"),
            "{}",
            error.message
        );
        let mut twice = base("");
        twice.push(recipe("zz.sh", "package: lib\nversion: v2\n---\n"));
        let error = convert(&twice, &options()).unwrap_err();
        assert_eq!(
            error.message,
            "`lib.sh` and `zz.sh` both declare the package `lib`"
        );
        assert_eq!((error.file(), error.line), ("zz.sh", 1));
        let error =
            Recipe::parse("bad.sh", "package: x\nversion: [1\nfoo: bar\n---\n".into()).unwrap_err();
        assert_eq!(error.file(), "bad.sh");
        assert!(error.line >= 2, "{}", error.line);
        assert!(
            error
                .message
                .starts_with("the header of `bad.sh` is not YAML"),
            "{}",
            error.message
        );
        let mut unversioned = base("");
        unversioned.push(recipe("zz.sh", "package: zz\n---\n"));
        let error = convert(&unversioned, &options()).unwrap_err();
        assert_eq!(error.message, "`zz.sh` has no `version`");
        let error = Recipe::parse("bad.sh", "package: x\n".into()).unwrap_err();
        assert_eq!(
            error.message,
            "`bad.sh` has no `---` line: the recipe has no header"
        );
    }

    #[test]
    fn defaults_conditions_overrides_and_disable() {
        let recipes = vec![
            recipe("defaults-o2.sh", DEFAULTS),
            recipe(
                "top.sh",
                "package: top\nversion: v1\nrequires:\n  - \"lib:defaults=o2.*\"\n  - \"tool:defaults=ali\"\n  - \"gone:(?!osx)\"\n  - defaults-release\n---\n",
            ),
            recipe("lib.sh", "package: lib\nversion: v1\ntag: v1.2\n---\n"),
            recipe("tool.sh", "package: tool\nversion: v1\n---\n"),
            recipe("gone.sh", "package: gone\nversion: v1\n---\n"),
        ];
        let files = convert(&recipes, &options()).unwrap();
        let top = text_of(&files, "products/top.yaml");
        assert!(
            top.contains("depends:\n  gone:\n    version: \"*\"\n    platforms:\n    - \"!osx*\"\n  lib: \"*\"\nbuild:"),
            "{top}"
        );
        // The override of `lib` in the profile sets its version there.
        let lib = text_of(&files, "products/lib.yaml");
        assert!(lib.contains("\nversion: v1\n"), "{lib}");
        let o2 = text_of(&files, "distributions/o2.yaml");
        assert!(
            o2.ends_with("exclude:\n- gone\noverrides:\n  lib:\n    version: v1.2_O2\n"),
            "{o2}"
        );
        // A second profile, which `top` cannot be built with, and a third, with its own
        // override and a `defaults=` condition that holds for it alone.
        let mut more = recipes;
        more[1] = recipe(
            "top.sh",
            "package: top\nversion: v1\nvalid_defaults: [o2, ali]\nrequires:\n  - \"lib:defaults=o2.*\"\n  - \"tool:defaults=ali\"\n---\n",
        );
        more.push(recipe(
            "defaults-ali.sh",
            "package: defaults-ali\nversion: v1\noverrides:\n  Tool:\n    version: v2\n---\n",
        ));
        more.push(recipe(
            "defaults-dev.sh",
            "package: defaults-dev\nversion: v1\n---\n",
        ));
        let files = convert(&more, &options()).unwrap();
        let written: Vec<&str> = files
            .iter()
            .filter(|f| !f.path.starts_with("products"))
            .map(|f| f.path.to_str().unwrap())
            .collect();
        assert_eq!(
            written,
            [
                "environments/o2.yaml",
                "distributions/o2.yaml",
                "environments/ali.yaml",
                "distributions/ali.yaml"
            ],
            "no distribution for `dev`: `top` is not valid there"
        );
        assert!(
            text_of(&files, "distributions/ali.yaml").ends_with(
                "overrides:\n  tool:\n    version: v2\n  top:\n    depends:\n      tool: \"*\"\n"
            ),
            "{}",
            text_of(&files, "distributions/ali.yaml")
        );
        let error = convert(
            &more,
            &Options {
                defaults: "dev".into(),
                ..options()
            },
        )
        .unwrap_err();
        assert_eq!(
            error.message,
            "`top` cannot be built with the defaults `dev`: its `valid_defaults` are `o2`, `ali`"
        );
        let error = convert(
            &[
                recipe(
                    "defaults-o2.sh",
                    "package: defaults-o2\nversion: v1\noverrides:\n  top:\n    requires:\n      - nowhere\n---\n",
                ),
                recipe("top.sh", "package: top\nversion: v1\n---\n"),
            ],
            &options(),
        )
        .unwrap_err();
        assert_eq!(
            error.message,
            "`nowhere` in `requires` of `top.sh` names no recipe"
        );
        assert_eq!(
            (error.file(), error.line),
            ("defaults-o2.sh", 6),
            "where it is written"
        );
    }

    #[test]
    fn several_architectures_are_platforms_of_each_distribution() {
        let recipes = vec![
            recipe("defaults-o2.sh", DEFAULTS),
            recipe(
                "defaults-dev.sh",
                "package: defaults-dev\nversion: v1\n---\n",
            ),
            recipe(
                "top.sh",
                "package: top\nversion: v1\nrequires:\n  - \"lib:(?!osx)\"\n---\n",
            ),
            recipe(
                "lib.sh",
                "package: lib\nversion: v1\nvalid_defaults: [o2]\n---\n",
            ),
            recipe("gone.sh", "package: gone\nversion: v1\n---\n"),
        ];
        let both = Options {
            architectures: vec![
                "slc9_x86-64".into(),
                "osx_arm64".into(),
                "slc9_x86-64".into(),
            ],
            ..options()
        };
        let files = convert(&recipes, &both).unwrap();
        assert!(
            text_of(&files, "distributions/o2.yaml")
                .contains("\nplatforms:\n- slc9_x86-64\n- osx_arm64\nexclude:"),
            "each once, in the order given: {}",
            text_of(&files, "distributions/o2.yaml")
        );
        // `dev` cannot build `lib`, which only `slc9_x86-64` needs.
        assert!(
            text_of(&files, "distributions/dev.yaml").contains("\nplatforms:\n- osx_arm64\n"),
            "{}",
            text_of(&files, "distributions/dev.yaml")
        );
        let error = convert(
            &recipes,
            &Options {
                defaults: "dev".into(),
                ..both
            },
        )
        .unwrap_err();
        assert_eq!(
            error.message,
            "`lib` cannot be built with the defaults `dev` on `slc9_x86-64`: its `valid_defaults` are `o2`"
        );
        let files = convert(
            &recipes,
            &Options {
                architectures: vec!["slc9_x86-64".into()],
                ..options()
            },
        )
        .unwrap();
        assert!(
            !files
                .iter()
                .any(|f| f.path == Path::new("distributions/dev.yaml")),
            "no platform left for `dev`"
        );
    }

    #[test]
    fn defaults_of_the_architecture_are_refused() {
        let recipes = vec![
            recipe("defaults-o2.sh", DEFAULTS),
            recipe("top.sh", "package: top\nversion: v1\n---\n"),
            recipe("gone.sh", "package: gone\nversion: v1\n---\n"),
            recipe(
                "defaults-osx_arm64.sh",
                "# macOS\npackage: defaults-osx_arm64\nversion: v1\ndisable: [gone]\n---\n",
            ),
        ];
        let error = convert(
            &recipes,
            &Options {
                architectures: vec!["osx_arm64".into()],
                ..options()
            },
        )
        .unwrap_err();
        assert_eq!(
            error.message,
            "`defaults-osx_arm64.sh` holds defaults for the architecture `osx_arm64`, which have no distrib equivalent"
        );
        assert_eq!((error.file(), error.line), ("defaults-osx_arm64.sh", 2));
        assert!(
            error.help.as_deref().unwrap().contains("`defaults-o2.sh`"),
            "{:?}",
            error.help
        );
        // Another architecture's file is not read on this one.
        let files = convert(&recipes, &options()).unwrap();
        assert!(
            text_of(&files, "distributions/o2.yaml").contains("exclude:\n- gone\n"),
            "the profile as written"
        );
    }

    #[test]
    fn an_override_names_the_packages_its_key_matches_whole() {
        let names = [
            "o2",
            "o2-epn",
            "o2physics",
            "xo2",
            "root",
            "gcc-toolchain",
            "a_b",
            "",
        ];
        for key in [
            "o2",
            "o2-epn",
            "gcc-toolchain",
            "a_b",
            "o2.*",
            "(o2|root)",
            "o2|root",
            "",
        ] {
            let regex = regex::Regex::new(&format!("^(?:{key})$")).unwrap();
            let packages = Packages::new(key.to_owned()).unwrap();
            for name in names {
                assert_eq!(
                    packages.contains(name),
                    regex.is_match(name),
                    "{key} {name}"
                );
            }
        }
        assert!(matches!(
            Packages::new("o2-epn".into()),
            Ok(Packages::Named(_))
        ));
        assert!(Packages::new("(o2".into()).is_err());
    }

    #[test]
    fn a_plain_script_reads_back_as_a_literal_and_the_others_are_probed() {
        let plain = [
            "make\nmake install",
            "#!/bin/bash -e\n\n# a comment: \"quoted\" 'and' \\ back\ncmake .. -DX=${X}\n  indented\n",
            "--- not a document\n... nor an end\n| > & * ! % @ `",
            "unicode \u{e9}\u{4e2d}\u{1f600}\nnext",
        ];
        for text in plain.map(|t| t.trim_end_matches('\n')) {
            assert!(plainly_literal(text), "{text:?}");
            assert!(reads_back(text), "{text:?}");
        }
        let probed = [
            " leading space\nx",
            "trailing space \nx",
            "a\ttab\nx",
            "carriage\r\nreturn",
            "line\u{2028}separator\nx",
            "bell\u{7}\nx",
            "byte order\u{feff}\nx",
            "\nleading break",
            "trailing break\n",
            "x\n \ny",
        ];
        for text in probed {
            assert!(!plainly_literal(text), "{text:?}");
        }
    }

    #[test]
    fn versions_as_alibuild_expands_them() {
        let text = |v: &str, tag: &str, d: &str| match expand(v, tag, d) {
            Expanded::Text(t) => t,
            Expanded::LockTime => "lock time".into(),
            Expanded::Invalid(k) => format!("invalid {k}"),
        };
        assert_eq!(text("%(tag_basename)s", "a/b/v1.2", "o2"), "v1.2");
        assert_eq!(text("%(tag)s-x", "a/v1", "o2"), "a/v1-x");
        assert_eq!(text("v1%(defaults_upper)s", "t", "o2-epn"), "v1_O2_EPN");
        assert_eq!(text("v1%(defaults_upper)s", "t", "release"), "v1");
        assert_eq!(text("100%%", "t", "o2"), "100%");
        assert_eq!(text("%(short_hash)s", "t", "o2"), "lock time");
        assert_eq!(text("%(nope)s", "t", "o2"), "invalid nope");
    }
}
