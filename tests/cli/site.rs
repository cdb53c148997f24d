//! `distrib site`: the release web site of the `alice` demo opened in a real browser (Debian's
//! `chromium`, headless), and, without a browser, on a small repository with products on
//! GitHub, GitLab and elsewhere: escaping, determinism, links that resolve, commit links, and
//! bad input.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::fixture::{fails, ok, product_in, write};
use crate::support::{CommandLine, Run, copy_tree, distrib_wide, git, project};

const DEFAULT: &str = "O2PDPSuite-epn-20261126-DDv1.6.5-flp-suite-v0.40.0";

/// The `alice` demo, run once for all tests of this file into `target/tmp/site-alice`, with
/// its site written into `site/` (kept after the tests, to be looked at).
fn alice() -> &'static Path {
    static WORK: OnceLock<PathBuf> = OnceLock::new();
    WORK.get_or_init(|| {
        let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-alice");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        crate::support::demo("alice", &work);
        let run = distrib_wide(
            &work.join("manifests"),
            &["site", "--out", "../site", "--mirrors", "../mirrors"],
        );
        ok(&run);
        work
    })
}

/// Every file under `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            (relative.into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    all.sort();
    all
}

/// The HTML pages under `dir`, by relative path.
fn pages(dir: &Path) -> Vec<(String, String)> {
    files(dir)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
        .collect()
}

/// `%XX` sequences decoded, as a browser does with a link's path.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The values of `attribute="..."` in `html`, entities of `&` undone.
fn attributes(html: &str, attribute: &str) -> Vec<String> {
    let pattern = regex::Regex::new(&format!("\\s{attribute}=\"([^\"]*)\"")).unwrap();
    pattern
        .captures_iter(html)
        .map(|c| c[1].replace("&amp;", "&"))
        .collect()
}

/// The file a relative link of the page at `page` leads to, and its fragment.
fn follow(page: &Path, href: &str) -> (PathBuf, Option<String>) {
    let (path, fragment) = match href.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment.to_owned())),
        None => (href, None),
    };
    if path.is_empty() {
        return (page.to_path_buf(), fragment);
    }
    let mut target = page.parent().unwrap().to_path_buf();
    for part in percent_decode(path).split('/') {
        match part {
            ".." => {
                target.pop();
            }
            "." => {}
            part => target.push(part),
        }
    }
    (target, fragment)
}

/// Every link of every page under `site` that is not to another web site leads to a file of
/// the site, and every fragment to an element of its page. Returns how many were followed.
fn assert_links_resolve(site: &Path) -> usize {
    let site = site.canonicalize().unwrap();
    let mut followed = 0;
    for (path, html) in pages(&site) {
        let page = site.join(&path);
        for href in attributes(&html, "href") {
            if href.starts_with("https://") {
                continue;
            }
            assert!(
                !href.contains(':') && !href.starts_with('/'),
                "`{href}` in `{path}` is relative"
            );
            let (target, fragment) = follow(&page, &href);
            assert!(
                target.starts_with(&site),
                "`{href}` in `{path}` leads out of the site"
            );
            assert!(target.is_file(), "`{href}` in `{path}`: no such file");
            if let Some(fragment) = fragment {
                let text = std::fs::read_to_string(&target).unwrap();
                assert!(
                    attributes(&text, "id").contains(&fragment),
                    "`{href}` in `{path}`: no element with that id"
                );
            }
            followed += 1;
        }
    }
    followed
}

/// What every page must have to be accessible and self-contained.
fn assert_well_formed(path: &str, html: &str) {
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"en\">"),
        "{path}"
    );
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"),
        "{path}"
    );
    assert_eq!(html.matches("<h1>").count(), 1, "one h1 in {path}");
    // Headings never skip a level.
    let levels: Vec<u8> = regex::Regex::new("<h([1-6])[ >]")
        .unwrap()
        .captures_iter(html)
        .map(|c| c[1].parse().unwrap())
        .collect();
    for pair in levels.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1,
            "{path}: h{} after h{}",
            pair[1],
            pair[0]
        );
    }
    for forbidden in ["<script", "<link", "src=\"http", "@import", "url(http"] {
        assert!(!html.contains(forbidden), "{path} holds `{forbidden}`");
    }
    if html.contains("<table>") {
        assert_eq!(
            html.matches("<table>").count(),
            html.matches("<caption>").count(),
            "{path}: every table has a caption"
        );
        assert!(html.contains("<th scope=\"col\">"), "{path}");
    }
}

#[test]
fn the_alice_site_is_deterministic_accessible_and_every_link_resolves() {
    let work = alice();
    let site = work.join("site");
    let all = pages(&site);
    let names: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
    assert!(names.contains(&"index.html"), "{names:?}");
    assert!(names.contains(&"deployments/epn.html"), "{names:?}");
    assert!(names.contains(&"O2PDPSuite/index.html"), "{names:?}");
    assert!(names.contains(&format!("O2PDPSuite/{DEFAULT}.html").as_str()));
    assert_eq!(
        all.len(),
        5 + 6 + 6,
        "home, 2 distributions (O2PDPSuite, flp-suite), 2 deployments (epn, flp), 6 releases of each"
    );
    for (path, html) in &all {
        assert_well_formed(path, html);
    }
    assert!(assert_links_resolve(&site) > 40);

    // The same input gives the same bytes, wherever it is written; nothing changes on a rerun.
    let manifests = work.join("manifests");
    let other = tempfile::tempdir().unwrap();
    let out = other.path().join("again");
    let site_into = |out: &Path| {
        distrib_wide(
            &manifests,
            &[
                "site",
                "--out",
                out.to_str().unwrap(),
                "--mirrors",
                "../mirrors",
            ],
        )
    };
    ok(&site_into(&out));
    assert_eq!(files(&site), files(&out));
    let rerun = site_into(&out);
    ok(&rerun);
    assert!(
        rerun.stderr.contains("17 pages, 0 changed"),
        "{}",
        rerun.stderr
    );

    // The release page: lineage, installation, products with their commits on GitHub, the
    // changes since the release before it, its release note, and the graph.
    let page = std::fs::read_to_string(site.join(format!("O2PDPSuite/{DEFAULT}.html"))).unwrap();
    assert!(
        page.contains("<h2 id=\"note\">Release note since "),
        "{page}"
    );
    assert!(page.contains("O2-4800: faster track seeding"), "{page}");
    // The install text is Markdown, rendered: code as code, no raw fences or backticks.
    assert!(
        page.contains("In the AliECS GUI, choose <code>O2PDPSuite-epn-20261126"),
        "{page}"
    );
    assert!(!page.contains("```"), "{page}");
    let lock = distrib::lock::parse(
        &std::fs::read_to_string(manifests.join(format!("locks/O2PDPSuite/{DEFAULT}.lock.yaml")))
            .unwrap(),
    )
    .unwrap();
    for product in &lock.products {
        assert!(page.contains(&format!("<tr id=\"product-{}\">", product.name)));
        for repository in &product.repositories {
            let path = repository.url.strip_prefix("https://github.com/").unwrap();
            let link = format!("https://github.com/{path}/commit/{}", repository.commit);
            assert!(page.contains(&link), "`{link}` in the page");
        }
    }
    for text in [
        "<dt>Kind</dt><dd>weekly</dd>",
        &format!("<dt>Build</dt><dd>b{}</dd>", lock.build),
        "<dt>Date</dt><dd>2026-11-26</dd>",
        "<dt>Platform</dt><dd><code>linux-x86_64</code></dd>",
        // The new official default, with what epn officially ran before it (Thursday's weekly),
        // not with the manual test build made in between: no false downgrade.
        "<h2 id=\"changes\">Changes since O2PDPSuite-epn-20261119-DDv1.6.5-flp-suite-v0.40.0</h2>",
        "the release epn installed with official support before it",
        "<td>rebuild</td>",
        "own source",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"",
        "stroke-dasharray",
        "<title>O2 needs to build CMake</title>",
    ] {
        assert!(page.contains(text), "`{text}` in the release page");
    }
    // The products table fits 1280 px: every cell kept on one line is short (a type, a commit,
    // an identity, 12 characters or so); names, versions and URLs may break.
    let products = page
        .split("<caption>Products of ")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap();
    let one_line = regex::Regex::new(r"<td>(.*?)</td>").unwrap();
    let tags = regex::Regex::new("<[^>]*>").unwrap();
    let mut cells = 0;
    for cell in one_line.captures_iter(products) {
        let text = tags.replace_all(&cell[1], "");
        assert!(
            text.chars().count() <= 14,
            "a one-line cell of {} characters: {text}",
            text.len()
        );
        cells += 1;
    }
    assert!(cells >= 3 * lock.products.len(), "{products}");
    assert!(
        products.contains("<td class=\"name\">https://github.com/"),
        "{products}"
    );
    // The nightly of the same day is compared with the first one, and says where it runs.
    let nightly = std::fs::read_to_string(site.join("O2PDPSuite/20261120-1400.html")).unwrap();
    assert!(nightly.contains("Changes since 20261120<"));
    assert!(nightly.contains("<span class=\"label support-internal\">internal</span>"));
    assert!(nightly.contains("<td class=\"name\">PDP</td>"));
    // The first nightly of that day has the content of Thursday's weekly, and is nowhere.
    let morning = std::fs::read_to_string(site.join("O2PDPSuite/20261120.html")).unwrap();
    assert!(morning.contains("Not installed at any deployment."));
    assert!(morning.contains("No product changed"), "{morning}");
    let first = std::fs::read_to_string(
        site.join("O2PDPSuite/O2PDPSuite-epn-20261119-DDv1.6.5-flp-suite-v0.40.0.html"),
    )
    .unwrap();
    assert!(first.contains("The first release of O2PDPSuite"));
}

/// `chromium` on the PATH, or `None` after saying that the calling test is skipped; with
/// `DISTRIB_REQUIRE_BROWSER=1` (CI sets it) its absence is a failure instead.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        crate::support::skipped(
            "chromium is not on the PATH (install Debian's chromium package)",
            Some("DISTRIB_REQUIRE_BROWSER"),
        );
    }
    found
}

/// Runs headless chromium on `url` with `args`, in its own profile, killed after two minutes.
fn browse(chromium: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let mut child = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args([
            "--no-first-run",
            "--disable-extensions",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} {url}: {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} {url} did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// The text of an HTML fragment, tags removed and white space collapsed.
fn text_of(html: &str) -> String {
    let without = regex::Regex::new("<[^>]*>").unwrap().replace_all(html, " ");
    without.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_alice_site_in_a_browser() {
    let Some(chromium) = chromium() else {
        return;
    };
    let site = alice().join("site").canonicalize().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let profile = scratch.path().join("profile");
    let index = site.join("index.html");
    let url = |path: &Path| format!("file://{}", path.display());
    let dom = browse(&chromium, &profile, &["--dump-dom"], &url(&index));
    assert!(dom.contains("<h1>Releases</h1>"), "{dom}");
    assert!(dom.contains("O2PDPSuite"), "{dom}");

    // The epn deployment's table: one default row, the new weekly, official and default.
    let table = dom
        .split("<caption>Releases installed at epn</caption>")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_else(|| panic!("no table of epn in:\n{dom}"));
    let rows: Vec<String> = table
        .split("<tr")
        .skip(1)
        .map(|r| format!("<tr{r}"))
        .collect();
    assert_eq!(
        rows.len(),
        1 + 5,
        "a header row and five installed releases"
    );
    let defaults: Vec<&String> = rows.iter().filter(|r| r.contains("default-row")).collect();
    assert_eq!(defaults.len(), 1, "{table}");
    let default = text_of(defaults[0]);
    assert!(
        default.starts_with(&format!("{DEFAULT} official ★ default weekly")),
        "{default}"
    );
    for (release, support) in [
        (
            "O2PDPSuite-epn-20261119-DDv1.6.5-flp-suite-v0.40.0",
            "official",
        ),
        (
            "O2PDPSuite-epn-20261121-DDv1.6.6-flp-suite-v0.40.0-manual",
            "test",
        ),
        ("20261120-1400", "internal"),
        // Monday's nightly, offered beside the default as the alternative (O2 §6).
        ("20261123", "internal"),
    ] {
        let row = rows
            .iter()
            .map(|r| text_of(r))
            .find(|r| r.starts_with(&format!("{release} ")))
            .unwrap_or_else(|| panic!("no row of `{release}` in {table}"));
        assert!(row.starts_with(&format!("{release} {support} ")), "{row}");
        assert!(!row.contains("default"), "{row}");
    }
    for support in ["official", "test", "internal"] {
        assert!(
            dom.contains(&format!(
                "class=\"label support-{support}\">{support}</span>"
            )),
            "the `{support}` label"
        );
    }

    // The default release's link leads to its page, which the browser renders too.
    let href = attributes(table, "href")
        .into_iter()
        .find(|h| h.contains(DEFAULT))
        .unwrap();
    let (page, _) = follow(&index, &href);
    assert!(page.is_file(), "`{href}` leads to `{}`", page.display());
    let release = browse(&chromium, &profile, &["--dump-dom"], &url(&page));
    assert!(
        release.contains(&format!("<h1>{DEFAULT}</h1>")),
        "{release}"
    );
    assert!(release.contains("<svg"), "the graph is drawn");
    let installed = text_of(
        release
            .split("<h2 id=\"installed\">")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .unwrap(),
    );
    assert!(
        installed.contains("epn official ★ default Run Coordination"),
        "{installed}"
    );

    // What a phone shows: a picture worth keeping next to the build. Headless chromium makes
    // no window narrower than 500 px (a 375 px screenshot of it is a 500 px page cut off), so
    // the page is drawn in a frame 375 px wide, its own viewport, at the left of the window.
    let picture = scratch.path().join("site.png");
    let phone = scratch.path().join("phone.html");
    std::fs::write(
        &phone,
        format!(
            "<!doctype html>\n<html><body style=\"margin:0;background:#8c8c8c\">\
<iframe width=\"375\" height=\"1200\" style=\"border:0;display:block;background:#fff\" \
src=\"{}\"></iframe></body></html>\n",
            url(&index)
        ),
    )
    .unwrap();
    browse(
        &chromium,
        &profile,
        &[
            &format!("--screenshot={}", picture.display()),
            "--window-size=500,1200",
        ],
        &url(&phone),
    );
    let png = std::fs::read(&picture).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (500, 1200));
    assert!(png.len() > 20_000, "{} bytes: the page is drawn", png.len());
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("site-screenshot.png");
    std::fs::copy(&picture, &keep).unwrap();
    eprintln!(
        "the screenshot at 375 px (the left 375 px of it) is in `{}`",
        keep.display()
    );
}

/// A manifest repository whose products live on GitHub (`core`), on GitLab in a sub-group
/// (`cli`), and elsewhere (`data`), all served from local repositories; `app` is a meta-package
/// of them. Its distribution and deployment descriptions hold markup.
struct Forges {
    _dir: tempfile::TempDir,
    root: PathBuf,
    mirrors: PathBuf,
}

impl Forges {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("manifests");
        let upstream = dir.path().join("upstream");
        let mirrors = dir.path().join("mirrors");
        for path in [
            "github.com/acme/core",
            "gitlab.com/acme/tools/cli.git",
            "example.org/acme/data",
        ] {
            let repo = upstream.join(path);
            std::fs::create_dir_all(&repo).unwrap();
            git(&repo, &["init", "-q", "-b", "main"]);
            write(&repo.join("README"), path);
            git(&repo, &["add", "-A"]);
            git(&repo, &["commit", "-q", "-m", "first"]);
        }
        let up = upstream.display();
        write(
            &root.join("distrib.yaml"),
            &format!(
                "rewrite:\n  \"https://github.com/\": \"file://{up}/github.com/\"\n  \
\"https://gitlab.com/\": \"file://{up}/gitlab.com/\"\n  \
\"https://example.org/\": \"file://{up}/example.org/\"\n"
            ),
        );
        write(
            &root.join("environments/dev.yaml"),
            "name: dev\npurpose: development\n",
        );
        for (name, url, extra) in [
            ("core", "https://github.com/acme/core", ""),
            (
                "cli",
                "https://gitlab.com/acme/tools/cli.git",
                "depends: { core: \"*\" }\n",
            ),
            ("data", "https://example.org/acme/data", ""),
        ] {
            write(
                &root.join(format!("products/{name}.yaml")),
                &format!("name: {name}\nrepositories:\n  - url: {url}\n    ref: main\n{extra}"),
            );
        }
        write(
            &root.join("products/app.yaml"),
            "name: app\ndepends: { cli: \"*\", data: \"*\" }\nbuild_depends: { core: \"*\" }\n",
        );
        write(
            &root.join("distributions/acme.yaml"),
            "name: acme\ndescription: \"Acme <b>tools</b> & data\"\nenvironment: dev\n\
products: [app]\nplatform: linux-x86_64\n",
        );
        write(
            &root.join("deployments/lab.yaml"),
            "name: lab\ndescription: \"The lab's <i>cluster</i>\"\ndistribution: acme\ninstalled: []\n",
        );
        Self {
            _dir: dir,
            root,
            mirrors,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        let mirrors = [("DISTRIB_MIRRORS", self.mirrors.as_os_str())];
        crate::support::distrib_with(&self.root, args, &mirrors)
    }

    /// `distrib lock DISTRIBUTION --kind KIND` with the mirrors, to be given its other flags.
    fn lock(&self, distribution: &str, kind: &str) -> CommandLine<'_> {
        CommandLine::new(
            |args| self.run(args),
            &["lock", distribution, "--kind", kind],
        )
    }

    /// Locks the weekly `w.2026.47` and installs it at `lab` as its official default, asked
    /// for with markup in the request and the note.
    fn locked(self) -> Self {
        ok(&self.lock("acme", "weekly").date("2026-11-19").run());
        ok(&self.run(&[
            "deploy",
            "add",
            "lab",
            "w.2026.47",
            "--support",
            "official",
            "--requested-by",
            "Q&A \"team\"",
            "--note",
            "<script>alert('owned')</script>",
        ]));
        ok(&self.run(&["deploy", "set-default", "lab", "w.2026.47"]));
        self
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }
}

#[test]
fn a_repository_without_locks_gets_a_site_that_says_so() {
    let f = Forges::new();
    let run = f.run(&["site", "--out", "public"]);
    ok(&run);
    assert!(run.stderr.contains("3 pages"), "{}", run.stderr);
    let index = f.read("public/index.html");
    assert_well_formed("index.html", &index);
    assert!(index.contains("No release is locked yet"), "{index}");
    assert!(index.contains("Nothing is installed at lab yet"), "{index}");
    let distribution = f.read("public/acme/index.html");
    assert!(distribution.contains("No release of <code>acme</code> is locked yet"));
    assert_links_resolve(&f.root.join("public"));
}

#[test]
fn every_text_from_the_manifests_is_escaped() {
    let f = Forges::new().locked();
    ok(&f.run(&["site", "--out", "public"]));
    let site = f.root.join("public");
    for (path, html) in pages(&site) {
        assert_well_formed(&path, &html);
        for raw in [
            "<b>tools</b>",
            "<i>cluster</i>",
            "Q&A \"team\"",
            "alert('owned')",
        ] {
            assert!(!html.contains(raw), "`{raw}` unescaped in {path}");
        }
    }
    let deployment = f.read("public/deployments/lab.html");
    assert!(
        deployment.contains(
            "<td class=\"text\">&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;</td>"
        ),
        "{deployment}"
    );
    assert!(deployment.contains("<td class=\"name\">Q&amp;A &quot;team&quot;</td>"));
    assert!(deployment.contains("The lab&#39;s &lt;i&gt;cluster&lt;/i&gt;"));
    let index = f.read("public/index.html");
    assert!(index.contains("Acme &lt;b&gt;tools&lt;/b&gt; &amp; data"));
    let release = f.read("public/acme/w.2026.47.html");
    assert!(release.contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"));
    assert_links_resolve(&site);
}

#[test]
fn commits_link_to_github_and_gitlab_and_stay_text_elsewhere() {
    let f = Forges::new().locked();
    ok(&f.run(&["site", "--out", "public"]));
    let lock = distrib::lock::parse(&f.read("locks/acme/w.2026.47.lock.yaml")).unwrap();
    let commit = |name: &str| product_in(&lock, name).repositories[0].commit.clone();
    let page = f.read("public/acme/w.2026.47.html");
    let links: BTreeSet<String> = attributes(&page, "href")
        .into_iter()
        .filter(|h| h.starts_with("https://"))
        .collect();
    let expected: BTreeSet<String> = [
        format!("https://github.com/acme/core/commit/{}", commit("core")),
        format!(
            "https://gitlab.com/acme/tools/cli/-/commit/{}",
            commit("cli")
        ),
    ]
    .into();
    assert_eq!(links, expected);
    let data = commit("data");
    assert!(page.contains(&format!("<td><code>{}</code></td>", &data[..12])));
    // The meta-package has no source; its build-time dependency is marked.
    assert!(page.contains(
        "<td>none</td><td class=\"name\">none</td><td class=\"text\">cli, data, core (build)</td>"
    ));
}

#[test]
fn bad_output_folders_are_refused_and_old_pages_removed() {
    let f = Forges::new().locked();
    // --out names a file: refused before anything is written.
    write(&f.root.join("notes.txt"), "keep me\n");
    let run = f.run(&["site", "--out", "notes.txt"]);
    fails(&run, 1, "`notes.txt` is not a folder");
    assert_eq!(f.read("notes.txt"), "keep me\n");
    // Nor into the manifests themselves.
    let run = f.run(&["site", "--out", "."]);
    fails(&run, 1, "is the manifest repository itself");
    assert!(!f.root.join("index.html").exists());

    // A folder of the site that is a link out of it: nothing is written through it.
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(f.root.join("linked")).unwrap();
    std::os::unix::fs::symlink(outside.path(), f.root.join("linked/acme")).unwrap();
    fails(
        &f.run(&["site", "--out", "linked"]),
        1,
        "is a symbolic link",
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);

    // A page no longer made is removed; files distrib did not write stay.
    ok(&f.run(&["site", "--out", "public"]));
    write(&f.root.join("public/CNAME"), "releases.example.org\n");
    ok(&f.lock("acme", "nightly").date("2026-11-20").offline().run());
    ok(&f.run(&["site", "--out", "public"]));
    assert!(f.root.join("public/acme/d.2026.11.20.html").is_file());
    let release = f.read("public/acme/d.2026.11.20.html");
    assert!(release.contains("the build of <a href=\"w.2026.47.html\">w.2026.47</a>"));
    std::fs::remove_file(f.root.join("locks/acme/d.2026.11.20.lock.yaml")).unwrap();
    let run = f.run(&["site", "--out", "public"]);
    ok(&run);
    assert!(
        run.stderr.contains("1 no longer made removed"),
        "{}",
        run.stderr
    );
    assert!(!f.root.join("public/acme/d.2026.11.20.html").exists());
    assert!(f.root.join("public/acme/w.2026.47.html").is_file());
    assert_eq!(f.read("public/CNAME"), "releases.example.org\n");
}

#[test]
fn invalid_manifests_make_no_site() {
    let f = Forges::new().locked();
    let deployment = f.read("deployments/lab.yaml");
    write(
        &f.root.join("deployments/lab.yaml"),
        &deployment.replace("support: official", "support: test"),
    );
    let run = f.run(&["site", "--out", "public"]);
    fails(&run, 1, "deployment-default");
    assert!(!f.root.join("public").exists());
    fails(&f.run(&["site"]), 2, "--out");
}

#[test]
fn a_repository_without_deployments_says_so() {
    let f = tempfile::tempdir().unwrap();
    copy_tree(&project().join("examples/lsst"), f.path());
    let run = distrib_wide(f.path(), &["site", "--out", "site"]);
    ok(&run);
    let index = std::fs::read_to_string(f.path().join("site/index.html")).unwrap();
    assert!(index.contains("No deployment is declared yet"), "{index}");
    assert!(index.contains("<a href=\"lsst_distrib/index.html\">lsst_distrib</a>"));
}

/// A site made to be wide: products with long names (no place to break but `-`), long
/// versions (`git describe` forms of long tags) and long URLs, a distribution whose release
/// names are long, two weeklies apart so every product changed, and a deployment whose
/// requests and notes are long. Written into `target/tmp/site-wide/` and kept, to be looked at.
fn wide_site() -> PathBuf {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-wide");
    let _ = std::fs::remove_dir_all(&work);
    let root = work.join("manifests");
    let upstream = work.join("upstream");
    let mirrors = work.join("mirrors");
    let organisation = "the-collaboration-with-a-long-name";
    let names: Vec<String> = [
        "InnerTrackingSystemCalibrationFramework",
        "MuonForwardTrackerReconstructionAndAlignment",
        "TimeProjectionChamberClusterizerForTheUpgrade",
        "QualityControlPostProcessingOfTheDetectors",
        "DataDistributionSubTimeFrameBuilderService",
        "ReadoutCardFirmwareConfigurationTools",
    ]
    .iter()
    .map(|n| format!("{n}-{n}"))
    .collect();
    for name in &names {
        let repo = upstream.join(format!("{organisation}/{name}.git"));
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        write(&repo.join("README"), name);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "first"]);
        git(
            &repo,
            &[
                "tag",
                "v2026.11.0-calibration-pass-three-with-a-long-suffix",
            ],
        );
        crate::support::fixture::commit_file(&repo, "src/a", "a", "after the tag");
    }
    write(
        &root.join("distrib.yaml"),
        &format!(
            "rewrite:\n  \"https://github.com/\": \"file://{}/\"\n",
            upstream.display()
        ),
    );
    write(
        &root.join("environments/dev.yaml"),
        "name: dev\npurpose: development\n",
    );
    for (i, name) in names.iter().enumerate() {
        let depends: Vec<String> = names[..i].iter().map(|n| format!("{n}: \"*\"")).collect();
        write(
            &root.join(format!("products/{name}.yaml")),
            &format!(
                "name: {name}\nrepositories:\n  - url: https://github.com/{organisation}/{name}.git\n    \
ref: main\ndepends: {{ {} }}\n",
                depends.join(", ")
            ),
        );
    }
    let distribution = "TheDistributionOfTheWholeCollaborationForItsLargestFarm";
    write(
        &root.join(format!("distributions/{distribution}.yaml")),
        &format!(
            "name: {distribution}\ndescription: Every product of the collaboration, as built for the \
largest farm it runs, with the calibration of the detectors\nenvironment: dev\nproducts: [{}]\n\
platform: linux-x86_64\nnaming:\n  weekly: \"{distribution}-%Y%m%d-{{{}}}\"\n",
            names.last().unwrap(),
            names[0]
        ),
    );
    write(
        &root.join("deployments/the-largest-farm-of-the-collaboration.yaml"),
        &format!(
            "name: the-largest-farm-of-the-collaboration\ndescription: The farm\n\
distribution: {distribution}\ninstalled: []\n"
        ),
    );
    let mirrors_env = [("DISTRIB_MIRRORS", mirrors.as_os_str())];
    let run = |args: &[&str]| crate::support::distrib_with(&root, args, &mirrors_env);
    let lock = |date: &str| {
        let run = run(&["lock", distribution, "--kind", "weekly", "--date", date]);
        ok(&run);
    };
    lock("2026-11-19");
    for name in &names {
        let repo = upstream.join(format!("{organisation}/{name}.git"));
        crate::support::fixture::commit_file(&repo, "src/b", "b", "a week of work");
    }
    lock("2026-11-26");
    let mut releases: Vec<String> = std::fs::read_dir(root.join("locks").join(distribution))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .map(|f| f.trim_end_matches(".lock.yaml").to_owned())
        .collect();
    releases.sort();
    assert_eq!(releases.len(), 2, "{releases:?}");
    for release in &releases {
        ok(&run(&[
            "deploy",
            "add",
            "the-largest-farm-of-the-collaboration",
            release,
            "--support",
            "official",
            "--requested-by",
            "The-Run-Coordination-Of-The-Collaboration-On-Behalf-Of-The-Detectors",
            "--note",
            "Installed for the calibration pass of the inner tracking system, after the \
             software workout of Monday passed on every detector",
        ]));
    }
    ok(&run(&[
        "deploy",
        "set-default",
        "the-largest-farm-of-the-collaboration",
        &releases[1],
    ]));
    ok(&run(&["site", "--out", "../site"]));
    work.join("site")
}

/// What the browser measured on one page at one viewport width, in CSS pixels.
#[derive(serde::Deserialize, Debug)]
struct Layout {
    page: String,
    width: f64,
    /// The viewport's width, and how wide the document is (wider: the page scrolls sideways).
    viewport: f64,
    document: f64,
    tables: Vec<TableBox>,
}

#[derive(serde::Deserialize, Debug)]
struct TableBox {
    caption: String,
    /// The table's own box.
    left: f64,
    right: f64,
    width: f64,
    /// The box the table is in: its edges, its inner width, how wide its content is, and its
    /// `overflow-x`.
    container_left: f64,
    container_right: f64,
    container_width: f64,
    content_width: f64,
    overflow: String,
}

/// Opens every page of `site` in headless chromium, each in a frame `widths` wide (a frame is a
/// viewport of its own: headless chromium makes no window narrower than 500 px), and measures
/// the layout of the document and of every table.
fn layouts(chromium: &Path, site: &Path, widths: &[u32]) -> Vec<Layout> {
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("site");
    copy_tree(site, &copy);
    let mut frames = String::new();
    for (path, _) in pages(&copy) {
        for width in widths {
            frames.push_str(&format!(
                "<iframe width=\"{width}\" height=\"900\" data-page=\"{path}\" \
src=\"{path}\"></iframe>\n"
            ));
        }
    }
    // At the window's `load`, which waits for every frame (a frame can finish loading before
    // a script after it runs, so its own `load` may come too early to be seen).
    let measure = r#"
window.addEventListener("load", () => {
  const found = [];
  for (const frame of document.querySelectorAll("iframe")) {
    const w = frame.contentWindow, d = frame.contentDocument;
    const tables = [...d.querySelectorAll("table")].map((t) => {
      const b = t.getBoundingClientRect(), c = t.parentElement, cb = c.getBoundingClientRect();
      return { caption: t.caption ? t.caption.textContent : "", left: b.left, right: b.right,
        width: b.width, container_left: cb.left, container_right: cb.right,
        container_width: c.clientWidth, content_width: c.scrollWidth,
        overflow: w.getComputedStyle(c).overflowX };
    });
    found.push({ page: frame.dataset.page, width: frame.width * 1,
      viewport: d.documentElement.clientWidth, document: d.documentElement.scrollWidth, tables });
  }
  document.getElementById("found").textContent = JSON.stringify(found);
});
"#;
    let wrapper = copy.join("measure-the-layout.html");
    std::fs::write(
        &wrapper,
        format!(
            "<!doctype html>\n<html><body style=\"margin:0\">\n{frames}<pre id=\"found\"></pre>\n\
<script>{measure}</script>\n</body></html>\n"
        ),
    )
    .unwrap();
    let dom = browse(
        chromium,
        &scratch.path().join("profile"),
        &[
            "--dump-dom",
            "--allow-file-access-from-files",
            "--window-size=1400,900",
        ],
        &format!("file://{}", wrapper.display()),
    );
    let json = dom
        .split("<pre id=\"found\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no measures in:\n{dom}"))
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let layouts: Vec<Layout> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        layouts.len(),
        pages(&copy).len().saturating_sub(1) * widths.len(),
        "every page was measured at every width: {json}"
    );
    layouts
}

/// At 1280 px every table of every page fits the page: no table is wider than its box or
/// reaches past the viewport, and no page scrolls sideways, on the `alice` demo and on a site
/// made wide on purpose (long product names, versions, URLs and release names, every column).
/// At 375 px (a phone) no page is wider than the screen: a table that does not fit scrolls
/// inside its own box, which stays within the screen.
#[test]
fn tables_fit_1280_px_and_scroll_in_their_box_on_a_phone() {
    let Some(chromium) = chromium() else {
        return;
    };
    let wide = wide_site();
    let mut scrolled = 0;
    for site in [alice().join("site"), wide] {
        let site = site.canonicalize().unwrap();
        let measured = layouts(&chromium, &site, &[1280, 375]);
        let mut problems = Vec::new();
        for layout in &measured {
            let (page, width) = (&layout.page, layout.width);
            assert_eq!(layout.viewport, width, "{page}: the frame is the viewport");
            if layout.document > width {
                problems.push(format!(
                    "{page} at {width} px: the page is {} px wide",
                    layout.document
                ));
            }
            for table in &layout.tables {
                let caption = &table.caption;
                if table.container_left < 0.0 || table.container_right > width {
                    problems.push(format!(
                        "{page} at {width} px: the box of `{caption}` spans {}..{} px",
                        table.container_left, table.container_right
                    ));
                }
                let scrolls = table.content_width > table.container_width;
                if width >= 1280.0 {
                    if scrolls || table.right > width || table.left < 0.0 {
                        problems.push(format!(
                            "{page} at {width} px: `{caption}` is {} px wide in a box of {} px \
                             (spans {}..{} px)",
                            table.width, table.container_width, table.left, table.right
                        ));
                    }
                } else if scrolls {
                    scrolled += 1;
                    if !["auto", "scroll"].contains(&table.overflow.as_str()) {
                        problems.push(format!(
                            "{page} at {width} px: `{caption}` is wider than its box, which \
                             does not scroll (overflow-x: {})",
                            table.overflow
                        ));
                    }
                }
            }
        }
        assert!(
            measured.iter().map(|l| l.tables.len()).sum::<usize>() > 10,
            "{measured:#?}"
        );
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            site.display(),
            problems.join("\n")
        );
    }
    assert!(
        scrolled > 0,
        "on a phone, some table is wider than the screen and scrolls"
    );
}
