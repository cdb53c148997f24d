//! Release names from templates: strftime codes of the release date and `{placeholders}`.
//! The scanner is shared with `validate`, which checks templates before anything is named.

use std::fmt::Write;

use thiserror::Error;

/// strftime conversion codes a release name may use: those whose text is valid in a git ref
/// (`%e`, `%T`, `%R` and `%D` would put a space, a `:` or a `/` in the name), and two of
/// distrib's own, no strftime has: `%J` and `%K`, the week-year and week of Java's `YYYY.ww` in
/// the US locale, which LSST's weeklies are named with.
pub const DATE_CODES: &str = "YCymbBdjHIMSpaAuwGgVUWZzsFJK%";

/// The name of a build when `naming.build` says nothing (DMTN-106 §3.3.2: `b<ID>`).
pub const BUILD: &str = "b{build}";

/// What `naming.build` may name: the build number, and a released version's parts.
pub const BUILD_PLACEHOLDERS: [&str; 5] = ["build", "version", "major", "minor", "patch"];

/// The name of a lock's build, by the `naming.build` of its distribution in `manifests`.
pub fn build_of(manifests: &crate::manifest::Manifests, lock: &crate::lock::Lockfile) -> String {
    let template = manifests
        .distributions
        .iter()
        .find(|d| d.value.name.value == lock.distribution)
        .and_then(|d| d.value.naming.build.as_ref())
        .map(|t| t.value.as_str());
    build_name(template, lock.build, lock.release_version.as_deref())
}

/// The name of build `build` by `template` (`naming.build`, default `b{build}`): with
/// `{version}` (`{major}`...) for a candidate, final or patch of `version`. A lock without a
/// version (a nightly, weekly, manual), or a template that does not expand to a name, has the
/// default name.
pub fn build_name(template: Option<&str>, build: u64, version: Option<&str>) -> String {
    let default = || format!("b{build}");
    let Some(template) = template else {
        return default();
    };
    let version = version.and_then(|v| semver::Version::parse(v).ok());
    let mut out = String::new();
    for token in scan(template) {
        let text = match token {
            Token::Literal(text) => text.to_owned(),
            Token::Placeholder("build") => build.to_string(),
            Token::Placeholder(part) => {
                let Some(version) = &version else {
                    return default();
                };
                match part {
                    "version" => format!("{}.{}.{}", version.major, version.minor, version.patch),
                    "major" => version.major.to_string(),
                    "minor" => version.minor.to_string(),
                    "patch" => version.patch.to_string(),
                    _ => return default(),
                }
            }
            _ => return default(),
        };
        out.push_str(&text);
    }
    out
}

/// One piece of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
    Date(char),
    BadDate(char),
    /// A `%` at the very end: a date code with its letter missing.
    TrailingPercent,
    /// A `}` that closes nothing.
    StrayClose,
    Unclosed,
}

/// The pieces of a template, in order.
pub fn scan(template: &str) -> Vec<Token<'_>> {
    scan_at(template)
        .into_iter()
        .map(|(_, token)| token)
        .collect()
}

/// The pieces of a template, each with the byte offset where it starts.
pub fn scan_at(template: &str) -> Vec<(usize, Token<'_>)> {
    let mut tokens = Vec::new();
    let mut at = 0;
    while let Some(i) = template[at..].find(['{', '}', '%']).map(|i| at + i) {
        if i > at {
            tokens.push((at, Token::Literal(&template[at..i])));
        }
        let after = &template[i + 1..];
        match template.as_bytes()[i] {
            b'{' => match after.find('}') {
                Some(end) => {
                    tokens.push((i, Token::Placeholder(&after[..end])));
                    at = i + 1 + end + 1;
                }
                None => {
                    tokens.push((i, Token::Unclosed));
                    return tokens;
                }
            },
            b'}' => {
                tokens.push((i, Token::StrayClose));
                at = i + 1;
            }
            _ => {
                let Some(code) = after.chars().next() else {
                    tokens.push((i, Token::TrailingPercent));
                    return tokens;
                };
                tokens.push((
                    i,
                    if DATE_CODES.contains(code) {
                        Token::Date(code)
                    } else {
                        Token::BadDate(code)
                    },
                ));
                at = i + 1 + code.len_utf8();
            }
        }
    }
    if at < template.len() {
        tokens.push((at, Token::Literal(&template[at..])));
    }
    tokens
}

/// A release date and time, in UTC, to the minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum NamingError {
    #[error("`{0}` is not a date: write `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`")]
    Date(String),
    #[error("the template has no value for `{{{0}}}`")]
    Unknown(String),
    #[error("invalid template: {0}")]
    Template(String),
    #[error("`{0}` is not a valid release name: {1}")]
    Name(String, &'static str),
}

impl DateTime {
    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (a space also separates).
    pub fn parse(text: &str) -> Result<Self, NamingError> {
        let error = || NamingError::Date(text.to_owned());
        let (date, time) = match text.split_once(['T', ' ']) {
            Some((date, time)) => (date, Some(time)),
            None => (text, None),
        };
        let mut parts = date.splitn(3, '-');
        let mut number = |len: usize| -> Result<u32, NamingError> {
            let part = parts.next().ok_or_else(error)?;
            if part.len() != len || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error());
            }
            part.parse().map_err(|_| error())
        };
        let (year, month, day) = (number(4)? as i32, number(2)?, number(2)?);
        let (hour, minute) = match time {
            None => (0, 0),
            Some(time) => {
                let (h, m) = time.split_once(':').ok_or_else(error)?;
                let parse = |s: &str| -> Result<u32, NamingError> {
                    if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
                        Err(error())
                    } else {
                        s.parse().map_err(|_| error())
                    }
                };
                (parse(h)?, parse(m)?)
            }
        };
        let value = Self {
            year,
            month,
            day,
            hour,
            minute,
        };
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
        {
            return Err(error());
        }
        Ok(value)
    }

    /// The current time, from the system clock.
    pub fn now() -> Self {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let days = seconds.div_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let rest = seconds.rem_euclid(86_400);
        Self {
            year,
            month,
            day,
            hour: (rest / 3600) as u32,
            minute: (rest % 3600 / 60) as u32,
        }
    }

    /// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM` when the time is not midnight.
    pub fn to_text(self) -> String {
        let mut text = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if (self.hour, self.minute) != (0, 0) {
            let _ = write!(text, "T{:02}:{:02}", self.hour, self.minute);
        }
        text
    }

    fn days(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// 1 = Monday ... 7 = Sunday.
    fn iso_weekday(self) -> u32 {
        ((self.days() + 3).rem_euclid(7) + 1) as u32
    }

    fn day_of_year(self) -> u32 {
        (self.days() - days_from_civil(self.year, 1, 1) + 1) as u32
    }

    /// ISO 8601 week-based year and week number.
    fn iso_week(self) -> (i32, u32) {
        let week = (self.day_of_year() as i64 - self.iso_weekday() as i64 + 10) / 7;
        if week < 1 {
            let last = DateTime {
                year: self.year - 1,
                month: 12,
                day: 31,
                hour: 0,
                minute: 0,
            };
            return last.iso_week();
        }
        let weeks_in_year = |year: i32| {
            let jan1 = DateTime {
                year,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
            }
            .iso_weekday();
            if jan1 == 4 || (jan1 == 3 && is_leap(year)) {
                53
            } else {
                52
            }
        };
        if week > weeks_in_year(self.year) {
            (self.year + 1, 1)
        } else {
            (self.year, week as u32)
        }
    }

    /// The week-based year and week of Java's `YYYY` and `ww` in the US locale, as LSST's
    /// Jenkins names weeklies: weeks run Sunday to Saturday, week 1 is the week that holds
    /// 1 January, and a week belongs to the year of its Saturday. So 2020-12-31, a Thursday,
    /// is in week 1 of 2021, where ISO 8601 says week 53 of 2020.
    fn us_week(self) -> (i32, u32) {
        let day = self.days();
        let sunday = day - (self.iso_weekday() % 7) as i64;
        let (saturday_year, _, _) = civil_from_days(sunday + 6);
        if saturday_year > self.year {
            return (saturday_year, 1);
        }
        let january = days_from_civil(self.year, 1, 1);
        let first_sunday = january - (january + 4).rem_euclid(7);
        (self.year, ((sunday - first_sunday) / 7 + 1) as u32)
    }

    /// The value of one strftime code.
    pub fn format(self, code: char) -> String {
        const DAYS: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let weekday = self.iso_weekday();
        let (iso_year, iso_week) = self.iso_week();
        match code {
            'Y' => format!("{:04}", self.year),
            'C' => format!("{:02}", self.year.div_euclid(100)),
            'y' => format!("{:02}", self.year.rem_euclid(100)),
            'm' => format!("{:02}", self.month),
            'b' => MONTHS[self.month as usize - 1][..3].to_owned(),
            'B' => MONTHS[self.month as usize - 1].to_owned(),
            'd' => format!("{:02}", self.day),
            'j' => format!("{:03}", self.day_of_year()),
            'H' => format!("{:02}", self.hour),
            'I' => format!("{:02}", (self.hour + 11) % 12 + 1),
            'M' => format!("{:02}", self.minute),
            'S' => "00".to_owned(),
            'p' => if self.hour < 12 { "AM" } else { "PM" }.to_owned(),
            'a' => DAYS[weekday as usize - 1][..3].to_owned(),
            'A' => DAYS[weekday as usize - 1].to_owned(),
            'u' => weekday.to_string(),
            'w' => (weekday % 7).to_string(),
            'G' => format!("{iso_year:04}"),
            'g' => format!("{:02}", iso_year.rem_euclid(100)),
            'V' => format!("{iso_week:02}"),
            'J' => format!("{:04}", self.us_week().0),
            'K' => format!("{:02}", self.us_week().1),
            'U' => format!("{:02}", (self.day_of_year() + 6 - weekday % 7) / 7),
            'W' => format!("{:02}", (self.day_of_year() + 6 - (weekday + 6) % 7) / 7),
            'Z' => "UTC".to_owned(),
            'z' => "+0000".to_owned(),
            's' => {
                ((self.days() * 86_400) + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60)
                    .to_string()
            }
            'F' => format!(
                "{}-{}-{}",
                self.format('Y'),
                self.format('m'),
                self.format('d')
            ),
            _ => "%".to_owned(),
        }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((yoe + era * 400 + i64::from(month <= 2)) as i32, month, day)
}

/// Fills a template: date codes from `date`, placeholders from `value`.
pub fn expand(
    template: &str,
    date: DateTime,
    value: impl Fn(&str) -> Option<String>,
) -> Result<String, NamingError> {
    let mut out = String::new();
    for token in scan(template) {
        match token {
            Token::Literal(text) => out.push_str(text),
            Token::Date(code) => out.push_str(&date.format(code)),
            Token::Placeholder(name) => {
                out.push_str(&value(name).ok_or_else(|| NamingError::Unknown(name.to_owned()))?)
            }
            Token::BadDate(code) => {
                return Err(NamingError::Template(format!(
                    "unknown date code `%{code}`"
                )));
            }
            Token::Unclosed => return Err(NamingError::Template("unclosed `{`".into())),
            Token::StrayClose => {
                return Err(NamingError::Template("a `}` that closes no `{`".into()));
            }
            Token::TrailingPercent => {
                return Err(NamingError::Template(
                    "a `%` at the end, with no date code after it".into(),
                ));
            }
        }
    }
    check_release_name(&out)?;
    Ok(out)
}

/// The `{name}` placeholders of a free text such as install instructions, in order. `{{` and
/// `}}` are literal braces; other braces and `%` are text.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    free_text(text, |piece| {
        if let Piece::Placeholder(name) = piece {
            found.push(name);
        }
    });
    found
}

/// Fills the `{name}` placeholders of a free text that `value` knows, and turns `{{` and `}}`
/// into braces; leaves the rest as is.
pub fn fill(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    free_text(text, |piece| match piece {
        Piece::Text(text) => out.push_str(text),
        Piece::Placeholder(name) => match value(name) {
            Some(value) => out.push_str(&value),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        },
    });
    out
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

fn free_text<'a>(text: &'a str, mut each: impl FnMut(Piece<'a>)) {
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        each(Piece::Text(&rest[..at]));
        let (brace, after) = (&rest[at..=at], &rest[at + 1..]);
        if after.starts_with(brace) {
            each(Piece::Text(brace));
            rest = &after[1..];
            continue;
        }
        let name = after.find('}').map(|close| &after[..close]);
        match name.filter(|n| brace == "{" && is_placeholder_name(n)) {
            Some(name) => {
                each(Piece::Placeholder(name));
                rest = &after[name.len() + 1..];
            }
            None => {
                each(Piece::Text(brace));
                rest = after;
            }
        }
    }
    each(Piece::Text(rest));
}

/// The byte offset of each `{` in a free text that starts a placeholder and never closes it
/// (`{release` with no `}`): text taken for a placeholder, and left as it is.
pub fn unclosed_placeholders(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find('{').map(|i| at + i) {
        let after = &text[i + 1..];
        if after.starts_with('{') {
            at = i + 2;
            continue;
        }
        let name_end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_.+-".contains(c)))
            .unwrap_or(after.len());
        if name_end > 0 && !after[name_end..].starts_with('}') {
            found.push(i);
        }
        at = i + 1;
    }
    found
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
}

/// A release name becomes a file name and a git tag: one path component, valid as a ref.
pub fn check_release_name(name: &str) -> Result<(), NamingError> {
    let fail = |why| Err(NamingError::Name(name.to_owned(), why));
    if name.is_empty() {
        return fail("it is empty");
    }
    if name.contains(['/', '\\']) {
        return fail("it contains a path separator");
    }
    if name.contains("..") || name.starts_with('.') {
        return fail("it starts with `.` or contains `..`");
    }
    if name.ends_with(".lock") || name.contains("@{") {
        return fail("git does not allow it in a ref");
    }
    if name
        .chars()
        .any(|c| c.is_control() || " ~^:?*[".contains(c))
    {
        return fail("it contains a space or one of `~^:?*[`, which git refs cannot hold");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        DateTime::parse(text).unwrap()
    }

    #[test]
    fn lsst_weeks_run_sunday_to_saturday_with_week_one_holding_the_first_of_january() {
        let week = |date: &str| {
            let date = at(date);
            format!("{}.{}", date.format('J'), date.format('K'))
        };
        let iso = |date: &str| {
            let date = at(date);
            format!("{}.{}", date.format('G'), date.format('V'))
        };
        // `w.2021.01` was tagged on a Thursday of 2020, `w.2021.02` a week later.
        assert_eq!(week("2020-12-31"), "2021.01");
        assert_eq!(iso("2020-12-31"), "2020.53");
        assert_eq!(week("2021-01-07"), "2021.02");
        // A Sunday starts a week.
        assert_eq!(week("2021-01-02"), "2021.01");
        assert_eq!(week("2021-01-03"), "2021.02");
        assert_eq!(iso("2021-01-03"), "2020.53");
        // 1 January 2027 is a Friday: week 1 of 2027, week 53 of 2026 for ISO.
        assert_eq!(week("2027-01-01"), "2027.01");
        assert_eq!(iso("2027-01-01"), "2026.53");
        assert_eq!(week("2026-12-26"), "2026.52");
        assert_eq!(week("2026-12-27"), "2027.01");
        // A year that starts on a Sunday: its first days are week 1.
        assert_eq!(week("2023-01-01"), "2023.01");
        assert_eq!(week("2022-12-31"), "2022.53");
    }

    #[test]
    fn build_names_follow_the_template_and_fall_back_to_the_build_number() {
        assert_eq!(build_name(None, 8467, Some("27.0.0")), "b8467");
        let versioned = Some("{version}-b{build}");
        assert_eq!(build_name(versioned, 8467, Some("27.0.1")), "27.0.1-b8467");
        // A weekly has no version: it keeps the default name.
        assert_eq!(build_name(versioned, 8468, None), "b8468");
        assert_eq!(
            build_name(Some("{major}.{minor}.{patch}-b{build}"), 3, Some("1.2.3")),
            "1.2.3-b3"
        );
        assert_eq!(build_name(Some("build{build}"), 3, None), "build3");
    }

    #[test]
    fn scans_templates() {
        assert_eq!(
            scan("O2-%Y%m%d-DD{DataDistribution}"),
            vec![
                Token::Literal("O2-"),
                Token::Date('Y'),
                Token::Date('m'),
                Token::Date('d'),
                Token::Literal("-DD"),
                Token::Placeholder("DataDistribution"),
            ]
        );
        assert_eq!(scan("b{build"), vec![Token::Literal("b"), Token::Unclosed]);
        assert_eq!(
            scan("m-%e"),
            vec![Token::Literal("m-"), Token::BadDate('e')]
        );
        assert_eq!(
            scan("x%"),
            vec![Token::Literal("x"), Token::TrailingPercent]
        );
    }

    #[test]
    fn iso_weeks_across_year_ends() {
        assert_eq!(
            at("2026-11-21").format('G') + &at("2026-11-21").format('V'),
            "202647"
        );
        assert_eq!(at("2021-01-03").iso_week(), (2020, 53));
        assert_eq!(at("2024-12-30").iso_week(), (2025, 1));
        assert_eq!(at("2019-01-05").iso_week(), (2019, 1));
        assert_eq!(at("2026-11-21").format('u'), "6");
        assert_eq!(at("2024-03-01").format('j'), "061");
    }

    #[test]
    fn expands_dmtn_106_and_o2_names() {
        let none = |_: &str| None;
        assert_eq!(
            expand("w.%G.%V", at("2019-01-05"), none).unwrap(),
            "w.2019.01"
        );
        assert_eq!(
            expand("d.%Y.%m.%d", at("2026-11-21"), none).unwrap(),
            "d.2026.11.21"
        );
        let values = |name: &str| match name {
            "DataDistribution" => Some("v1.6.5".to_owned()),
            "flp_suite" => Some("0.40.0".to_owned()),
            _ => None,
        };
        assert_eq!(
            expand(
                "O2PDPSuite-epn-%Y%m%d-DD{DataDistribution}-flp-suite-v{flp_suite}",
                at("2024-05-16T09:30"),
                values
            )
            .unwrap(),
            "O2PDPSuite-epn-20240516-DDv1.6.5-flp-suite-v0.40.0"
        );
        assert_eq!(
            expand("x{nope}", at("2024-05-16"), values),
            Err(NamingError::Unknown("nope".into()))
        );
        assert!(expand("../{flp_suite}", at("2024-05-16"), values).is_err());
    }

    #[test]
    fn stray_braces_and_a_trailing_percent() {
        assert_eq!(
            scan_at("d.%Y}%"),
            vec![
                (0, Token::Literal("d.")),
                (2, Token::Date('Y')),
                (4, Token::StrayClose),
                (5, Token::TrailingPercent)
            ]
        );
        let none = |_: &str| None;
        assert!(expand("a}", at("2026-11-21"), none).is_err());
        assert!(expand("a%", at("2026-11-21"), none).is_err());
        assert_eq!(
            unclosed_placeholders("install {release with {{ and {x} ${HOME} { a } {release"),
            vec![8, 47]
        );
    }

    #[test]
    fn free_text_placeholders() {
        let text = "conda install {distribution}={release} # {a b} {} 100% {{release}}";
        assert_eq!(placeholders(text), vec!["distribution", "release"]);
        let value = |name: &str| (name == "release").then(|| "w.2026.47".to_owned());
        assert_eq!(
            fill(text, value),
            "conda install {distribution}=w.2026.47 # {a b} {} 100% {release}"
        );
        assert_eq!(fill("a }} b {{ c } d {", value), "a } b { c } d {");
    }

    #[test]
    fn dates() {
        assert_eq!(at("2026-11-21T07:05").to_text(), "2026-11-21T07:05");
        assert_eq!(at("2026-11-21").to_text(), "2026-11-21");
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "26-11-21",
            "2026-11-21T25:00",
            "yesterday",
            "2026-11-19T+1:+5",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
        let now = DateTime::now();
        assert!(now.year >= 2024);
    }
}
