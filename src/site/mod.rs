//! The release web site (`distrib site`): static pages listing every distribution, each
//! deployment with its installed releases and their support, and one page per release (its
//! products, lineage, changes since its parent, release note and dependency graph). Built from
//! plain values: manifests, locks, and release notes computed by the caller; pages are self-contained (inline style, no script, relative
//! links), the same input gives the same bytes, and writing never leaves the output folder.

pub mod html;
mod operation;
mod pages;
pub mod svg;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;
use thiserror::Error;

use crate::fsutil::write_atomic;
use crate::lock::Lockfile;
use crate::manifest::Manifests;
use crate::manifest::model::Support;
use crate::report::notes::Notes;

pub use operation::{GatherError, Gathered, gather, publish, target};

/// What the site is made of, as plain values: the manifests' distributions and deployments,
/// and every lock.
#[derive(Clone, Debug, Default)]
pub struct Input {
    pub distributions: Vec<DistributionInfo>,
    pub deployments: Vec<DeploymentInfo>,
    pub locks: Vec<Lockfile>,
    /// The release note of a release against its parent (see [`parents`]), by distribution and
    /// release, when the mirrors were there to read the commits from.
    pub notes: BTreeMap<(String, String), Notes>,
    /// The validation records of each release (`distrib record`), by distribution and release.
    pub records: BTreeMap<(String, String), Vec<crate::records::Record>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistributionInfo {
    pub name: String,
    pub description: Option<String>,
    pub environment: String,
    /// The top-level products.
    pub products: Vec<String>,
    /// `naming.build`: what a build is called.
    pub build: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentInfo {
    pub name: String,
    pub description: Option<String>,
    pub distribution: String,
    pub default: Option<String>,
    /// The release offered beside the default.
    pub alternative: Option<String>,
    /// Partition to release, in the order of the deployment file.
    pub partitions: Vec<(String, String)>,
    /// In the order of the deployment file.
    pub installed: Vec<InstalledInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstalledInfo {
    pub release: String,
    pub support: Support,
    pub requested_by: Option<String>,
    pub note: Option<String>,
}

impl Input {
    /// The site's input from loaded manifests and the locks of the history.
    pub fn new(manifests: &Manifests, locks: Vec<Lockfile>) -> Self {
        let distributions = manifests
            .distributions
            .iter()
            .map(|d| DistributionInfo {
                name: d.value.name.value.clone(),
                description: d.value.description.clone(),
                environment: d.value.environment.value.clone(),
                products: d.value.products.iter().map(|p| p.value.clone()).collect(),
                build: d.value.naming.build.as_ref().map(|t| t.value.clone()),
            })
            .collect();
        let deployments = manifests
            .deployments
            .iter()
            .map(|d| DeploymentInfo {
                name: d.value.name.value.clone(),
                description: d.value.description.clone(),
                distribution: d.value.distribution.value.clone(),
                default: d.value.default.as_ref().map(|r| r.value.clone()),
                alternative: d.value.alternative.as_ref().map(|r| r.value.clone()),
                partitions: d
                    .value
                    .partitions
                    .iter()
                    .map(|(p, r)| (p.value.clone(), r.value.clone()))
                    .collect(),
                installed: d
                    .value
                    .installed
                    .iter()
                    .map(|i| InstalledInfo {
                        release: i.release.value.clone(),
                        support: i.support.value,
                        requested_by: i.requested_by.clone(),
                        note: i.note.clone(),
                    })
                    .collect(),
            })
            .collect();
        Self {
            distributions,
            deployments,
            locks,
            notes: BTreeMap::new(),
            records: BTreeMap::new(),
        }
    }
}

/// Each release with the one its page compares it with: the release it was made from (`from`),
/// else the one before it in its distribution. The first release has none.
pub fn parents(input: &Input) -> Vec<(&Lockfile, &Lockfile)> {
    let catalog = pages::Catalog::new(input);
    catalog
        .locks()
        .filter_map(|lock| Some((catalog.parent(lock)?.0, lock)))
        .collect()
}

/// One page: its path in the site (`/`-separated, relative to the site's folder) and its HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub html: String,
}

/// Every page of the site, by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub pages: Vec<Page>,
}

#[derive(Debug, Error, miette::Diagnostic)]
pub enum SiteError {
    #[error("cannot make a page for {what} `{name}`: {why}")]
    #[diagnostic(
        code("name-invalid"),
        help(
            "a page's file is named after its distribution, release or deployment, which must be a plain file name: `distrib check` finds the file that names it"
        )
    )]
    UnsafeName {
        what: &'static str,
        name: String,
        why: &'static str,
    },
    #[error("two pages of the site would be written at `{path}`: {first} and {second}")]
    #[diagnostic(
        code("site-collision"),
        help(
            "rename one of the distributions, releases or deployments involved: pages are `index.html`, `<DIST>/index.html`, `<DIST>/<RELEASE>.html` and `deployments/<NAME>.html`"
        )
    )]
    Collision {
        path: String,
        first: String,
        second: String,
    },
    #[error("`{}` is the manifest repository itself", path.display())]
    #[diagnostic(
        code("site-in-manifests"),
        help(
            "the pages would mix with the manifests (and `<DIST>/` folders with theirs): write the site into a folder of its own, e.g. `--out public`"
        )
    )]
    IntoManifests { path: PathBuf },
    #[error("`{}` is not a folder", path.display())]
    #[diagnostic(
        code("io"),
        help(
            "--out names the folder the site is written into: give a folder, or a path that does not exist yet"
        )
    )]
    NotAFolder { path: PathBuf },
    #[error("`{}` is a symbolic link", path.display())]
    #[diagnostic(
        code("io"),
        help(
            "distrib writes the site only into real folders under --out, never through a link: remove the link, or choose another --out"
        )
    )]
    Link { path: PathBuf },
    #[error("cannot write `{}`: {source}", path.display())]
    #[diagnostic(code("io"))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The site's home page.
pub const INDEX: &str = "index.html";

/// `<DIST>/index.html`: a distribution's releases.
pub fn distribution_path(distribution: &str) -> String {
    format!("{distribution}/index.html")
}

/// `<DIST>/<RELEASE>.html`.
pub fn release_path(distribution: &str, release: &str) -> String {
    format!("{distribution}/{release}.html")
}

/// `deployments/<NAME>.html`.
pub fn deployment_path(deployment: &str) -> String {
    format!("deployments/{deployment}.html")
}

/// Why `name` cannot be one component of a path, if it cannot. Names are checked by `distrib
/// check` already; this holds even for a lock written by something else.
fn unsafe_component(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name == "." || name == ".." || name.starts_with('.') {
        Some("it starts with `.`")
    } else if name.contains(['/', '\\']) {
        Some("it holds a path separator")
    } else if name.chars().any(char::is_control) {
        Some("it holds a control character")
    } else {
        None
    }
}

fn check_name(what: &'static str, name: &str) -> Result<(), SiteError> {
    match unsafe_component(name) {
        Some(why) => Err(SiteError::UnsafeName {
            what,
            name: name.to_owned(),
            why,
        }),
        None => Ok(()),
    }
}

/// Builds every page. Fails only on a name that cannot be a file name, or on two pages at one
/// path.
pub fn build(input: &Input) -> Result<Site, SiteError> {
    for d in &input.distributions {
        check_name("distribution", &d.name)?;
    }
    for d in &input.deployments {
        check_name("deployment", &d.name)?;
    }
    for lock in &input.locks {
        check_name("distribution", &lock.distribution)?;
        check_name("release", &lock.release)?;
    }
    let catalog = pages::Catalog::new(input);
    let mut made: Vec<(Page, String)> = Vec::new();
    made.push((
        Page {
            path: INDEX.to_owned(),
            html: pages::index(&catalog),
        },
        "the home page".to_owned(),
    ));
    for distribution in catalog.distribution_names() {
        made.push((
            Page {
                path: distribution_path(distribution),
                html: pages::distribution(&catalog, distribution),
            },
            format!("the page of distribution `{distribution}`"),
        ));
    }
    for deployment in &catalog.deployments {
        made.push((
            Page {
                path: deployment_path(&deployment.name),
                html: pages::deployment(&catalog, deployment),
            },
            format!("the page of deployment `{}`", deployment.name),
        ));
    }
    for lock in catalog.locks() {
        made.push((
            Page {
                path: release_path(&lock.distribution, &lock.release),
                html: pages::release(&catalog, lock),
            },
            format!(
                "the page of release `{}/{}`",
                lock.distribution, lock.release
            ),
        ));
    }
    check_collisions(&made)?;
    let mut pages: Vec<Page> = made.into_iter().map(|(page, _)| page).collect();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Site { pages })
}

/// No two pages at one path, and no page where another needs a folder. Paths are compared
/// without case, as macOS and Windows file systems compare them.
fn check_collisions(made: &[(Page, String)]) -> Result<(), SiteError> {
    let mut files: BTreeMap<String, &str> = BTreeMap::new();
    let mut folders: BTreeMap<String, &str> = BTreeMap::new();
    for (page, what) in made {
        let path = page.path.to_lowercase();
        if let Some(first) = files.insert(path.clone(), what) {
            return Err(collision(&page.path, first, what));
        }
        let parts: Vec<&str> = path.split('/').collect();
        for end in 1..parts.len() {
            folders
                .entry(parts[..end].join("/"))
                .or_insert(what.as_str());
        }
    }
    for (folder, what) in &folders {
        if let Some(first) = files.get(folder.as_str()) {
            return Err(collision(folder, first, what));
        }
    }
    Ok(())
}

fn collision(path: &str, first: &str, second: &str) -> SiteError {
    SiteError::Collision {
        path: path.to_owned(),
        first: first.to_owned(),
        second: second.to_owned(),
    }
}

/// The file in the output folder that lists the pages distrib wrote there, so that a page no
/// longer made (a lock removed from the history) is removed, and nothing else is ever touched.
pub const LISTING: &str = ".distrib-site";
const LISTING_HEADER: &str =
    "# Written by `distrib site`: the pages it wrote here. Pages no longer made are removed.\n";

/// The format of the document `distrib site --format json` prints.
pub const FORMAT: &str = "distrib-site/1";

/// What `distrib site` wrote: the document it prints with `--format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "distrib site: the pages of the release web site and what was written")]
pub struct Document {
    /// `distrib-site/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// The folder written into, as given (`--out`).
    pub out: String,
    /// The front page, relative to `out`.
    pub index: String,
    /// The mirrors the release notes were read from; `null` when there are none (the pages
    /// have no release notes).
    pub mirrors: Option<String>,
    /// Every page of the site: `done` when its file was written, `up-to-date` when it already
    /// held these bytes.
    pub files: Vec<File>,
    /// Pages an earlier run wrote that the site no longer has, now removed.
    pub removed: Vec<String>,
    pub summary: Summary,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct File {
    /// Relative to `out`, with `/`.
    pub path: String,
    pub status: crate::json::Status,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Summary {
    pub pages: usize,
    /// Pages whose file was written (new or changed).
    pub changed: usize,
    pub removed: usize,
    /// Commit ranges the release notes could not walk (the notes say why).
    pub notes_incomplete: usize,
}

/// What [`write`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub pages: usize,
    /// Pages whose bytes changed (new ones included).
    pub changed: usize,
    /// Pages of an earlier run that are no longer made.
    pub removed: usize,
    /// Every page of the site, in the site's order, and whether its file changed.
    pub files: Vec<(String, bool)>,
    /// The pages of an earlier run removed, as that run listed them.
    pub removed_files: Vec<String>,
}

/// Writes `site` into `out` (created when missing): each page atomically, only into real
/// folders under `out`, an unchanged page left as it is; then removes the pages an earlier run
/// wrote that this site no longer has.
pub fn write(site: &Site, out: &Path) -> Result<Written, SiteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SiteError::Io { path, source }
    };
    match std::fs::metadata(out) {
        Ok(meta) if !meta.is_dir() => {
            return Err(SiteError::NotAFolder {
                path: out.to_path_buf(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(io(out))?;
        }
        Err(e) => return Err(io(out)(e)),
    }
    let mut written = Written::default();
    for page in &site.pages {
        let path = inside(out, &page.path)?;
        let bytes = page.html.as_bytes();
        let changed = !std::fs::read(&path).is_ok_and(|current| current == bytes);
        if changed {
            written.changed += 1;
            write_atomic(&path, bytes).map_err(io(&path))?;
        }
        written.files.push((page.path.clone(), changed));
        written.pages += 1;
    }
    // Compared without case: on macOS and Windows `RC1.html` is the `rc1.html` just written.
    let made: BTreeSet<String> = site.pages.iter().map(|p| p.path.to_lowercase()).collect();
    let listing = out.join(LISTING);
    let before = std::fs::read_to_string(&listing).unwrap_or_default();
    for old in before
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        if made.contains(&old.to_lowercase()) {
            continue;
        }
        if remove_stale(out, old).map_err(io(&out.join(old)))? {
            written.removed += 1;
            written.removed_files.push(old.to_owned());
        }
    }
    let mut text = String::from(LISTING_HEADER);
    for path in &made {
        text.push_str(path);
        text.push('\n');
    }
    write_atomic(&listing, text.as_bytes()).map_err(io(&listing))?;
    Ok(written)
}

/// The file `relative` under `out`, creating its folders; every folder on the way must be a
/// real folder, not a link that would lead out of `out`.
fn inside(out: &Path, relative: &str) -> Result<PathBuf, SiteError> {
    let parts: Vec<&str> = relative.split('/').collect();
    let mut path = out.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        if let Some(why) = unsafe_component(part) {
            return Err(SiteError::UnsafeName {
                what: "page",
                name: relative.to_owned(),
                why,
            });
        }
        path.push(part);
        let last = i + 1 == parts.len();
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(SiteError::Link { path });
            }
            Ok(meta) if !last && !meta.is_dir() => {
                return Err(SiteError::NotAFolder { path });
            }
            Ok(meta) if last && meta.is_dir() => {
                return Err(SiteError::Io {
                    path,
                    source: std::io::Error::new(
                        std::io::ErrorKind::IsADirectory,
                        "a folder is where the page goes",
                    ),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !last => {
                std::fs::create_dir(&path).map_err(|source| SiteError::Io {
                    path: path.clone(),
                    source,
                })?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(SiteError::Io { path, source }),
        }
    }
    Ok(path)
}

/// Removes a page an earlier run wrote, when it is still a plain file at a safe path under
/// `out`, then its folder if that is left empty. Whether a page was removed.
fn remove_stale(out: &Path, relative: &str) -> std::io::Result<bool> {
    let parts: Vec<&str> = relative.split('/').collect();
    if parts.iter().any(|p| unsafe_component(p).is_some()) || !relative.ends_with(".html") {
        return Ok(false);
    }
    let mut path = out.to_path_buf();
    for part in &parts {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => return Ok(false),
            Ok(_) => {}
            Err(_) => return Ok(false),
        }
    }
    if !std::fs::symlink_metadata(&path)?.is_file() {
        return Ok(false);
    }
    std::fs::remove_file(&path)?;
    // A folder left empty goes too; one that holds anything else stays.
    let mut folder = path.parent();
    while let Some(dir) = folder {
        if dir == out || std::fs::remove_dir(dir).is_err() {
            break;
        }
        folder = dir.parent();
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{lock, spec};

    fn input() -> Input {
        let mut older = lock("w.1", "3.12", &[spec("base", Some('1'), &[])]);
        older.date = "2026-11-12".into();
        let newer = lock(
            "w.2",
            "3.12",
            &[spec("base", Some('2'), &[]), spec("app", None, &["base"])],
        );
        Input {
            distributions: vec![DistributionInfo {
                name: "dist".into(),
                description: None,
                environment: "ops".into(),
                products: vec!["app".into()],
                build: None,
            }],
            deployments: vec![DeploymentInfo {
                name: "farm".into(),
                description: None,
                distribution: "dist".into(),
                default: Some("w.2".into()),
                alternative: None,
                partitions: Vec::new(),
                installed: vec![InstalledInfo {
                    release: "w.2".into(),
                    support: Support::Official,
                    requested_by: None,
                    note: Some("<b>".into()),
                }],
            }],
            locks: vec![older, newer],
            notes: BTreeMap::new(),
            records: BTreeMap::new(),
        }
    }

    #[test]
    fn the_order_of_the_input_does_not_change_a_byte() {
        let site = build(&input()).unwrap();
        let mut reversed = input();
        reversed.locks.reverse();
        assert_eq!(build(&reversed).unwrap(), site);
        let paths: Vec<&str> = site.pages.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "deployments/farm.html",
                "dist/index.html",
                "dist/w.1.html",
                "dist/w.2.html",
                "index.html"
            ]
        );
        let newer = &site.pages[3].html;
        assert!(newer.contains("Changes since w.1</h2>"), "{newer}");
        assert!(newer.contains("&lt;b&gt;") && !newer.contains("<b>"));
    }

    #[test]
    fn each_release_is_compared_with_the_predecessor_its_users_see() {
        use crate::lock::ReleaseKind;
        let at = |release: &str, kind: ReleaseKind, day: u32, from: Option<&str>| {
            let mut lock = lock(release, "3.12", &[spec("base", Some('1'), &[])]);
            lock.kind = kind;
            lock.date = format!("2026-11-{day:02}");
            lock.build = u64::from(day);
            lock.from = from.map(str::to_owned);
            lock
        };
        let installed = |release: &str, support: Support| InstalledInfo {
            release: release.into(),
            support,
            requested_by: None,
            note: None,
        };
        let mut input = input();
        input.locks = vec![
            at("1.0.0", ReleaseKind::Final, 1, None),
            at("w.1", ReleaseKind::Weekly, 2, None),
            at("m.test", ReleaseKind::Manual, 3, None),
            at("w.2", ReleaseKind::Weekly, 4, None),
            at("2.0.0.rc1", ReleaseKind::Candidate, 5, Some("w.2")),
            at("2.0.0", ReleaseKind::Final, 6, Some("2.0.0.rc1")),
            at("w.3", ReleaseKind::Weekly, 7, None),
        ];
        input.deployments[0].default = Some("w.2".into());
        input.deployments[0].installed = vec![
            installed("w.1", Support::Official),
            installed("m.test", Support::Test),
            installed("w.2", Support::Official),
        ];
        let parents: BTreeMap<&str, &str> = parents(&input)
            .into_iter()
            .map(|(parent, lock)| (lock.release.as_str(), parent.release.as_str()))
            .collect();
        // The official default, with what the deployment officially had, not the test build.
        assert_eq!(parents["w.2"], "w.1");
        // A final with the final before it; a candidate with its parent.
        assert_eq!(parents["2.0.0"], "1.0.0");
        assert_eq!(parents["2.0.0.rc1"], "w.2");
        // Anything else with the release before it.
        assert_eq!(parents["m.test"], "w.1");
        assert_eq!(parents["w.3"], "2.0.0");
        assert!(!parents.contains_key("1.0.0"));
        let site = build(&input).unwrap();
        let page = |path: &str| &site.pages.iter().find(|p| p.path == path).unwrap().html;
        assert!(
            page("dist/w.2.html")
                .contains("the release farm installed with official support before it"),
            "{}",
            page("dist/w.2.html")
        );
        assert!(page("dist/2.0.0.html").contains("the final release of dist before it"));
    }

    #[test]
    fn names_that_are_not_file_names_and_pages_at_one_path_are_refused() {
        let mut bad = input();
        bad.locks[0].release = "../../etc/passwd".into();
        assert!(matches!(
            build(&bad),
            Err(SiteError::UnsafeName {
                what: "release",
                ..
            })
        ));
        let mut index = input();
        index.locks[0].release = "index".into();
        let Err(SiteError::Collision { path, .. }) = build(&index) else {
            panic!("a release named `index` takes the distribution's page");
        };
        assert_eq!(path, "dist/index.html");
        let mut folder = input();
        folder.distributions[0].name = "index.html".into();
        for lock in &mut folder.locks {
            lock.distribution = "index.html".into();
        }
        folder.deployments[0].distribution = "index.html".into();
        assert!(matches!(build(&folder), Err(SiteError::Collision { .. })));
        // `W.1` and `w.1` are one file on macOS and Windows.
        let mut case = input();
        let mut upper = case.locks[0].clone();
        upper.release = "W.1".into();
        case.locks.push(upper);
        assert!(matches!(build(&case), Err(SiteError::Collision { .. })));
    }

    #[test]
    fn only_pages_distrib_wrote_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let site = build(&input()).unwrap();
        let written = write(&site, &out).unwrap();
        assert_eq!((written.pages, written.changed), (5, 5));
        std::fs::write(dir.path().join("outside.html"), "keep").unwrap();
        std::fs::write(out.join("mine.html"), "keep").unwrap();
        let listing = std::fs::read_to_string(out.join(LISTING)).unwrap();
        std::fs::write(
            out.join(LISTING),
            format!("{listing}../outside.html\nmine.txt\ndist/w.9.html\n"),
        )
        .unwrap();
        std::fs::write(out.join("dist/w.9.html"), "old").unwrap();
        let mut fewer = site.clone();
        fewer.pages.retain(|p| p.path != "dist/w.1.html");
        let written = write(&fewer, &out).unwrap();
        assert_eq!((written.pages, written.changed, written.removed), (4, 0, 2));
        assert!(!out.join("dist/w.1.html").exists() && !out.join("dist/w.9.html").exists());
        assert!(dir.path().join("outside.html").exists() && out.join("mine.html").exists());
        let listing = std::fs::read_to_string(out.join(LISTING)).unwrap();
        assert!(!listing.contains("w.1.html") && !listing.contains("outside"));
    }
}
