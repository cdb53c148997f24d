//! `distrib init`: a new manifest repository with one commented example of each file kind,
//! the JSON Schemas beside them, and a `# yaml-language-server: $schema=` line at the top of
//! each file, so that editors complete and validate fields from the first keystroke.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::manifest::Kind;

#[derive(Debug, Error, miette::Diagnostic)]
pub enum InitError {
    #[error("`{}` is a manifest repository already", .0.display())]
    #[diagnostic(
        code("init-exists"),
        help("`distrib check` validates it; choose an empty folder for a new one")
    )]
    Exists(PathBuf),
    #[error("`{}` exists, and `distrib init` never overwrites a file", .0.display())]
    #[diagnostic(code("init-exists"), help("move it away, or choose an empty folder"))]
    FileExists(PathBuf),
    #[error(transparent)]
    #[diagnostic(code("io"))]
    Io(#[from] crate::fsutil::IoError),
    #[error("cannot make `{}` a git repository", .0.display())]
    #[diagnostic(code("git"), help("run `git init` there yourself"))]
    Git(PathBuf, #[source] crate::git::GitError),
}

/// What `init` made.
pub struct Created {
    /// The files written, relative to the folder.
    pub files: Vec<String>,
    /// Whether the folder was made a git repository (it was not inside one).
    pub repository: bool,
}

/// The files of a new manifest repository: path, and the kind whose schema it uses.
const FILES: &[(&str, Option<Kind>, &str)] = &[
    ("distrib.yaml", Some(Kind::Config), CONFIG),
    ("products/hello.yaml", Some(Kind::Product), PRODUCT),
    (
        "products/third-party/zlib.yaml",
        Some(Kind::Product),
        THIRD_PARTY,
    ),
    (
        "distributions/hello_distrib.yaml",
        Some(Kind::Distribution),
        DISTRIBUTION,
    ),
    (
        "environments/build-env.yaml",
        Some(Kind::Environment),
        ENVIRONMENT,
    ),
    (
        "deployments/cluster.yaml",
        Some(Kind::Deployment),
        DEPLOYMENT,
    ),
];

/// Writes a new manifest repository into `dir` (created if needed), and makes it a git
/// repository unless it is inside one. Nothing is overwritten: when any file exists, nothing is
/// written.
pub fn init(dir: &Path) -> Result<Created, InitError> {
    if dir.join("distrib.yaml").exists() {
        return Err(InitError::Exists(dir.to_path_buf()));
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for (path, kind, body) in FILES {
        let text = match kind {
            Some(kind) => {
                let depth = path.matches('/').count();
                let schema = format!(
                    "{}schema/{}",
                    "../".repeat(depth),
                    crate::schema::file_name(*kind)
                );
                format!("# yaml-language-server: $schema={schema}\n{body}")
            }
            None => (*body).to_owned(),
        };
        files.push(((*path).to_owned(), text));
    }
    for kind in Kind::ALL {
        files.push((
            format!("schema/{}", crate::schema::file_name(kind)),
            crate::schema::to_text(kind),
        ));
    }
    if let Some((path, _)) = files.iter().find(|(path, _)| dir.join(path).exists()) {
        return Err(InitError::FileExists(dir.join(path)));
    }
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| crate::fsutil::IoError::new(parent, e))?;
        }
        crate::fsutil::write_atomic(&path, text.as_bytes())
            .map_err(|e| crate::fsutil::IoError::new(&path, e))?;
    }
    let repository =
        crate::git::init_repository(dir).map_err(|e| InitError::Git(dir.to_path_buf(), e))?;
    Ok(Created {
        files: files.into_iter().map(|(path, _)| path).collect(),
        repository,
    })
}

const CONFIG: &str = r#"# The configuration of this manifest repository. Every field is optional.

# Where the bare mirrors of the product repositories live (relative to this file), unless
# --mirrors or DISTRIB_MIRRORS says otherwise. Default: ~/.cache/distrib/mirrors.
# mirrors: ../mirrors

# URL prefix rewrites, like git's `insteadOf`: an air-gapped site points at its own mirror host.
# Locks still record the URLs as the products write them.
# rewrite:
#   "https://github.com/": "file:///srv/git/github.com/"

# The level of a rule: deny, warn or allow (`distrib check` lists the codes in its output).
# rules:
#   repository-shared: warn
"#;

const PRODUCT: &str = r#"# A product: one piece of software, built from one or more git repositories.
name: hello                # the file name without .yaml
description: A small example library
type: internal             # internal | third-party | build-tool | dataset
team: Core
repositories:
  # Edit first: the URL of your repository (https, ssh, a path or file://). This one does not
  # exist: `distrib fetch` says so until it is changed.
  - url: https://github.com/example/hello
    ref: main              # what nightly and weekly builds track
#   path: src              # optional: only this sub-tree is the product's source
# tag: 1.2.0               # optional: pin every release kind to this tag
# Run-time dependencies: product name -> semver requirement. zlib (products/third-party/)
# is fetched from GitHub once this line is uncommented.
# depends: { zlib: ">=1.3" }
# build_depends: { cmake: "*" }
build:                     # a mapping, free-form below; hashed into the identity as written
  script: "cmake -S . -B build && cmake --build build --target install"
"#;

const THIRD_PARTY: &str = r#"# A third-party product must be pinned: its `tag` is its version.
# Sub-folders of products/ only group files.
name: zlib
description: Compression library
type: third-party
team: Externals
repositories:
  - url: https://github.com/madler/zlib
tag: v1.3.1
build:
  script: "./configure --prefix=$PREFIX && make install"
"#;

const DISTRIBUTION: &str = r#"# A distribution: the products released together (with their dependencies), built in one
# environment. `distrib lock hello_distrib --kind weekly` writes its lockfile under locks/.
name: hello_distrib
description: The hello example
environment: build-env
products: [hello]
# variables: { site: "cern" }   # usable in names as {site}; `--var site=fnal` overrides
# A build input is in every package identity too: `--var compiler=gcc14` is another build.
# variables: { compiler: { default: "gcc13", input: true } }
# Release names per kind: strftime codes of the release date, {version}, {major}, {minor},
# {patch}, {rc}, {build}, variables, and {Product} for a product's version. The defaults:
naming:
  nightly: "d.%Y.%m.%d"
  weekly: "w.%G.%V"
  candidate: "{version}.rc{rc}"
  final: "{version}"
  branch: "b.{major}.{minor}.x"
# Issue keys in commit messages, for release notes.
issues: "HELLO-\\d+"
"#;

const ENVIRONMENT: &str = r#"# An environment: the pinned tools and libraries everything is built in. Its digest is part
# of every package identity: changing a pin rebuilds every package built in it.
name: build-env
description: Compilers and tools for release builds
purpose: operations        # operations | development
packages:
  gcc: "13.2.0"
  cmake: "3.30.5"
"#;

const DEPLOYMENT: &str = r#"# A deployment: the releases installed at a site, the support each gets, and the default.
# `distrib deploy add cluster <release> --support official` and `distrib deploy set-default
# cluster <release>` edit this file in place. A release is installed once it has a lock.
name: cluster
description: The example cluster
distribution: hello_distrib
installed: []
"#;

/// The format of the document `distrib init --format json` prints.
pub const FORMAT: &str = "distrib-init/1";

/// What `distrib init` made: the document it prints with `--format json`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(title = "distrib init: the files of a new manifest repository")]
pub struct Document {
    /// `distrib-init/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// The folder, as given.
    pub dir: String,
    /// Every file written, relative to `dir`, each `done`.
    pub files: Vec<crate::schema::WrittenFile>,
    /// Whether the folder was made a git repository (it was not inside one).
    pub repository: bool,
}
