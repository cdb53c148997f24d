//! The stable list of rule codes. A code is part of the contract: users set its level in
//! `distrib.yaml` and CI jobs match on it, so a code is never renamed or reused.

use std::fmt;

use crate::manifest::model::Level;

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $level:ident, $configurable:literal; )*) => {
        /// A rule code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// Every code, in the order of the README's table.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as users write it.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The level of the rule when `distrib.yaml` does not set one.
            pub fn default_level(self) -> Level {
                match self { $(Code::$variant => Level::$level,)* }
            }

            /// Whether `distrib.yaml` may change the level. Files that cannot be read at all
            /// are always errors: nothing after them could be trusted.
            pub fn configurable(self) -> bool {
                match self { $(Code::$variant => $configurable,)* }
            }

            /// One line saying what the rule checks.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc),*).trim_ascii(),)* }
            }
        }
    };
}

codes! {
    /// The file is not valid YAML (syntax, tab indentation, several documents)
    YamlSyntax = "yaml-syntax", Deny, false;
    /// A mapping has the same key twice
    DuplicateKey = "duplicate-key", Deny, false;
    /// The file exceeds a resource limit (size, nesting, alias expansion)
    FileTooLarge = "file-too-large", Deny, false;
    /// The file is not UTF-8 text
    FileEncoding = "file-encoding", Deny, false;
    /// The file is empty
    FileEmpty = "file-empty", Deny, false;
    /// A symbolic link points out of the manifest repository
    SymlinkEscape = "symlink-escape", Deny, false;
    /// A symbolic link that leads to no file: its target is missing, or links form a loop
    SymlinkBroken = "symlink-broken", Deny, false;
    /// What distrib would not read where a manifest is expected: an extension other than
    /// `.yaml` or `.yml` in lower case, or a `distrib.yaml` that is not a file
    FileIgnored = "file-ignored", Deny, false;
    /// A field that the file kind does not have
    UnknownField = "unknown-field", Deny, false;
    /// A required field is missing
    MissingField = "missing-field", Deny, false;
    /// A value of the wrong type or not among the allowed values
    InvalidValue = "invalid-value", Deny, false;
    /// A name that is not `[A-Za-z0-9][A-Za-z0-9._+-]*` or contains `..`
    NameInvalid = "name-invalid", Deny, false;
    /// A file's `name` differs from its file stem
    NameMismatch = "name-mismatch", Deny, true;
    /// Two files define the same name
    NameDuplicate = "name-duplicate", Deny, false;
    /// Two names of one kind that differ only in case: one file on a case-insensitive file system
    NameCaseConflict = "name-case-conflict", Deny, true;
    /// An alias equals another product's name or alias
    AliasConflict = "alias-conflict", Deny, true;
    /// A repository URL that cannot be understood, or with a `.` or `..` path segment
    UrlInvalid = "url-invalid", Deny, false;
    /// A repository URL or `rewrite:` target holds a password
    UrlCredentials = "url-credentials", Deny, false;
    /// One repository is claimed by two products without `shared_with` on both
    RepositoryShared = "repository-shared", Deny, true;
    /// A product lists the same repository twice
    RepositoryDuplicate = "repository-duplicate", Deny, true;
    /// A product lists one repository with one sub-tree twice: its source would be ambiguous
    SourceDuplicate = "source-duplicate", Deny, false;
    /// A repository `path` that is absolute, goes up with `..` or names the root
    PathInvalid = "path-invalid", Deny, false;
    /// Two keys of one recipe mapping are the same text (`1` and `"1"`)
    RecipeKeyDuplicate = "recipe-key-duplicate", Deny, false;
    /// `shared_with` names a product that does not use this repository
    SharedWithUnused = "shared-with-unused", Warn, true;
    /// A dependency or `shared_with` entry names no known product
    DependencyUnknown = "dependency-unknown", Deny, false;
    /// A dependency is written with a product's former name
    DependencyAlias = "dependency-alias", Warn, true;
    /// Products depend on each other in a cycle
    DependencyCycle = "dependency-cycle", Deny, false;
    /// A platform name or a dependency's platform pattern that cannot name a platform
    PlatformInvalid = "platform-invalid", Deny, false;
    /// A requirement that is not a semver requirement
    RequirementInvalid = "requirement-invalid", Deny, false;
    /// A pinned version that a dependent's requirement rejects
    RequirementUnsatisfied = "requirement-unsatisfied", Deny, true;
    /// A third-party product pinned neither by `tag` nor by a commit `ref`
    ThirdPartyUnpinned = "third-party-unpinned", Deny, true;
    /// A `tag` on a product without a repository, where only `version` means something
    TagWithoutRepository = "tag-without-repository", Deny, false;
    /// A build tool in the run-time closure of a distribution built for operations
    BuildToolInOperations = "build-tool-in-operations", Deny, true;
    /// A distribution root that names no known product
    ProductUnknown = "product-unknown", Deny, false;
    /// A distribution's environment that no file defines
    EnvironmentUnknown = "environment-unknown", Deny, false;
    /// A deployment's distribution that no file defines
    DistributionUnknown = "distribution-unknown", Deny, false;
    /// A distribution's variable, or build input, without a default value
    VariableDefaultMissing = "variable-default-missing", Deny, false;
    /// A naming template with an unknown placeholder or strftime code
    TemplateInvalid = "template-invalid", Deny, false;
    /// An `issues` pattern that is not a valid regular expression, or that matches the empty text
    IssuesPatternInvalid = "issues-pattern-invalid", Deny, false;
    /// A deployment default that is not installed, or not with official support
    DeploymentDefault = "deployment-default", Deny, true;
    /// A deployment's alternative or partition release that is not installed, or an
    /// alternative that is the default
    DeploymentSelection = "deployment-selection", Deny, true;
    /// A deployment lists the same release twice
    DeploymentDuplicate = "deployment-duplicate", Deny, true;
    /// A deployment installs a release that has no lockfile
    DeploymentUnlocked = "deployment-release-unlocked", Deny, true;
    /// `rules` in `distrib.yaml` names no rule, or a rule whose level is fixed
    RuleUnknown = "rule-unknown", Deny, false;
    /// A lockfile that is truncated, edited by hand, or of an unknown format version
    LockInvalid = "lock-invalid", Deny, false;
    /// A lockfile whose distribution or release differs from its path
    LockMisplaced = "lock-misplaced", Deny, true;
    /// Two lockfiles with one build number and different content
    LockBuildDuplicate = "lock-build-duplicate", Deny, true;
}

impl Code {
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
