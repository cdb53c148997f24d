//! A fuzz harness on stable Rust: mutated copies of the bundled examples' manifests and of a
//! lockfile go through what `distrib check` runs, in-process (the loader, every rule, the lock
//! audit) and through every renderer (human with and without colour, JSON, GitHub); lockfiles
//! that still parse (half of the mutated ones are resealed with a recomputed digest) also go
//! through the graph, diff and plan reports. A run fails on a panic, on JSON output that is not
//! exactly one document, on a diagnostic without a file and a line, and on a control character
//! that reaches the terminal.
//!
//! The seed is fixed, so a failure happens again. In CI it is bounded by an iteration count and
//! a time cap; a longer run is
//! `DISTRIB_FUZZ_ITERATIONS=100000 DISTRIB_FUZZ_SECONDS=0 cargo test --release --test cli fuzz::`
//! (`DISTRIB_FUZZ_SEED` picks another sequence). The inputs of a failure are written under
//! `target/tmp/fuzz-failure/`.

use std::path::Path;
use std::time::{Duration, Instant};

use distrib::diagnostic::{Report, render};
use distrib::manifest::{self, Content, RawFile};

/// A manifest repository held in memory: `(path, bytes)`.
type Files = Vec<(String, Vec<u8>)>;

/// splitmix64: small, fast and good enough to choose mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text that means something to YAML, to distrib's templates, to URLs or to a terminal.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!str ",
    "!!binary ",
    "!tag ",
    "? ",
    "|",
    "|-\n",
    ">",
    "#",
    "'",
    "\"",
    "%YAML 1.2\n",
    "---\n",
    "...\n",
    "\t",
    "\\",
    "~",
    "null",
    "yes",
    "on",
    "0x1F",
    "0o17",
    "1e3",
    ".inf",
    "-.nan",
    "0b101",
    "@",
    "`",
    "%",
    "{release}",
    "{major}",
    "%G",
    "%",
    "{",
    "\u{202e}",
    "\u{1b}[31m",
    "\u{1b}]0;x\u{7}",
    "\r",
    "\0",
    "\u{feff}",
    "é",
    "💥",
    "\u{85}",
    "https://user:token@example.org/x",
    "file:///x/a/..",
    "git@host:path",
    "..",
    "/",
    "*",
    ">=1,<2",
    "^1.2",
    "!",
    "name: x\n",
    "depends: { a: \"*\" }\n",
    "  - url: https://example.org/a\n    ref: main\n",
    "products: [a, b]\n",
    "  ",
    "\n",
    "\n\n",
];

/// One random change to `bytes`.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, others: &Files) {
    let len = bytes.len();
    let at = rng.below(len + 1);
    match rng.below(16) {
        // Delete a range.
        0 => {
            let end = (at + 1 + rng.below(32)).min(len);
            bytes.drain(at.min(end)..end);
        }
        // Duplicate a range.
        1 => {
            let end = (at + 1 + rng.below(64)).min(len);
            let copy = bytes[at.min(end)..end].to_vec();
            let to = rng.below(len + 1);
            bytes.splice(to..to, copy);
        }
        // Swap two lines, delete one, duplicate one, re-indent one.
        2..=4 => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            match rng.below(4) {
                0 => lines.swap(i, j),
                1 => {
                    lines.remove(i);
                }
                2 => {
                    let line = lines[i].clone();
                    lines.insert(j, line);
                }
                _ => {
                    let indent = b" ".repeat(rng.below(6));
                    lines[i].splice(0..0, indent);
                }
            }
            *bytes = lines.join(&b'\n');
        }
        // Insert a token.
        5..=8 => {
            let token = rng.pick(TOKENS).as_bytes().to_vec();
            bytes.splice(at..at, token);
        }
        // A huge line.
        9 => {
            let unit = rng.pick(&["x", " ", "a: ", "[", "\u{1b}"]).as_bytes();
            let huge = unit.repeat(66_000 + rng.below(10_000));
            bytes.splice(at..at, huge);
        }
        // Deep nesting.
        10 => {
            let depth = 10 + rng.below(3_000);
            let (open, close) = *rng.pick(&[("[", "]"), ("{a: ", "}"), ("- ", "")]);
            let mut nested = open.repeat(depth);
            if rng.below(2) == 0 {
                nested.push_str(&close.repeat(depth));
            }
            bytes.splice(at..at, nested.into_bytes());
        }
        // Invalid UTF-8, or a multi-byte character cut.
        11 => {
            let choices: [&[u8]; 4] = [&[0xff], &[0xc3], &[0xe2, 0x82], &[0xed, 0xa0, 0x80]];
            let bad = *rng.pick(&choices);
            bytes.splice(at..at, bad.iter().copied());
        }
        // Line endings: CR only, CR LF, or mixed.
        12 => {
            let choices: [&[u8]; 3] = [b"\r", b"\r\n", b"\n\r"];
            let ending = *rng.pick(&choices);
            let mut changed = Vec::with_capacity(len + len / 8);
            for &b in bytes.iter() {
                if b == b'\n' && rng.below(3) != 0 {
                    changed.extend_from_slice(ending);
                } else {
                    changed.push(b);
                }
            }
            *bytes = changed;
        }
        // Truncate, or empty.
        13 => bytes.truncate(if rng.below(4) == 0 { 0 } else { at }),
        // A line of another file.
        14 => {
            let (_, other) = rng.pick(others);
            let lines: Vec<&[u8]> = other.split(|&b| b == b'\n').collect();
            let mut line = rng.pick(&lines).to_vec();
            line.push(b'\n');
            let to = bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            bytes.splice(to..to, line);
        }
        // Flip a byte.
        _ => {
            if len > 0 {
                let i = rng.below(len);
                bytes[i] ^= 1 << rng.below(8);
            }
        }
    }
}

/// A mutated lockfile with its digest line recomputed, so that what lies behind the digest
/// check (the model, the consistency checks, the reports) is reached too.
fn reseal(bytes: &mut Vec<u8>) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let body = match text.trim_end_matches('\n').rfind("\ndigest: ") {
        Some(at) => &text[..at + 1],
        None => text,
    };
    let body = if body.ends_with('\n') {
        body.to_owned()
    } else {
        format!("{body}\n")
    };
    let digest = distrib::identity::digest(body.as_bytes());
    *bytes = format!("{body}digest: {digest}\n").into_bytes();
}

/// How many lockfiles parsed and went through the reports.
static REPORTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The reports of a lock that parses, each of which must hold no unsafe character.
fn reports(text: &str) -> Vec<String> {
    let Ok(lock) = distrib::lock::parse(text) else {
        return Vec::new();
    };
    REPORTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let graph = distrib::report::graph::graph(&lock, Some(&lock));
    let diff = distrib::report::diff::diff(&lock, &lock);
    let mut reports = vec![graph.dot(), graph.mermaid(), diff.markdown()];
    if let Ok(plan) = distrib::report::plan::plan(&lock, |_| false) {
        reports.push(serde_json::to_string(&plan).unwrap_or_default());
    }
    reports
}

/// The files of a folder of the project, as distrib lists them.
fn read(folder: &Path) -> Files {
    manifest::worktree::list(folder)
        .into_iter()
        .filter_map(|raw| {
            let bytes = match raw.content {
                Content::Bytes(bytes) => bytes,
                Content::Unread(path) => std::fs::read(path).ok()?,
                _ => return None,
            };
            Some((raw.path, bytes))
        })
        .collect()
}

/// What one input gives: every check of the harness, or what went wrong.
/// `width` is the terminal's, for the human renderers.
fn run_once(files: &Files, width: usize) -> Result<(), String> {
    let raw = files
        .iter()
        .map(|(path, bytes)| RawFile {
            path: path.clone(),
            content: Content::Bytes(bytes.clone()),
        })
        .collect();
    let locks: Vec<String> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".lock.yaml"))
        .filter_map(|(_, bytes)| String::from_utf8(bytes.clone()).ok())
        .collect();
    let outcome = std::panic::catch_unwind(move || {
        for lock in &locks {
            for text in reports(lock) {
                if let Some(c) = text.chars().find(|&c| distrib::escape::is_unsafe(c)) {
                    return Err(format!("U+{:04X} in a report of a lock", u32::from(c)));
                }
            }
        }
        let (manifests, mut report, _) = manifest::load(raw, None);
        distrib::check::check(&manifests, &mut report);
        let outputs = [
            render::human(&report, width, false),
            render::human(&report, 80, true),
            distrib::escape::json(&distrib::json::to_text(&distrib::check::Document::new(
                &report, None, false,
            )))
            .into_owned(),
            render::github(&report, "manifests"),
            report.summary(),
        ];
        Ok((report, outputs))
    });
    let (report, [human, coloured, json, github, summary]) =
        outcome.map_err(|panic| match panic.downcast_ref::<String>() {
            Some(message) => format!("panic: {message}"),
            None => format!("panic: {:?}", panic.downcast_ref::<&str>()),
        })??;
    verify(&report, width, &human, &coloured, &json, &github, &summary)
}

fn verify(
    report: &Report,
    width: usize,
    human: &str,
    coloured: &str,
    json: &str,
    github: &str,
    summary: &str,
) -> Result<(), String> {
    let document: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("JSON output is not one document: {e}"))?;
    let diagnostics = document["diagnostics"]
        .as_array()
        .ok_or("JSON output has no `diagnostics` list")?;
    if diagnostics.len() != report.diagnostics.len() {
        return Err("JSON output lost diagnostics".into());
    }
    for diagnostic in diagnostics {
        let file = diagnostic["file"].as_str().unwrap_or_default();
        let line = diagnostic["line"].as_u64().unwrap_or(0);
        if file.is_empty() || line == 0 {
            return Err(format!(
                "a diagnostic without a file and a line: {diagnostic}"
            ));
        }
    }
    let unsafe_in = |text: &str| text.chars().find(|&c| distrib::escape::is_unsafe(c));
    if let Some(c) = [human, github, json, summary]
        .into_iter()
        .find_map(unsafe_in)
    {
        return Err(format!("U+{:04X} reaches the terminal", u32::from(c)));
    }
    // In colour, the only escape sequences are the renderer's colours.
    let stripped = strip_colours(coloured);
    if let Some(c) = unsafe_in(&stripped) {
        return Err(format!(
            "U+{:04X} reaches a coloured terminal",
            u32::from(c)
        ));
    }
    // Snippets are cut whatever the width; messages wrap at it.
    let drawn: Vec<&str> = if width <= 1_000 {
        vec![human, &stripped]
    } else {
        vec![&stripped]
    };
    for text in drawn {
        if let Some(line) = text.lines().find(|l| l.chars().count() > 2_000) {
            return Err(format!(
                "a line of {} characters is drawn",
                line.chars().count()
            ));
        }
    }
    Ok(())
}

/// `text` without its SGR sequences (`ESC [ 0-9; m`).
fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let params = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == ';')
                .len();
        if after[params..].starts_with('m') {
            rest = &after[params + 1..];
        } else {
            out.push('\u{1b}');
            rest = &rest[at + 1..];
        }
    }
    out.push_str(rest);
    out
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Keeps the inputs of a failure for whoever reproduces it.
fn keep(files: &Files, iteration: u64) -> std::path::PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failure");
    let _ = std::fs::remove_dir_all(&folder);
    for (path, bytes) in files {
        let target = folder.join(path);
        let _ = std::fs::create_dir_all(target.parent().unwrap());
        let _ = std::fs::write(target, bytes);
    }
    let _ = std::fs::write(folder.join("ITERATION"), iteration.to_string());
    folder
}

/// The harness runs on a thread with the stack `distrib`'s main thread has (8 MiB on Linux),
/// not the 2 MiB of a test thread: what it finds is what the program would do.
#[test]
fn mutated_manifests_and_locks_never_break_check_or_its_renderers() {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(fuzz)
        .unwrap()
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

fn fuzz() {
    let project = crate::support::project();
    let lock =
        std::fs::read(project.join("tests/fixtures/valid/locked/locks/dist/w.2026.47.lock.yaml"))
            .unwrap();
    let seeds: Vec<Files> = ["examples/lsst", "examples/alice"]
        .iter()
        .map(|example| {
            let mut files = read(&project.join(example));
            assert!(files.len() > 5, "{example} has its manifests");
            files.push(("locks/dist/w.2026.47.lock.yaml".into(), lock.clone()));
            files
        })
        .collect();
    for seed in &seeds {
        run_once(seed, 100).unwrap_or_else(|e| panic!("an unmutated example fails: {e}"));
    }
    let iterations = env_number("DISTRIB_FUZZ_ITERATIONS", 1_500);
    let cap = Duration::from_secs(env_number("DISTRIB_FUZZ_SECONDS", 30));
    let mut rng = Rng(env_number("DISTRIB_FUZZ_SEED", 0x0064_6973_7472_6962));
    // Quiet panics: each is reported once, with its input, by the loop.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut done = 0;
    let mut failure = None;
    while done < iterations && (cap.is_zero() || started.elapsed() < cap) {
        let seed = rng.pick(&seeds);
        let mut files = seed.clone();
        for _ in 0..1 + rng.below(2) {
            let target = rng.below(files.len());
            for _ in 0..1 + rng.below(3) {
                let mut bytes = std::mem::take(&mut files[target].1);
                mutate(&mut rng, &mut bytes, seed);
                files[target].1 = bytes;
            }
            if files[target].0.ends_with(".lock.yaml") && rng.below(2) == 0 {
                reseal(&mut files[target].1);
            }
            // Now and then a file name too: names come from the work tree as they are.
            if rng.below(8) == 0 {
                let names = ["\u{1b}]0;x\u{7}", "\u{202e}", "é", " ", "..", "A"];
                let name = *rng.pick(&names);
                let path = &mut files[target].0;
                let stem = path.rfind('/').map_or(0, |i| i + 1);
                let boundaries: Vec<usize> =
                    path[stem..].char_indices().map(|(i, _)| stem + i).collect();
                let at = *rng.pick(&boundaries);
                path.insert_str(at, name);
            }
        }
        done += 1;
        let width = *rng.pick(&[40, 100, 1_000, 70_000]);
        if let Err(problem) = run_once(&files, width) {
            failure = Some((problem, keep(&files, done)));
            break;
        }
    }
    std::panic::set_hook(hook);
    if let Some((problem, folder)) = failure {
        panic!(
            "iteration {done}: {problem}; the input is in `{}` (`distrib -C {0} check`)",
            folder.display()
        );
    }
    eprintln!(
        "fuzz: {done} inputs in {:.1} s ({} lockfiles went through the reports), no failure",
        started.elapsed().as_secs_f64(),
        REPORTED.load(std::sync::atomic::Ordering::Relaxed)
    );
}
