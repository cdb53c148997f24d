//! `distrib fetch` under hostile conditions, on real repositories: lock files and half-made
//! mirrors left by a killed fetch, the user's git configuration (which must change nothing),
//! servers that ask for credentials (a real smart-HTTP server on 127.0.0.1), URLs that would
//! share a mirror, commits force-pushed away, tags of blobs.

use crate::support::http;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::fixture::{commit_file, fails, ok, says, write, write_executable};
use crate::support::{CommandLine, Run, distrib_with, git};

/// A manifest repository whose products live in local upstream repositories.
struct Site {
    dir: tempfile::TempDir,
    root: PathBuf,
    mirrors: PathBuf,
}

impl Site {
    /// Upstream `a` (default branch `trunk`, tagged `v1.0.0`, and a `main` branch that differs)
    /// and `b` (on `main`); product `a` follows its origin's default branch, `b` is pinned
    /// to its tag; distribution `d` holds both.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        let mirrors = dir.path().join("mirrors");
        let site = Self { root, mirrors, dir };
        let a = site.upstream("a");
        git(&a, &["init", "-q", "-b", "trunk"]);
        commit_file(&a, "f", "a1\n", "one");
        git(&a, &["tag", "-a", "-m", "v1", "v1.0.0"]);
        git(&a, &["checkout", "-q", "-b", "main"]);
        commit_file(&a, "f", "a main\n", "on main");
        git(&a, &["checkout", "-q", "trunk"]);
        commit_file(&a, "f", "a2\n", "two");
        let b = site.upstream("b");
        git(&b, &["init", "-q", "-b", "main"]);
        commit_file(&b, "g", "b1\n", "one");
        git(&b, &["tag", "v2.0.0"]);
        commit_file(&b, "g", "b2\n", "two");
        write(&site.root.join("distrib.yaml"), "rules: {}\n");
        write(
            &site.root.join("environments/ops.yaml"),
            "name: ops\npurpose: operations\npackages: {}\n",
        );
        site.product("a", &format!("file://{}", a.display()), "");
        site.product("b", &format!("file://{}", b.display()), "tag: v2.0.0\n");
        write(
            &site.root.join("distributions/d.yaml"),
            "name: d\nenvironment: ops\nproducts: [a, b]\n",
        );
        site
    }

    fn upstream(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join("up").join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    fn product(&self, name: &str, url: &str, extra: &str) {
        write(
            &self.root.join(format!("products/{name}.yaml")),
            &format!("name: {name}\ntype: internal\nrepositories:\n  - url: {url}\n{extra}"),
        );
    }

    /// The mirror of a URL, as distrib places it.
    fn mirror(&self, url: &str) -> PathBuf {
        distrib::url::mirror_path(&self.mirrors, &distrib::url::normalize(url).unwrap())
    }

    fn mirror_of(&self, name: &str) -> PathBuf {
        self.mirror(&format!(
            "file://{}",
            self.dir.path().join("up").join(name).display()
        ))
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &OsStr)]) -> Run {
        let mut all = vec![args[0], "--mirrors", self.mirrors.to_str().unwrap()];
        all.extend_from_slice(&args[1..]);
        distrib_with(&self.root, &all, env)
    }

    /// `distrib lock DISTRIBUTION --kind KIND` with the mirrors, to be given its other flags.
    fn lock(&self, distribution: &str, kind: &str) -> CommandLine<'_> {
        CommandLine::new(
            |args| self.run(args),
            &["lock", distribution, "--kind", kind],
        )
    }

    /// The lock `d` would get now, printed rather than written.
    fn dry_lock(&self, env: &[(&str, &OsStr)]) -> String {
        let words = ["lock", "d", "--kind", "weekly"];
        let run = CommandLine::new(|args| self.run_with(args, env), &words)
            .date("2026-11-19")
            .dry_run()
            .run();
        ok(&run);
        run.stdout
    }
}

fn head(repo: &Path, rev: &str) -> String {
    git(repo, &["rev-parse", rev])
}

/// What the mirror says a ref is, read with git.
fn in_mirror(mirror: &Path, rev: &str) -> String {
    git(mirror, &["rev-parse", rev])
}

#[test]
fn git_lock_files_left_by_a_killed_fetch_are_removed() {
    let site = Site::new();
    ok(&site.run(&["fetch"]));
    let a = site.dir.path().join("up/a");
    let moved = commit_file(&a, "f", "a3\n", "three");
    let mirror = site.mirror_of("a");
    // What a process killed in the middle of a ref transaction, a pack or a config write leaves.
    for file in [
        "refs/heads/trunk.lock",
        "refs/tags/v1.0.0.lock",
        "packed-refs.lock",
        "HEAD.lock",
        "shallow.lock",
        "index.lock",
        "config.lock",
    ] {
        write(&mirror.join(file), "");
    }
    let run = site.lock("d", "weekly").date("2026-11-19").run();
    ok(&run);
    says(
        &run,
        "7 git lock files left by an interrupted fetch removed",
    );
    assert!(!run.stderr.contains("--offline"), "{}", run.stderr);
    assert_eq!(in_mirror(&mirror, "refs/heads/trunk"), moved);
    for entry in walkdir::WalkDir::new(&mirror) {
        let entry = entry.unwrap();
        assert!(
            entry.path().extension() != Some(OsStr::new("lock")),
            "left: {}",
            entry.path().display()
        );
    }
    let lock = std::fs::read_to_string(site.root.join("locks/d/w.2026.47.lock.yaml")).unwrap();
    assert!(lock.contains(&moved), "{lock}");
}

#[test]
fn a_half_created_mirror_is_made_again_in_one_run() {
    let site = Site::new();
    ok(&site.run(&["fetch"]));
    let mirror = site.mirror_of("a");
    std::fs::remove_dir_all(&mirror).unwrap();
    // Created, `HEAD` not yet written; and the folder a new mirror is built in, half full.
    std::fs::create_dir_all(mirror.join("objects/pack")).unwrap();
    std::fs::create_dir_all(mirror.join("refs")).unwrap();
    let mut staging = mirror.clone().into_os_string();
    staging.push(".new");
    std::fs::create_dir_all(PathBuf::from(&staging).join("objects")).unwrap();
    let run = site.run(&["fetch"]);
    ok(&run);
    says(&run, "(1 new,");
    let a = site.dir.path().join("up/a");
    assert_eq!(in_mirror(&mirror, "refs/heads/trunk"), head(&a, "trunk"));
    assert!(!PathBuf::from(staging).exists());
}

/// Adds `commits` commits to `main` of the bare repository `repo`, each with a new file of
/// `bytes` incompressible bytes (a fixed pseudo-random sequence from `seed`).
fn grow(repo: &Path, seed: u64, commits: usize, bytes: usize) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ seed;
    let mut stream = String::new();
    let continues = git(repo, &["for-each-ref", "refs/heads/main"]).contains("refs/heads/main");
    for i in 0..commits {
        let mut data = String::with_capacity(bytes + 16);
        while data.len() < bytes {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.push_str(&format!("{state:016x}"));
        }
        let from = if i == 0 && continues {
            "from refs/heads/main^0\n"
        } else {
            ""
        };
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter R <r@example.org> {} +0000\ndata 2\nc\n{from}M 644 inline s{seed}/f{i}\ndata {}\n{data}\n",
            1_700_000_000 + seed * 1000 + i as u64,
            data.len()
        ));
    }
    let file = repo.with_extension("stream");
    std::fs::write(&file, stream).unwrap();
    let status = crate::support::clean(std::process::Command::new("git"))
        .args(["fast-import", "--quiet"])
        .current_dir(repo)
        .stdin(std::fs::File::open(&file).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_fetch_killed_at_any_moment_heals_on_the_next_run() {
    let site = Site::new();
    let big = site.upstream("big");
    git(&big, &["init", "-q", "--bare", "-b", "main"]);
    grow(&big, 0, 12, 1 << 20);
    let url = format!("file://{}", big.display());
    site.product("big", &url, "");
    write(
        &site.root.join("distributions/d.yaml"),
        "name: d\nenvironment: ops\nproducts: [a, b, big]\n",
    );
    let mirror = site.mirror(&url);
    let mut staging = mirror.clone().into_os_string();
    staging.push(".new");
    let staging = PathBuf::from(staging);

    let mut killed_running = 0;
    for (round, delay) in [None, Some(20), Some(80), Some(250)]
        .into_iter()
        .enumerate()
    {
        let mut child =
            crate::support::clean(std::process::Command::new(env!("CARGO_BIN_EXE_distrib")))
                .current_dir(&site.root)
                .args(["fetch", "--mirrors", site.mirrors.to_str().unwrap()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
        match delay {
            // The first time, wait until the new mirror is being written.
            None => {
                let start = Instant::now();
                while !staging.join("objects").exists() && start.elapsed() < Duration::from_secs(60)
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Some(ms) => std::thread::sleep(Duration::from_millis(ms)),
        }
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no cleanup
        child.wait().unwrap();
        let run = site.run(&["fetch"]);
        ok(&run);
        assert_eq!(in_mirror(&mirror, "refs/heads/main"), head(&big, "main"));
        // The next kill lands in an update of the mirror, with new objects to receive.
        grow(&big, round as u64 + 1, 4, 1 << 20);
    }
    eprintln!("{killed_running} of 4 kills landed while fetch ran");
    assert!(killed_running >= 1, "no kill landed while fetch ran");
    ok(&site.lock("d", "weekly").date("2026-11-19").run());
}

/// A user git configuration that must change nothing: fetch and lock give the lock that a
/// machine without any git configuration gives. `{up}` is the folder of the upstreams.
fn isolated_from(config: &str) {
    let site = Site::new();
    ok(&site.run(&["fetch"]));
    let expected = site.dry_lock(&[]);
    assert!(expected.contains("refs/heads/trunk"), "{expected}");
    std::fs::remove_dir_all(&site.mirrors).unwrap();
    let file = site.dir.path().join("gitconfig");
    let up = site.dir.path().join("up");
    write(&file, &config.replace("{up}", up.to_str().unwrap()));
    let env = [("GIT_CONFIG_GLOBAL", file.as_os_str())];
    ok(&site.run_with(&["fetch"], &env));
    assert_eq!(site.dry_lock(&env), expected);
    // Updating the mirrors under that configuration changes nothing either.
    ok(&site.run_with(&["fetch"], &env));
    assert_eq!(site.dry_lock(&env), expected);
}

macro_rules! isolation {
    ($($name:ident => $config:expr;)*) => {$(
        #[test]
        fn $name() {
            isolated_from($config);
        }
    )*};
}

isolation! {
    user_init_default_branch_is_ignored => "[init]\n\tdefaultBranch = main\n";
    user_transfer_hide_refs_is_ignored => "[transfer]\n\thideRefs = refs/tags\n";
    user_uploadpack_hide_refs_is_ignored => "[uploadpack]\n\thideRefs = refs/heads/trunk\n\thideRefs = refs/tags/v2.0.0\n";
    user_url_instead_of_is_ignored => "[url \"file:///nonexistent/\"]\n\tinsteadOf = file://{up}/\n";
    user_fetch_settings_are_ignored => "[fetch]\n\tprune = false\n\tpruneTags = false\n\tfsckObjects = true\n\tnegotiationAlgorithm = noop\n\twriteCommitGraph = true\n";
    user_tag_sort_is_ignored => "[tag]\n\tsort = -version:refname\n[versionsort]\n\tsuffix = -rc\n";
    user_protocol_version_is_ignored => "[protocol]\n\tversion = 0\n";
}

#[test]
fn the_mirror_follows_the_origin_default_branch() {
    let site = Site::new();
    let file = site.dir.path().join("gitconfig");
    write(&file, "[init]\n\tdefaultBranch = main\n");
    let env = [("GIT_CONFIG_GLOBAL", file.as_os_str())];
    ok(&site.run_with(&["fetch"], &env));
    let a = site.dir.path().join("up/a");
    let lock = site.dry_lock(&env);
    assert!(lock.contains(&head(&a, "trunk")), "{lock}");
    assert!(!lock.contains(&head(&a, "main")), "{lock}");
    // The origin changes its default branch: the next fetch follows.
    git(&a, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    ok(&site.run_with(&["fetch"], &env));
    assert_eq!(
        git(&site.mirror_of("a"), &["symbolic-ref", "HEAD"]),
        "refs/heads/main"
    );
    let lock = site.dry_lock(&env);
    assert!(lock.contains(&head(&a, "main")), "{lock}");
}

/// A bare copy of upstream `a` under `served/`, for the HTTP server.
fn served(site: &Site) -> PathBuf {
    let served = site.dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    git(
        &served,
        &[
            "clone",
            "-q",
            "--bare",
            site.dir.path().join("up/a").to_str().unwrap(),
            "a.git",
        ],
    );
    served
}

#[test]
fn credentials_come_from_the_user_credential_helper() {
    let site = Site::new();
    let server = http::GitServer::start(&served(&site), "robot", "s3cret");
    let url = server.url("a.git");
    site.product("a", &url, "");
    let log = site.dir.path().join("helper.log");
    let helper = write_executable(
        &site.dir.path().join("helper"),
        &format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\ncat > /dev/null\nif [ \"$1\" = get ]; then printf 'username=robot\\npassword=s3cret\\n'; fi\n",
            log.display()
        ),
    );
    // Only the credential helper of this configuration may count: its URL rewrite must not.
    let file = site.dir.path().join("gitconfig");
    write(
        &file,
        &format!(
            "[credential]\n\thelper = {}\n[url \"http://127.0.0.1:1/\"]\n\tinsteadOf = http://127.0.0.1:{}/\n",
            helper.display(),
            server.port
        ),
    );
    let env = [("GIT_CONFIG_GLOBAL", file.as_os_str())];
    let run = site.run_with(&["fetch"], &env);
    ok(&run);
    let lock = site.dry_lock(&env);
    assert!(
        lock.contains(&head(&site.dir.path().join("up/a"), "trunk")),
        "{lock}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.starts_with("get\n"), "{calls}");
    assert!(calls.contains("store\n"), "{calls}");
    let requests = server.requests();
    assert!(
        requests.iter().any(|r| r.ends_with(" anonymous")),
        "{requests:?}"
    );
    assert!(
        requests.iter().any(|r| r.ends_with(" authorized")),
        "{requests:?}"
    );
    assert!(!run.stderr.contains("s3cret"));
}

#[test]
fn credentials_come_from_git_askpass() {
    let site = Site::new();
    let server = http::GitServer::start(&served(&site), "robot", "s3cret");
    site.product("a", &server.url("a.git"), "");
    let askpass = write_executable(
        &site.dir.path().join("askpass"),
        "#!/bin/sh\ncase \"$1\" in Username*) echo robot ;; Password*) echo s3cret ;; esac\n",
    );
    let env = [("GIT_ASKPASS", askpass.as_os_str())];
    ok(&site.run_with(&["fetch"], &env));
    assert!(server.requests().iter().any(|r| r.ends_with(" authorized")));
}

#[test]
fn credentials_the_server_refuses_are_erased_and_said() {
    let site = Site::new();
    let server = http::GitServer::start(&served(&site), "robot", "s3cret");
    site.product("a", &server.url("a.git"), "");
    let log = site.dir.path().join("helper.log");
    let helper = write_executable(
        &site.dir.path().join("helper"),
        &format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\ncat > /dev/null\nif [ \"$1\" = get ]; then printf 'username=robot\\npassword=wrong\\n'; fi\n",
            log.display()
        ),
    );
    let file = site.dir.path().join("gitconfig");
    write(
        &file,
        &format!("[credential]\n\thelper = {}\n", helper.display()),
    );
    let run = site.run_with(&["fetch"], &[("GIT_CONFIG_GLOBAL", file.as_os_str())]);
    fails(&run, 1, "the server refused the credentials");
    says(&run, "git credential");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.contains("erase\n"), "{calls}");
}

#[test]
fn a_server_asking_for_credentials_with_no_helper_fails_at_once() {
    let site = Site::new();
    let server = http::GitServer::start(&served(&site), "robot", "s3cret");
    site.product("a", &server.url("a.git"), "");
    let start = Instant::now();
    let run = site.run(&["fetch"]);
    assert!(start.elapsed() < Duration::from_secs(30));
    fails(&run, 1, "the server asks for credentials");
    says(
        &run,
        &format!("cannot fetch `{}` (product `a`)", server.url("a.git")),
    );
    says(&run, "credential helper");
    assert!(!run.stderr.contains("Username"), "{}", run.stderr);
    assert!(!run.stderr.contains("/dev/tty"), "{}", run.stderr);
}

#[test]
fn a_server_asking_for_credentials_never_prompts_on_a_terminal() {
    if !Path::new("/usr/bin/script").exists() {
        crate::support::skipped("no `script` to give distrib a terminal", None);
        return;
    }
    let site = Site::new();
    let server = http::GitServer::start(&served(&site), "robot", "s3cret");
    site.product("a", &server.url("a.git"), "");
    let command = format!(
        "{} fetch --mirrors {}",
        env!("CARGO_BIN_EXE_distrib"),
        site.mirrors.display()
    );
    let start = Instant::now();
    let output = crate::support::clean(std::process::Command::new("timeout"))
        .args(["60", "/usr/bin/script", "-qec", &command, "/dev/null"])
        .current_dir(&site.root)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(start.elapsed() < Duration::from_secs(30), "{text}");
    assert_ne!(output.status.code(), Some(124), "still waiting: {text}");
    assert!(text.contains("the server asks for credentials"), "{text}");
    assert!(!text.contains("Username for"), "{text}");
}

#[test]
fn credentials_in_a_redirect_are_never_shown() {
    let site = Site::new();
    let server = http::GitServer::redirecting(
        "http://robot:t0ken@127.0.0.1:1/elsewhere/a.git/info/refs?service=git-upload-pack",
    );
    site.product("a", &server.url("a.git"), "");
    let run = site.run(&["fetch"]);
    fails(&run, 1, &format!("cannot fetch `{}`", server.url("a.git")));
    assert!(server.requests().iter().any(|r| r.ends_with(" redirected")));
    assert!(!run.stderr.contains("t0ken"), "{}", run.stderr);
}

#[test]
fn ssh_runs_in_batch_mode() {
    let site = Site::new();
    let bin = site.dir.path().join("bin");
    let log = site.dir.path().join("ssh.log");
    write_executable(
        &bin.join("ssh"),
        &format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 255\n", log.display()),
    );
    site.product("a", "ssh://git@127.0.0.1:2222/sw/a.git", "");
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let run = site.run_with(&["fetch"], &[("PATH", path.as_os_str())]);
    fails(&run, 1, "cannot fetch `ssh://127.0.0.1:2222/sw/a.git`");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.contains("-o BatchMode=yes"), "{calls}");
    assert!(calls.contains("-p2222"), "{calls}");
    assert!(calls.contains("git@127.0.0.1"), "{calls}");
}

#[test]
fn dot_segments_are_refused_and_mirrors_never_shared() {
    let site = Site::new();
    let c = site.upstream("c");
    git(&c, &["init", "-q", "-b", "main"]);
    let parent = commit_file(&c, "g", "parent\n", "B");
    let nested = c.join("a/_");
    std::fs::create_dir_all(&nested).unwrap();
    git(&nested, &["init", "-q", "-b", "main"]);
    let child = commit_file(&nested, "f", "nested\n", "A");
    site.product("pa", &format!("file://{}/a/..", c.display()), "");
    site.product("pb", &format!("file://{}/a/_", c.display()), "");
    write(
        &site.root.join("distributions/d.yaml"),
        "name: d\nenvironment: ops\nproducts: [pa, pb]\n",
    );
    let run = site.run(&["fetch"]);
    fails(&run, 1, "url-invalid");
    says(&run, "`..` segment");

    site.product("pa", &format!("file://{}", c.display()), "");
    ok(&site.run(&["fetch"]));
    let lock = site.dry_lock(&[]);
    let section = |name: &str| {
        let start = lock.find(&format!("- name: {name}\n")).unwrap();
        lock[start..].split("\n- name: ").next().unwrap().to_owned()
    };
    assert!(section("pa").contains(&parent), "{lock}");
    assert!(section("pb").contains(&child), "{lock}");
}

#[test]
fn verify_reports_a_commit_force_pushed_away() {
    let site = Site::new();
    ok(&site.lock("d", "weekly").date("2026-11-19").run());
    let a = site.dir.path().join("up/a");
    let locked = head(&a, "trunk");
    git(&a, &["reset", "-q", "--hard", "trunk~1"]);
    commit_file(&a, "f", "rewritten\n", "rewritten");
    git(&a, &["reflog", "expire", "--expire=now", "--all"]);
    git(&a, &["gc", "-q", "--prune=now"]);
    ok(&site.run(&["fetch"]));
    let run = site.run(&["verify"]);
    fails(
        &run,
        1,
        &format!(
            "commit `{locked}` is on no branch or tag of `file://{}`",
            a.display()
        ),
    );
    // Offline, the file itself is still what distrib wrote.
    ok(&site.run(&["verify", "--offline"]));
}

#[test]
fn a_tag_of_a_blob_says_what_it_points_to() {
    let site = Site::new();
    let a = site.dir.path().join("up/a");
    let blob = git(&a, &["hash-object", "-w", "f"]);
    git(&a, &["tag", "blobtag", &blob]);
    ok(&site.run(&["fetch"]));
    let run = site
        .lock("d", "manual")
        .date("2026-12-03")
        .set("a=blobtag")
        .run();
    fails(
        &run,
        1,
        &format!("`refs/tags/blobtag` points to a blob (`{blob}`)"),
    );
    says(&run, "fix the tag at the origin");
    says(&run, "or pin another ref");
    assert!(!run.stderr.contains("delete the mirror"), "{}", run.stderr);

    let tree = git(&a, &["rev-parse", "HEAD^{tree}"]);
    git(&a, &["tag", "-a", "-m", "a tree", "treetag", &tree]);
    ok(&site.run(&["fetch"]));
    let run = site
        .lock("d", "manual")
        .date("2026-12-03")
        .set("a=treetag")
        .run();
    fails(
        &run,
        1,
        &format!("`refs/tags/treetag` points to a tree (`{tree}`)"),
    );
}

#[test]
fn fetch_as_json_says_what_became_of_each_repository() {
    let site = Site::new();
    let run = site.run(&["fetch", "--format", "json", "--jobs", "1"]);
    ok(&run);
    assert_eq!(run.stderr, "", "the document is all a JSON run says");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format"], "distrib-fetch/1");
    let repositories = document["repositories"].as_array().unwrap();
    let products: Vec<&str> = repositories
        .iter()
        .map(|r| r["product"].as_str().unwrap())
        .collect();
    assert_eq!(products, ["a", "b"]);
    for repository in repositories {
        assert_eq!(repository["status"], "done", "{repository}");
        assert_eq!(repository["created"], true);
        assert!(repository["received_bytes"].as_u64().unwrap() > 0);
        assert!(
            repository["repository"]
                .as_str()
                .unwrap()
                .starts_with("file://")
        );
        assert_eq!(repository["fetched_from"], serde_json::Value::Null);
    }
    assert_eq!(document["diagnostics"], serde_json::json!([]));
    assert_eq!(document["summary"]["repositories"], 2);
    assert_eq!(document["summary"]["done"], 2);
    let total: u64 = repositories
        .iter()
        .map(|r| r["received_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(document["summary"]["received_bytes"], total);

    // Nothing new upstream but a commit on `b`; `a`'s origin gone: each says so.
    commit_file(&site.dir.path().join("up/b"), "g", "b3\n", "three");
    std::fs::remove_dir_all(site.dir.path().join("up/a")).unwrap();
    let run = site.run(&["fetch", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let status: Vec<(&str, &str)> = document["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["product"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(status, [("a", "failed"), ("b", "done")]);
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{document}");
    let failure = &diagnostics[0];
    assert_eq!(failure["code"], "fetch-unreachable");
    assert_eq!(failure["severity"], "error");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("(product `a`)"),
        "{failure}"
    );
    assert!(failure["help"].as_str().unwrap().contains("rewrite:"));
    assert_eq!(failure["line"], serde_json::Value::Null);
    assert_eq!(document["summary"]["failed"], 1);
    // Once more with nothing changed: up to date, and no byte received.
    let run = site.run(&["fetch", "--format", "json", "d"]);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["repositories"][1]["status"], "up-to-date");
    assert_eq!(document["repositories"][1]["received_bytes"], 0);
}

#[test]
fn verify_as_json_names_each_lock_and_each_finding_by_code() {
    let site = Site::new();
    ok(&site.lock("d", "weekly").date("2026-11-19").run());
    let run = site.run(&["verify", "--format", "json"]);
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format"], "distrib-verify/1");
    let lock = &document["locks"][0];
    assert_eq!(lock["file"], "locks/d/w.2026.47.lock.yaml");
    assert_eq!(lock["status"], "done");
    assert_eq!(lock["products"], 2);
    assert_eq!(
        lock["release"],
        serde_json::json!({
            "distribution": "d",
            "release": "w.2026.47",
            "kind": "weekly",
            "date": "2026-11-19",
            "build": 1,
            "lock": "locks/d/w.2026.47.lock.yaml",
        })
    );
    // The release's tags were never pushed: a note, no problem.
    let notes = crate::support::field_of_each(&document["diagnostics"], "severity");
    assert_eq!(notes, ["note"], "{document}");
    assert_eq!(document["diagnostics"][0]["code"], "release-tag-unpushed");
    assert_eq!(document["summary"]["errors"], 0);
    assert_eq!(document["summary"]["notes"], 1);
    // A commit force-pushed away, and the lock's tree edited by hand: each a diagnostic
    // naming the file, with its code and help.
    let a = site.dir.path().join("up/a");
    git(&a, &["reset", "-q", "--hard", "trunk~1"]);
    commit_file(&a, "f", "rewritten\n", "rewritten");
    ok(&site.run(&["fetch"]));
    let run = site.run(&["verify", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["locks"][0]["status"], "failed");
    let codes = crate::support::field_of_each(&document["diagnostics"], "code");
    assert!(codes.contains(&"commit-unreachable"), "{document}");
    let finding =
        crate::support::item_where(&document["diagnostics"], "code", "commit-unreachable");
    assert_eq!(finding["file"], "locks/d/w.2026.47.lock.yaml");
    assert_eq!(finding["severity"], "error");
    assert!(finding["help"].as_str().unwrap().contains("push a branch"));
    assert_eq!(document["summary"]["errors"], codes.len() - 1);
    // In human form, the same finding is drawn as a diagnostic, the count last.
    let run = site.run(&["verify"]);
    fails(&run, 1, "commit-unreachable");
    assert!(
        run.stderr
            .trim_end()
            .lines()
            .rev()
            .nth(1)
            .unwrap()
            .contains("× 1 problem in 1 lock"),
        "{}",
        run.stderr
    );
}
