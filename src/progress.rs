//! How a library operation tells its caller how far it got: items started and finished, bytes
//! received, a message. The operation calls it from its worker threads; the command line draws a
//! progress line from it, a Rust caller may ignore it ([`Silent`]). Nothing here prints.

/// What an operation reports while it runs. Every method has a default that does nothing, so
/// an implementation names only what it shows. Called from several threads at once.
pub trait Progress: Sync {
    /// The operation starts `total` items (repositories to fetch, refs to push...); `what` is
    /// its verb as a title, such as `Fetching`.
    fn begin(&self, what: &str, total: usize) {
        let _ = (what, total);
    }

    /// Item `index` (its place in the order the caller gave) starts; `name` says which.
    fn started(&self, index: usize, name: &str) {
        let _ = (index, name);
    }

    /// The bytes received so far by the whole operation, all items together.
    fn received(&self, bytes: u64) {
        let _ = bytes;
    }

    /// Item `index` is over, as `finished` says.
    fn finished(&self, index: usize, name: &str, finished: Finished<'_>) {
        let _ = (index, name, finished);
    }

    /// A line worth showing that belongs to no item.
    fn message(&self, text: &str) {
        let _ = text;
    }

    /// Every item is over: whatever was drawn can go.
    fn end(&self) {}
}

/// How an item ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished<'a> {
    /// Done; the text says what changed (`new mirror`, `1 ref changed`, `up to date`).
    Done(&'a str),
    /// It failed: the operation's outcome says why.
    Failed,
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}

/// A count of bytes as cargo shows one: `512 B`, `12.3 KiB`, `4.0 MiB`, `1.2 GiB`.
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if count < 1024 {
        return format!("{count} B");
    }
    let mut value = count as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn bytes_read_as_cargo_shows_them() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(12_900_000), "12.3 MiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(bytes(u64::MAX), "16777216.0 TiB");
    }
}
