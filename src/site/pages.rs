//! The content of each page: the home page, a distribution's releases, a deployment's installed
//! releases, and a release. A release page is a list of sections, each one function of the
//! release ([`RELEASE_SECTIONS`]), so a new section is one more function.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::html::{
    self, Crumb, Fit, Row, code, default_label, escape, facts, link, paragraph, relative,
    support_label, table,
};
use super::{
    DeploymentInfo, DistributionInfo, INDEX, Input, InstalledInfo, deployment_path,
    distribution_path, release_path,
};
use crate::lock::Lockfile;
use crate::manifest::model::Support;
use crate::report::diff;
use crate::report::{graph, short};

/// The input, sorted and indexed for the pages.
pub(super) struct Catalog<'a> {
    distributions: BTreeMap<&'a str, &'a DistributionInfo>,
    pub(super) deployments: Vec<&'a DeploymentInfo>,
    /// Each distribution's locks, newest first, by lineage (`lock::history::lineage_order`).
    releases: BTreeMap<&'a str, Vec<&'a Lockfile>>,
    notes: &'a BTreeMap<(String, String), crate::report::notes::Notes>,
    records: &'a BTreeMap<(String, String), Vec<crate::records::Record>>,
}

/// Why a release is compared with another.
pub(super) enum Parent<'a> {
    /// The lock's `from` (a candidate's parent, a patch's release).
    From,
    /// The final release of its distribution before it (for a final).
    PreviousFinal,
    /// The release a deployment installed with official support before it (for a release
    /// that is that deployment's default): what its users had.
    PreviousOfficial(&'a str),
    /// The release just before it in its distribution.
    Previous,
}

impl<'a> Catalog<'a> {
    pub(super) fn new(input: &'a Input) -> Self {
        let distributions = input
            .distributions
            .iter()
            .map(|d| (d.name.as_str(), d))
            .collect();
        let mut deployments: Vec<&DeploymentInfo> = input.deployments.iter().collect();
        deployments.sort_by(|a, b| a.name.cmp(&b.name));
        let mut releases: BTreeMap<&str, Vec<&Lockfile>> = BTreeMap::new();
        for lock in &input.locks {
            releases
                .entry(lock.distribution.as_str())
                .or_default()
                .push(lock);
        }
        for list in releases.values_mut() {
            *list = crate::lock::history::lineage_order(list.iter().copied());
            list.reverse();
        }
        Self {
            distributions,
            deployments,
            releases,
            notes: &input.notes,
            records: &input.records,
        }
    }

    /// Distributions with a manifest or with locks, by name.
    pub(super) fn distribution_names(&self) -> Vec<&'a str> {
        let names: BTreeSet<&str> = self
            .distributions
            .keys()
            .chain(self.releases.keys())
            .copied()
            .collect();
        names.into_iter().collect()
    }

    /// Every lock: by distribution, newest first.
    pub(super) fn locks(&self) -> impl Iterator<Item = &'a Lockfile> + '_ {
        self.releases.values().flatten().copied()
    }

    fn releases_of(&self, distribution: &str) -> &[&'a Lockfile] {
        self.releases.get(distribution).map_or(&[], Vec::as_slice)
    }

    /// A build's name, by its distribution's `naming.build`.
    fn build_name(&self, lock: &Lockfile) -> String {
        let template = self
            .distributions
            .get(lock.distribution.as_str())
            .and_then(|d| d.build.as_deref());
        crate::naming::build_name(template, lock.build, lock.release_version.as_deref())
    }

    fn lock(&self, distribution: &str, release: &str) -> Option<&'a Lockfile> {
        self.releases_of(distribution)
            .iter()
            .find(|l| l.release == release)
            .copied()
    }

    /// Where a release is installed: each deployment with its entry, and whether the release is
    /// that deployment's default.
    fn installed_at(
        &self,
        distribution: &str,
        release: &str,
    ) -> Vec<(&'a DeploymentInfo, &'a InstalledInfo, bool)> {
        self.deployments
            .iter()
            .filter(|d| d.distribution == distribution)
            .flat_map(|d| {
                d.installed
                    .iter()
                    .filter(|i| i.release == release)
                    .map(|i| (*d, i, d.default.as_deref() == Some(release)))
            })
            .collect()
    }

    /// What a release is compared with, so that the page reads as the change its users see:
    /// a final with the final before it (not its own candidate); a deployment's official
    /// default with the release that deployment officially installed before it (not a test
    /// build made in between); else its `from` when that lock exists (a candidate with its
    /// parent); else the release of its distribution just before it.
    pub(super) fn parent(&self, lock: &Lockfile) -> Option<(&'a Lockfile, Parent<'a>)> {
        let releases = self.releases_of(&lock.distribution);
        // Newest first: what comes after `lock` in the list is older.
        let older = releases
            .iter()
            .position(|other| other.release == lock.release)
            .map_or(&[][..], |at| &releases[at + 1..]);
        if lock.kind == crate::lock::ReleaseKind::Final {
            if let Some(previous) = older
                .iter()
                .find(|other| other.kind == crate::lock::ReleaseKind::Final)
            {
                return Some((previous, Parent::PreviousFinal));
            }
        } else if let Some(deployment) = self.deployments.iter().find(|d| {
            d.distribution == lock.distribution && d.default.as_deref() == Some(&lock.release)
        }) {
            let official = |release: &str| {
                deployment
                    .installed
                    .iter()
                    .any(|i| i.release == release && i.support == Support::Official)
            };
            if let Some(previous) = older.iter().find(|other| official(&other.release)) {
                return Some((previous, Parent::PreviousOfficial(&deployment.name)));
            }
        }
        if let Some(from) = lock
            .from
            .as_deref()
            .and_then(|f| self.lock(&lock.distribution, f))
        {
            return Some((from, Parent::From));
        }
        older.first().map(|other| (*other, Parent::Previous))
    }

    /// A link from the page at `from` to the page of `release`, or the name alone (with why)
    /// when it has no page.
    fn release_link(&self, from: &str, distribution: &str, release: &str) -> String {
        match self.lock(distribution, release) {
            Some(_) => link(
                &relative(from, &release_path(distribution, release)),
                release,
            ),
            None => format!("{} (no lock)", code(release)),
        }
    }

    /// A link to a distribution's page, or its name alone when it has none (a deployment of
    /// a distribution that no file defines and no lock names).
    fn distribution_link(&self, from: &str, distribution: &str) -> String {
        if self.distributions.contains_key(distribution) || self.releases.contains_key(distribution)
        {
            link(
                &relative(from, &distribution_path(distribution)),
                distribution,
            )
        } else {
            code(distribution)
        }
    }
}

/// The support label, followed by the default label when `default`.
fn support_cell(support: Support, default: bool) -> String {
    if default {
        format!("{} {}", support_label(support), default_label())
    } else {
        support_label(support)
    }
}

fn optional(text: Option<&str>) -> String {
    text.map(escape).unwrap_or_default()
}

/// The table of a deployment's installed releases; `detailed` adds who asked and the note.
fn installed_table(
    catalog: &Catalog,
    deployment: &DeploymentInfo,
    from: &str,
    detailed: bool,
) -> String {
    if deployment.installed.is_empty() {
        return paragraph(&format!(
            "Nothing is installed at {} yet: <code>distrib deploy add {} RELEASE --support official</code> adds a release.",
            escape(&deployment.name),
            escape(&deployment.name)
        ));
    }
    let mut columns = vec![
        ("Release", Fit::Name),
        ("Support", Fit::Labels),
        ("Kind", Fit::Line),
        ("Build", Fit::Line),
        ("Date", Fit::Line),
    ];
    if detailed {
        columns.extend([("Requested by", Fit::Name), ("Note", Fit::Text)]);
    }
    let rows: Vec<Row> = deployment
        .installed
        .iter()
        .map(|entry| {
            let default = deployment.default.as_deref() == Some(entry.release.as_str());
            let lock = catalog.lock(&deployment.distribution, &entry.release);
            let mut cells = vec![
                catalog.release_link(from, &deployment.distribution, &entry.release),
                support_cell(entry.support, default),
                lock.map(|l| escape(l.kind.as_str())).unwrap_or_default(),
                lock.map(|l| escape(&catalog.build_name(l)))
                    .unwrap_or_default(),
                lock.map(|l| escape(&l.date)).unwrap_or_default(),
            ];
            if detailed {
                cells.push(optional(entry.requested_by.as_deref()));
                cells.push(optional(entry.note.as_deref()));
            }
            Row {
                class: default.then_some("default-row"),
                ..Row::new(cells)
            }
        })
        .collect();
    table(
        &format!("Releases installed at {}", deployment.name),
        &columns,
        &rows,
    )
}

/// "Default release: ..." of a deployment.
fn default_line(catalog: &Catalog, deployment: &DeploymentInfo, from: &str) -> String {
    match &deployment.default {
        Some(release) => {
            let installed = deployment.installed.iter().any(|i| &i.release == release);
            format!(
                "Default release: {} {}{}",
                catalog.release_link(from, &deployment.distribution, release),
                default_label(),
                if installed { "" } else { " (not installed)" }
            )
        }
        None => "No default release.".to_owned(),
    }
}

const SUPPORT_MEANINGS: [(Support, &str); 3] = [
    (
        Support::Official,
        "fully supported; only an official release can be a deployment's default",
    ),
    (
        Support::Test,
        "installed for tests at a group's request, partially supported; it may break",
    ),
    (
        Support::Internal,
        "for the developers' own use, best effort",
    ),
];

/// The home page: the deployments with their installed releases, the distributions, and what
/// the support labels mean.
pub(super) fn index(catalog: &Catalog) -> String {
    let here = INDEX;
    let names = catalog.distribution_names();
    let title = match names.as_slice() {
        [one] => format!("Releases of {one}"),
        _ => "Releases".to_owned(),
    };
    let mut body = paragraph(
        "Every release locked in this manifest repository, where it is installed and with \
which support.",
    );
    body.push_str("<h2 id=\"deployments\">Deployments</h2>\n");
    if catalog.deployments.is_empty() {
        body.push_str(&paragraph(
            "No deployment is declared yet: a file in <code>deployments/</code> lists the \
releases installed at a site, with their support.",
        ));
    }
    for deployment in &catalog.deployments {
        let _ = writeln!(
            body,
            "<h3>{}</h3>",
            link(
                &relative(here, &deployment_path(&deployment.name)),
                &format!("Deployment {}", deployment.name)
            )
        );
        if let Some(description) = &deployment.description {
            body.push_str(&paragraph(&escape(description)));
        }
        body.push_str(&paragraph(&format!(
            "Distribution {}. {}",
            catalog.distribution_link(here, &deployment.distribution),
            default_line(catalog, deployment, here)
        )));
        body.push_str(&installed_table(catalog, deployment, here, false));
    }
    body.push_str("<h2 id=\"distributions\">Distributions</h2>\n");
    if catalog.locks().next().is_none() {
        body.push_str(&paragraph(
            "No release is locked yet: <code>distrib lock DIST --kind nightly|weekly|manual</code> \
makes one.",
        ));
    }
    if names.is_empty() {
        body.push_str(&paragraph(
            "No distribution is defined yet: a file in <code>distributions/</code> defines one.",
        ));
    } else {
        let rows: Vec<Row> = names
            .iter()
            .map(|name| {
                let releases = catalog.releases_of(name);
                let description = catalog
                    .distributions
                    .get(name)
                    .and_then(|d| d.description.as_deref());
                Row::new(vec![
                    catalog.distribution_link(here, name),
                    optional(description),
                    releases.len().to_string(),
                    releases.first().map_or_else(
                        || "none".to_owned(),
                        |l| catalog.release_link(here, name, &l.release),
                    ),
                ])
            })
            .collect();
        body.push_str(&table(
            "Distributions",
            &[
                ("Distribution", Fit::Name),
                ("Description", Fit::Text),
                ("Releases", Fit::Line),
                ("Newest release", Fit::Name),
            ],
            &rows,
        ));
    }
    body.push_str("<h2 id=\"support\">What the support labels mean</h2>\n<dl class=\"legend\">\n");
    for (support, meaning) in SUPPORT_MEANINGS {
        let _ = writeln!(
            body,
            "<dt>{}</dt><dd>{meaning}.</dd>",
            support_label(support)
        );
    }
    let _ = writeln!(
        body,
        "<dt>{}</dt><dd>the release a deployment gives when none is asked for; it is \
installed with official support.</dd>\n</dl>",
        default_label()
    );
    html::page(&title, &[], &body)
}

/// A distribution's page: its manifest's facts and every release, newest first.
pub(super) fn distribution(catalog: &Catalog, name: &str) -> String {
    let here = distribution_path(name);
    let home = Crumb {
        href: relative(&here, INDEX),
        text: "Home".into(),
    };
    let mut body = String::new();
    let releases = catalog.releases_of(name);
    match catalog.distributions.get(name) {
        Some(info) => {
            if let Some(description) = &info.description {
                body.push_str(&paragraph(&escape(description)));
            }
            let roots: Vec<String> = info.products.iter().map(|p| code(p)).collect();
            body.push_str(&facts(&[
                ("Environment", code(&info.environment)),
                ("Top-level products", roots.join(", ")),
                ("Releases", releases.len().to_string()),
            ]));
        }
        None => body.push_str(&paragraph(&format!(
            "No file in <code>distributions/</code> defines {} any more; its locks remain.",
            code(name)
        ))),
    }
    body.push_str("<h2 id=\"releases\">Releases</h2>\n");
    if releases.is_empty() {
        body.push_str(&paragraph(&format!(
            "No release of {} is locked yet: <code>distrib lock {} --kind nightly|weekly|manual</code> makes one.",
            code(name),
            escape(name)
        )));
    } else {
        let rows: Vec<Row> = releases
            .iter()
            .map(|lock| {
                let sites: Vec<String> = catalog
                    .installed_at(name, &lock.release)
                    .into_iter()
                    .map(|(d, entry, default)| {
                        format!(
                            "{}: {}",
                            link(&relative(&here, &deployment_path(&d.name)), &d.name),
                            support_cell(entry.support, default)
                        )
                    })
                    .collect();
                Row::new(vec![
                    catalog.release_link(&here, name, &lock.release),
                    escape(lock.kind.as_str()),
                    escape(&catalog.build_name(lock)),
                    escape(&lock.date),
                    sites.join("<br>"),
                    lineage(catalog, lock, &here).join("<br>"),
                ])
            })
            .collect();
        body.push_str(&table(
            &format!("Releases of {name}, newest first"),
            &[
                ("Release", Fit::Name),
                ("Kind", Fit::Line),
                ("Build", Fit::Line),
                ("Date", Fit::Line),
                ("Installed at", Fit::Labels),
                ("Lineage", Fit::Name),
            ],
            &rows,
        ));
    }
    html::page(name, &[home], &body)
}

/// `from X`, `same content as Y`, linked where those releases have pages.
fn lineage(catalog: &Catalog, lock: &Lockfile, here: &str) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(from) = &lock.from {
        parts.push(format!(
            "from {}",
            catalog.release_link(here, &lock.distribution, from)
        ));
    }
    if let Some(same) = &lock.same_content_as {
        parts.push(format!(
            "same content as {}",
            catalog.release_link(here, &lock.distribution, same)
        ));
    }
    parts
}

/// A deployment's page: its default and every installed release, with who asked and why.
pub(super) fn deployment(catalog: &Catalog, deployment: &DeploymentInfo) -> String {
    let here = deployment_path(&deployment.name);
    let home = Crumb {
        href: relative(&here, INDEX),
        text: "Home".into(),
    };
    let mut body = String::new();
    if let Some(description) = &deployment.description {
        body.push_str(&paragraph(&escape(description)));
    }
    body.push_str(&paragraph(&format!(
        "Distribution {}. {}",
        catalog.distribution_link(&here, &deployment.distribution),
        default_line(catalog, deployment, &here)
    )));
    if let Some(alternative) = &deployment.alternative {
        body.push_str(&paragraph(&format!(
            "Alternative version, offered beside the default: {}.",
            catalog.release_link(&here, &deployment.distribution, alternative)
        )));
    }
    if !deployment.partitions.is_empty() {
        body.push_str("<h2 id=\"partitions\">Partitions</h2>\n");
        body.push_str(&paragraph(
            "These partitions run another release than the default.",
        ));
        body.push_str("<ul>\n");
        for (partition, release) in &deployment.partitions {
            body.push_str(&format!(
                "<li><code>{}</code>: {}</li>\n",
                escape(partition),
                catalog.release_link(&here, &deployment.distribution, release)
            ));
        }
        body.push_str("</ul>\n");
    }
    body.push_str("<h2 id=\"installed\">Installed releases</h2>\n");
    body.push_str(&installed_table(catalog, deployment, &here, true));
    html::page(&format!("Deployment {}", deployment.name), &[home], &body)
}

/// One section of a release page: an `<h2>` with an anchor, and its content.
pub(super) struct Section {
    /// The anchor of the heading, unique in the page.
    pub id: &'static str,
    /// Plain text.
    pub heading: String,
    /// HTML, with `<h3>` and below for its own headings.
    pub body: String,
}

/// What a section of a release page is made from.
pub(super) struct ReleasePage<'a> {
    catalog: &'a Catalog<'a>,
    lock: &'a Lockfile,
    /// The page's own path, which relative links start from.
    here: String,
}

/// The sections of a release page, in order. Each is a function of the release that returns
/// its section, or `None` when it has nothing at all to show. Another section (a release note)
/// is one more function in this list.
const RELEASE_SECTIONS: &[fn(&ReleasePage<'_>) -> Option<Section>] = &[
    overview,
    installed,
    products,
    changes,
    release_note,
    dependency_graph,
];

/// A release's page: its sections, with a list of them on top.
pub(super) fn release(catalog: &Catalog, lock: &Lockfile) -> String {
    let here = release_path(&lock.distribution, &lock.release);
    let page = ReleasePage {
        catalog,
        lock,
        here: here.clone(),
    };
    let sections: Vec<Section> = RELEASE_SECTIONS.iter().filter_map(|s| s(&page)).collect();
    let mut body = String::from("<nav aria-label=\"Sections of this page\">\n<ul>\n");
    for section in &sections {
        let _ = writeln!(
            body,
            "<li><a href=\"#{}\">{}</a></li>",
            section.id,
            escape(&section.heading)
        );
    }
    body.push_str("</ul>\n</nav>\n");
    for section in &sections {
        let _ = writeln!(
            body,
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>",
            escape(&section.heading),
            id = section.id
        );
        body.push_str(&section.body);
        body.push_str("</section>\n");
    }
    let trail = [
        Crumb {
            href: relative(&here, INDEX),
            text: "Home".into(),
        },
        Crumb {
            href: relative(&here, &distribution_path(&lock.distribution)),
            text: lock.distribution.clone(),
        },
    ];
    html::page(&lock.release, &trail, &body)
}

/// Kind, build, date, platform, environment, lineage and what the lock recorded.
fn overview(page: &ReleasePage) -> Option<Section> {
    let (lock, catalog, here) = (page.lock, page.catalog, page.here.as_str());
    let mut items: Vec<(&str, String)> = vec![
        (
            "Distribution",
            catalog.distribution_link(here, &lock.distribution),
        ),
        ("Kind", escape(lock.kind.as_str())),
    ];
    if let Some(version) = &lock.release_version {
        let text = match lock.rc {
            Some(rc) => format!("{} (release candidate {rc})", code(version)),
            None => code(version),
        };
        items.push(("Version", text));
    }
    let mut build = escape(&catalog.build_name(lock));
    if let Some(same) = &lock.same_content_as {
        let _ = write!(
            build,
            ", the build of {}: the same packages, nothing rebuilt",
            catalog.release_link(here, &lock.distribution, same)
        );
    }
    items.push(("Build", build));
    items.push(("Date", escape(&lock.date)));
    items.push(("Platform", code(&lock.platform)));
    items.push((
        "Environment",
        format!(
            "{} ({}), digest {}",
            code(&lock.environment.name),
            escape(&lock.environment.purpose),
            code(short(&lock.environment.digest, 12))
        ),
    ));
    if let Some(from) = &lock.from {
        items.push((
            "Made from",
            catalog.release_link(here, &lock.distribution, from),
        ));
    }
    if let Some(same) = &lock.same_content_as {
        items.push((
            "Same content as",
            catalog.release_link(here, &lock.distribution, same),
        ));
    }
    items.push(("Content digest", code(short(&lock.content, 12))));
    let key = (lock.distribution.clone(), lock.release.clone());
    if let Some(records) = catalog.records.get(&key).filter(|r| !r.is_empty()) {
        let digest = crate::records::lock_digest(lock);
        let lines: Vec<String> = records
            .iter()
            .map(|r| {
                let mut line = escape(&crate::report::notes::record_line(r));
                if r.lock != digest {
                    line.push_str(" <em>(of other content)</em>");
                }
                line
            })
            .collect();
        items.push(("Validation", lines.join("<br>")));
    }
    if let Some(commit) = &lock.manifest_commit {
        items.push(("Manifest commit", code(commit)));
    }
    let pairs = |map: &BTreeMap<String, String>| {
        map.iter()
            .map(|(k, v)| code(&format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !lock.variables.is_empty() {
        items.push(("Variables", pairs(&lock.variables)));
    }
    if !lock.overrides.is_empty() {
        items.push(("Overrides", pairs(&lock.overrides)));
    }
    items.push(("Products", lock.products.len().to_string()));
    Some(Section {
        id: "overview",
        heading: "Overview".into(),
        body: facts(&items),
    })
}

/// Every deployment that installs the release, with its support.
fn installed(page: &ReleasePage) -> Option<Section> {
    let (lock, catalog, here) = (page.lock, page.catalog, page.here.as_str());
    let sites = catalog.installed_at(&lock.distribution, &lock.release);
    let body = if sites.is_empty() {
        paragraph("Not installed at any deployment.")
    } else {
        let rows: Vec<Row> = sites
            .iter()
            .map(|(deployment, entry, default)| Row {
                class: default.then_some("default-row"),
                ..Row::new(vec![
                    link(
                        &relative(here, &deployment_path(&deployment.name)),
                        &deployment.name,
                    ),
                    support_cell(entry.support, *default),
                    optional(entry.requested_by.as_deref()),
                    optional(entry.note.as_deref()),
                ])
            })
            .collect();
        table(
            &format!("Deployments of {}", lock.release),
            &[
                ("Deployment", Fit::Name),
                ("Support", Fit::Labels),
                ("Requested by", Fit::Name),
                ("Note", Fit::Text),
            ],
            &rows,
        )
    };
    Some(Section {
        id: "installed",
        heading: "Where it is installed".into(),
        body,
    })
}

/// A link to a commit's page on GitHub or GitLab, from the repository's URL; `None` for other
/// hosts, local paths, or a URL whose path is not plainly `owner/repository` (GitHub) or
/// `group/.../project` (GitLab).
pub fn commit_url(repository: &str, commit: &str) -> Option<String> {
    if commit.is_empty() || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let normalized = crate::url::normalize(repository).ok()?;
    if normalized.starts_with("file://") {
        return None;
    }
    let (host, path) = normalized.split_once('/')?;
    let segments: Vec<&str> = path.split('/').collect();
    let plain = |s: &&str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    if !segments.iter().all(plain) {
        return None;
    }
    // The web server is the one of an http(s) URL, port and scheme included; an ssh URL
    // names only the host, served over https.
    let web = match repository.trim().split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") =>
        {
            let authority = rest.split('/').next().unwrap_or_default();
            let authority = authority.rsplit('@').next().unwrap_or(authority);
            let port = authority
                .rsplit_once(':')
                .map(|(_, port)| port)
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            let scheme = scheme.to_ascii_lowercase();
            match port {
                Some(port) => format!("{scheme}://{host}:{port}"),
                None => format!("{scheme}://{host}"),
            }
        }
        _ => format!("https://{host}"),
    };
    if host == "github.com" && segments.len() == 2 {
        Some(format!("{web}/{path}/commit/{commit}"))
    } else if (host == "gitlab.com" || host.starts_with("gitlab.")) && segments.len() >= 2 {
        Some(format!("{web}/{path}/-/commit/{commit}"))
    } else {
        None
    }
}

/// The products table: version, type, commits (linked on GitHub and GitLab), repositories,
/// dependencies and identity.
fn products(page: &ReleasePage) -> Option<Section> {
    let lock = page.lock;
    if lock.products.is_empty() {
        return None;
    }
    let rows: Vec<Row> = lock
        .products
        .iter()
        .map(|product| {
            let commits: Vec<String> = product
                .repositories
                .iter()
                .map(|r| match commit_url(&r.url, &r.commit) {
                    Some(url) => format!(
                        "<a href=\"{}\"><code>{}</code></a>",
                        escape(&url),
                        escape(short(&r.commit, 12))
                    ),
                    None => code(short(&r.commit, 12)),
                })
                .collect();
            let repositories: Vec<String> = product
                .repositories
                .iter()
                .map(|r| match &r.path {
                    Some(path) => format!("{} ({})", escape(&r.url), code(path)),
                    None => escape(&r.url),
                })
                .collect();
            let dependencies: Vec<String> = product
                .depends
                .iter()
                .map(|d| escape(d))
                .chain(
                    product
                        .build_depends
                        .iter()
                        .map(|d| format!("{} (build)", escape(d))),
                )
                .collect();
            Row {
                id: Some(format!("product-{}", product.name)),
                ..Row::new(vec![
                    escape(&product.name),
                    product.version.as_deref().map(code).unwrap_or_default(),
                    escape(&product.kind),
                    or_none(commits.join("<br>")),
                    or_none(repositories.join("<br>")),
                    or_none(dependencies.join(", ")),
                    code(short(&product.identity, 12)),
                ])
            }
        })
        .collect();
    Some(Section {
        id: "products",
        heading: format!("Products ({})", lock.products.len()),
        body: table(
            &format!("Products of {}", lock.release),
            // At 1280 px the table fits: only the short fixed-width cells stay on one line;
            // names, versions (`…-g<sha>`) and URLs break (on a phone, the table scrolls).
            &[
                ("Product", Fit::Name),
                ("Version", Fit::Name),
                ("Type", Fit::Line),
                ("Commit", Fit::Line),
                ("Repository", Fit::Name),
                ("Depends on", Fit::Text),
                ("Identity", Fit::Line),
            ],
            &rows,
        ),
    })
}

fn or_none(html: String) -> String {
    if html.is_empty() {
        "none".to_owned()
    } else {
        html
    }
}

/// What changed since the parent release, and what that means for the binaries.
fn changes(page: &ReleasePage) -> Option<Section> {
    let (lock, catalog, here) = (page.lock, page.catalog, page.here.as_str());
    let Some((parent, why)) = catalog.parent(lock) else {
        return Some(Section {
            id: "changes",
            heading: "Changes".into(),
            body: paragraph(&format!(
                "The first release of {}: there is nothing to compare it with.",
                escape(&lock.distribution)
            )),
        });
    };
    let report = diff::diff(parent, lock);
    let plain = |s: &str| s.to_owned();
    let parent_link = catalog.release_link(here, &parent.distribution, &parent.release);
    let mut body = paragraph(&match why {
        Parent::From => format!("Compared with {parent_link}, the release it was made from."),
        Parent::PreviousFinal => format!(
            "Compared with {parent_link}, the final release of {} before it.",
            escape(&lock.distribution)
        ),
        Parent::PreviousOfficial(deployment) => format!(
            "Compared with {parent_link}, the release {} installed with official support before it.",
            escape(deployment)
        ),
        Parent::Previous => format!(
            "Compared with {parent_link}, the release of {} before it.",
            escape(&lock.distribution)
        ),
    });
    let _ = write!(
        body,
        "<ul>\n<li>{}</li>\n<li><strong>{}</strong></li>\n</ul>\n",
        escape(&report.environment_line(plain, "→")),
        escape(&report.summary_line())
    );
    let changed = report.changed();
    if changed.is_empty() {
        body.push_str(&paragraph(
            "No product changed: every package is the same as before.",
        ));
    } else {
        let rows: Vec<Row> = changed
            .iter()
            .map(|change| {
                Row::new(vec![
                    escape(&change.name),
                    escape(change.status.as_str()),
                    escape(&diff::versions(change, plain, "→")),
                    escape(&diff::commits(change, plain, "→")),
                    escape(&diff::note(change, plain)),
                ])
            })
            .collect();
        body.push_str(&table(
            &format!("What changed since {}", parent.release),
            &[
                ("Product", Fit::Name),
                ("Status", Fit::Line),
                ("Version", Fit::Name),
                ("Commit", Fit::Line),
                ("Why", Fit::Text),
            ],
            &rows,
        ));
    }
    Some(Section {
        id: "changes",
        heading: format!("Changes since {}", parent.release),
        body,
    })
}

/// The release note against the parent: issues, commits, narrative, install instructions.
/// Only when the caller could read the commits (it needs the mirrors).
fn release_note(page: &ReleasePage) -> Option<Section> {
    let key = (page.lock.distribution.clone(), page.lock.release.clone());
    let note = page.catalog.notes.get(&key)?;
    Some(Section {
        id: "note",
        heading: format!("Release note since {}", note.from),
        body: note.html_fragment(3),
    })
}

/// The dependency graph, drawn by [`super::svg`].
fn dependency_graph(page: &ReleasePage) -> Option<Section> {
    let lock = page.lock;
    let drawing = super::svg::render(
        &graph::graph(lock, None),
        &format!("Dependency graph of {}", lock.release),
    )?;
    let mut body = paragraph(
        "An arrow goes from a product to each product it needs: a solid line for a run-time \
dependency (<code>depends</code>), a dashed line for a build-time one \
(<code>build_depends</code>). Products that need nothing are in the last column.",
    );
    let _ = write!(
        body,
        "<div class=\"scroll graph\" role=\"region\" aria-label=\"{}\" tabindex=\"0\">\n{drawing}</div>\n",
        escape(&format!("Dependency graph of {}", lock.release))
    );
    Some(Section {
        id: "graph",
        heading: "Dependency graph".into(),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_links_on_github_and_gitlab_only() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            commit_url("https://github.com/AliceO2Group/AliceO2", sha).as_deref(),
            Some(format!("https://github.com/AliceO2Group/AliceO2/commit/{sha}").as_str())
        );
        assert_eq!(
            commit_url("git@github.com:lsst/afw.git", sha).as_deref(),
            Some(format!("https://github.com/lsst/afw/commit/{sha}").as_str())
        );
        assert_eq!(
            commit_url("https://gitlab.com/group/sub/project.git", sha).as_deref(),
            Some(format!("https://gitlab.com/group/sub/project/-/commit/{sha}").as_str())
        );
        assert_eq!(
            commit_url("ssh://git@gitlab.cern.ch:7999/alice/o2.git", sha).as_deref(),
            Some(format!("https://gitlab.cern.ch/alice/o2/-/commit/{sha}").as_str())
        );
        assert_eq!(
            commit_url("https://user@gitlab.example.org:8443/g/p", sha).as_deref(),
            Some(&*format!(
                "https://gitlab.example.org:8443/g/p/-/commit/{sha}"
            ))
        );
        assert_eq!(
            commit_url("http://gitlab.lan/g/p.git", sha).as_deref(),
            Some(&*format!("http://gitlab.lan/g/p/-/commit/{sha}"))
        );
        assert_eq!(commit_url("https://bitbucket.org/o/r", sha), None);
        assert_eq!(commit_url("https://github.com/o/r/extra", sha), None);
        assert_eq!(commit_url("https://github.com/o/r%22onclick", sha), None);
        assert_eq!(commit_url("file:///srv/git/o/r", sha), None);
        assert_eq!(commit_url("/srv/git/o/r", sha), None);
        assert_eq!(commit_url("https://github.com/o/r", "HEAD"), None);
    }
}
