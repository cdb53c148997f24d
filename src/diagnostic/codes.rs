//! The one registry of codes: every code any command can emit is declared here, once.
//!
//! A code is part of the contract: users set a rule's level in `distrib.yaml` and CI jobs match
//! on codes, so a code is never renamed or reused with another meaning. Rule codes are what
//! `check` finds in the manifests (their levels are configurable, some of them); operation codes
//! are the errors of an operation (a ref that does not resolve, a closed gate), never
//! configurable. A library error names its code in `#[diagnostic(code("..."))]`: a test scans the
//! sources so that every such code is declared here.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How seriously a rule is taken.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// The problem is reported and `distrib check` fails.
    Deny,
    /// The problem is reported; `distrib check` fails only with `--deny-warnings`.
    Warn,
    /// The problem is not reported.
    Allow,
}

macro_rules! codes {
    (
        rules { $( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $level:ident, $configurable:literal; )* }
        operations { $( $(#[doc = $odoc:literal])* $ovariant:ident = $ocode:literal; )* }
    ) => {
        /// A code: a rule's or an operation's.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
            $( $(#[doc = $odoc])* $ovariant, )*
        }

        impl Code {
            /// Every code: the rules in the order of the README's Rules table, then the
            /// operations in the order of its table of operation codes.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)* $(Code::$ovariant,)*];

            /// The rule codes: what `check` finds, with a level `distrib.yaml` may set.
            pub const RULES: &'static [Code] = &[$(Code::$variant),*];

            /// The operation codes: errors of an operation, never configurable.
            pub const OPERATIONS: &'static [Code] = &[$(Code::$ovariant),*];

            /// The code as users write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                    $(Code::$ovariant => $ocode,)*
                }
            }

            /// Whether this is a rule's code (else an operation's).
            pub fn is_rule(self) -> bool {
                match self {
                    $(Code::$variant => true,)*
                    $(Code::$ovariant => false,)*
                }
            }

            /// The level of the rule when `distrib.yaml` does not set one; an operation's
            /// error is always an error.
            pub fn default_level(self) -> Level {
                match self {
                    $(Code::$variant => Level::$level,)*
                    $(Code::$ovariant => Level::Deny,)*
                }
            }

            /// Whether `distrib.yaml` may change the level. Files that cannot be read at all
            /// are always errors: nothing after them could be trusted. An operation's errors
            /// are not rules.
            pub fn configurable(self) -> bool {
                match self {
                    $(Code::$variant => $configurable,)*
                    $(Code::$ovariant => false,)*
                }
            }

            /// One line saying what the rule checks, or what the operation's error means.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),*).trim_ascii(),)*
                    $(Code::$ovariant => concat!($($odoc),*).trim_ascii(),)*
                }
            }
        }
    };
}

codes! {
rules {
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
        /// A distribution excludes one of its own roots, which it would then not build
        RootExcluded = "root-excluded", Deny, false;
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
        /// `rules` in `distrib.yaml` names no rule (an operation's code is none), or a rule whose
        /// level is fixed
        RuleUnknown = "rule-unknown", Deny, false;
        /// A lockfile that is truncated, edited by hand, or of an unknown format version
        LockInvalid = "lock-invalid", Deny, false;
        /// A lockfile whose distribution or release differs from its path
        LockMisplaced = "lock-misplaced", Deny, true;
        /// Two lockfiles with one build number and different content
        LockBuildDuplicate = "lock-build-duplicate", Deny, true;
    }
    operations {
        /// A file or folder that cannot be read or written, or is not what distrib needs there
        Io = "io";
        /// A git operation on the manifest repository failed (a revision that does not exist,
        /// a repository that cannot be opened)
        Git = "git";
        /// distrib itself failed where it should not: a bug
        InternalError = "internal-error";
        /// `-C` names something that is not a folder
        DirectoryInvalid = "directory-invalid";
        /// The command line cannot be parsed: an unknown flag or subcommand, a missing or
        /// invalid value, a release named as `DIST/RELEASE` with another `--distribution` (as a
        /// diagnostic with `--format json` or `github`)
        ArgumentInvalid = "argument-invalid";
        /// No `distrib.yaml` in the folder or any folder above it
        NoManifestRepository = "no-manifest-repository";
        /// `check --deny-warnings` found warnings and no error: the run fails
        WarningsDenied = "warnings-denied";
        /// The manifests have errors, so nothing is fetched, locked or tagged from them; the
        /// problems follow (`distrib check` shows them too)
        ManifestsInvalid = "manifests-invalid";
        /// The command line names a distribution that no file defines
        DistributionNotFound = "distribution-not-found";
        /// The command line names a deployment that no file defines
        DeploymentUnknown = "deployment-unknown";
        /// The command line names a release that has no lock
        ReleaseUnknown = "release-unknown";
        /// A release name given on the command line that names locks of several distributions
        ReleaseAmbiguous = "release-ambiguous";
        /// A release given for a distribution that is another distribution's
        ReleaseForeign = "release-foreign";
        /// A lock the command needs does not exist
        LockMissing = "lock-missing";
        /// A lock that cannot be written as asked
        LockWrite = "lock-write";
        /// A product's mirror does not exist: it was never fetched
        MirrorMissing = "mirror-missing";
        /// A product's mirror exists but cannot be used
        MirrorCorrupt = "mirror-corrupt";
        /// A lock was refused because the mirrors could not all be brought up to date
        MirrorsStale = "mirrors-stale";
        /// A tag, branch or commit that the repository does not have, or that names no commit
        RefUnresolved = "ref-unresolved";
        /// `--set` names a product outside the distribution's closure, one it excludes, or one
        /// without a repository
        SetProductInvalid = "set-product-invalid";
        /// `--platform` (or `import alidist --architecture`) names no platform, or one the
        /// distribution is not built for
        PlatformUnsupported = "platform-unsupported";
        /// `--var` names a variable the distribution does not declare
        VariableUnknown = "variable-unknown";
        /// A `--var` value from a source (`@installed:`, `@newest:`) that cannot be read
        VariableSource = "variable-source";
        /// The release cannot be named: its template or a `--var` value gives no valid name
        ReleaseName = "release-name";
        /// The release exists already with other content, and is never rewritten
        ReleaseExists = "release-exists";
        /// A version that is not a release version, or not of the kind the command makes
        VersionInvalid = "version-invalid";
        /// The first candidate of a version names no release to start from (`--from`)
        ReleaseFromMissing = "release-from-missing";
        /// `--from` is given where the release's history decides where it starts
        ReleaseFromIgnored = "release-from-ignored";
        /// `--from` names a release of a kind a candidate cannot start from
        ReleaseFromKind = "release-from-kind";
        /// A patch release whose base final does not exist
        ReleaseBaseMissing = "release-base-missing";
        /// A final release of a version with no candidate
        ReleaseCandidateMissing = "release-candidate-missing";
        /// A candidate, final or patch that a moving reference (a branch) would build
        ReleaseMovingRef = "release-moving-ref";
        /// A check name that `distrib record` does not take
        CheckName = "check-name";
        /// A records file that cannot be appended to: edited by hand, or not distrib's
        RecordInvalid = "record-invalid";
        /// A gated step whose required checks have not passed
        GateClosed = "gate-closed";
        /// A gated step that went on through an override (`--override-gate`), recorded
        GateOverridden = "gate-overridden";
        /// A release that records no tag to push or verify
        TagNone = "tag-none";
        /// A tag name that is not a valid git ref name
        TagName = "tag-name";
        /// A distribution's companion that names no product
        CompanionUnknown = "companion-unknown";
        /// A release branch name (from `naming.branch`) that is not a valid git branch name
        BranchName = "branch-name";
        /// A release branch asked of a release without a version
        BranchNoVersion = "branch-no-version";
        /// A release branch asked for a product without a repository
        BranchNoRepository = "branch-no-repository";
        /// Products named for a release branch share a repository at two commits: its one
        /// branch cannot start at both
        BranchTwoCommits = "branch-two-commits";
        /// The command line names a product that the release does not contain
        ProductNotInRelease = "product-not-in-release";
        /// A deployment edit that the deployment refuses (not installed, installed already,
        /// the default)
        DeployRefused = "deploy-refused";
        /// `--store` names no folder
        StoreMissing = "store-missing";
        /// Two pages of the site would be written at one path
        SiteCollision = "site-collision";
        /// The site would be written into the manifest repository itself
        SiteInManifests = "site-in-manifests";
        /// `distrib init` would overwrite a file, or a manifest repository exists already
        InitExists = "init-exists";
        /// A recipe that the import cannot convert
        Import = "import";
        /// The import would overwrite product files
        ImportExists = "import-exists";
        /// A repository's origin that cannot be read (fetched after `rewrite:`)
        FetchUnreachable = "fetch-unreachable";
        /// A repository's origin asks for credentials that no git credential helper gave, or refuses them
        FetchCredentials = "fetch-credentials";
        /// A mirror that cannot be opened or written while fetching
        MirrorWrite = "mirror-write";
        /// Some repositories could not be fetched: the count, after each one's error
        FetchFailed = "fetch-failed";
        /// A commit a lock records that no longer exists in its repository
        CommitMissing = "commit-missing";
        /// A commit a lock records that no branch or tag of its repository reaches any more
        CommitUnreachable = "commit-unreachable";
        /// A tag a lock resolved that now points to another commit
        TagMoved = "tag-moved";
        /// A tag a lock resolved that was deleted from its repository
        TagDeleted = "tag-deleted";
        /// A release's own tag (`distrib tag`) on another commit than the lock records
        ReleaseTagMoved = "release-tag-moved";
        /// A note: a release's own tag not pushed yet
        ReleaseTagUnpushed = "release-tag-unpushed";
        /// A records file that holds the records of another release than its path names
        RecordMisplaced = "record-misplaced";
        /// A records file of a release that has no lock
        RecordOrphan = "record-orphan";
        /// A record that judged a lock of other content than the release's
        RecordForeign = "record-foreign";
        /// Verification found problems: the count, after each one
        VerifyFailed = "verify-failed";
        /// A tag or release branch that exists at the origin on another commit
        RefConflict = "ref-conflict";
        /// An origin whose refs cannot be read before tagging or branching
        RemoteUnreachable = "remote-unreachable";
        /// A note: a tag on the release's commit that differs otherwise, left as it is
        RefKept = "ref-kept";
        /// A tag or branch that could not be created or pushed
        PushFailed = "push-failed";
        /// Nothing was written: the pre-flight found a conflict or an unreachable origin
        RefBlocked = "ref-blocked";
        /// `tag --verify`: a repository without the release's tag on the recorded commit
        TagOutOfSync = "tag-out-of-sync";
        /// A warning: the commits of some repositories could not be read for the note
        NotesCommitsUnavailable = "notes-commits-unavailable";
    }
}

impl Code {
    /// The rule codes that an operation also ends with, each with the rule's own meaning (a
    /// lock that is invalid when `lock` reads it is the lock `check` reports as invalid). Any
    /// other rule code raised by an operation would mean something else under the same name:
    /// a test refuses it.
    pub const ALSO_OPERATIONS: &'static [Code] = &[
        Code::SymlinkEscape,
        Code::NameInvalid,
        Code::DependencyCycle,
        Code::RequirementUnsatisfied,
        Code::EnvironmentUnknown,
        Code::LockInvalid,
        Code::LockMisplaced,
    ];

    /// The code written `name`, a rule's or an operation's.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::Code;

    /// Every code named by a `#[diagnostic(...)]` attribute in `src/`, with the files naming
    /// it. `code("x")` and `code(x)` (which miette reads as `x`) are both found.
    fn codes_in_sources() -> BTreeMap<String, BTreeSet<String>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for entry in walkdir::WalkDir::new(root.join("src")) {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let file = entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string();
            // This file's own test quotes attributes.
            if file == "src/diagnostic/codes.rs" {
                continue;
            }
            for code in attribute_codes(&text) {
                found.entry(code).or_default().insert(file.clone());
            }
        }
        found
    }

    /// The codes of the `#[diagnostic(...)]` attributes of one file.
    fn attribute_codes(text: &str) -> Vec<String> {
        let mut codes = Vec::new();
        for (start, _) in text.match_indices("#[diagnostic(") {
            let attribute = &text[start + "#[diagnostic(".len()..];
            // The attribute ends at the parenthesis that closes the one it opens.
            let mut depth = 1;
            let mut end = attribute.len();
            let mut in_string = false;
            let mut chars = attribute.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' if in_string => {
                        chars.next();
                    }
                    '"' => in_string = !in_string,
                    '(' if !in_string => depth += 1,
                    ')' if !in_string => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let attribute = &attribute[..end];
            let Some(at) = attribute.find("code(") else {
                continue;
            };
            let before = attribute[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let inner = &attribute[at + "code(".len()..];
            let inner = &inner[..inner.find(')').unwrap_or(inner.len())];
            codes.push(inner.trim().trim_matches('"').to_owned());
        }
        codes
    }

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = BTreeSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "`{name}` is declared twice");
            assert!(
                !name.is_empty()
                    && name.split('-').all(|part| !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "`{name}` is not kebab-case"
            );
            assert_eq!(Code::from_name(name), Some(*code));
            assert!(!code.summary().is_empty(), "`{name}` says nothing");
        }
        assert_eq!(Code::ALL.len(), Code::RULES.len() + Code::OPERATIONS.len());
        assert!(Code::RULES.iter().all(|c| c.is_rule()));
        assert!(
            Code::OPERATIONS
                .iter()
                .all(|c| !c.is_rule() && !c.configurable())
        );
        assert!(Code::ALSO_OPERATIONS.iter().all(|c| c.is_rule()));
    }

    #[test]
    fn every_code_in_the_sources_is_declared() {
        let found = codes_in_sources();
        assert!(found.len() > 30, "the scan found only {found:?}");
        for (code, files) in &found {
            assert!(
                Code::from_name(code).is_some(),
                "`{code}` (in {files:?}) is not declared in src/diagnostic/codes.rs"
            );
        }
    }

    /// An operation that ends with a rule's code says what the rule says, or it needs a code
    /// of its own (as `--set` of a product outside the closure now has).
    #[test]
    fn no_rule_code_is_reused_with_another_meaning() {
        for (code, files) in codes_in_sources() {
            let Some(code) = Code::from_name(&code) else {
                continue;
            };
            assert!(
                !code.is_rule() || Code::ALSO_OPERATIONS.contains(&code),
                "the rule code `{code}` is raised in {files:?}: give that error a code of its own, \
or add the rule to `Code::ALSO_OPERATIONS` if it means exactly what the rule finds"
            );
        }
    }

    #[test]
    fn every_operation_code_is_raised_somewhere() {
        let found = codes_in_sources();
        for code in Code::OPERATIONS.iter().chain(Code::ALSO_OPERATIONS) {
            assert!(
                found.contains_key(code.as_str()),
                "no error in src/ has the code `{code}`: remove it from the registry"
            );
        }
    }

    #[test]
    fn the_scan_reads_both_forms_and_ignores_other_code_calls() {
        let text = r#"
            #[diagnostic(code("a-b"), help("x (`y`) \" )"))]
            #[diagnostic(
                help("first"),
                code(git)
            )]
            #[diagnostic(transparent)]
            fn f() { code(release); }
        "#;
        assert_eq!(attribute_codes(text), ["a-b", "git"]);
    }
}
