//! How a long operation tells its caller how far it is, without a terminal: the command line
//! implements this with its progress line, a Rust caller with whatever it likes (or nothing).

/// What an operation reports as it goes. Every method has a default that ignores it.
pub trait Progress {
    /// The mirrors of `repositories` repositories are being brought up to date.
    fn fetching(&mut self, repositories: usize) {
        let _ = repositories;
    }
}

/// Progress nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}
