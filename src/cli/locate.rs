//! A lock named on the command line, looked up from the folder distrib runs in.

use super::Context;
use crate::lock::Lockfile;
pub(super) use crate::lock::locate::{Accept, LocateError};

/// Finds, reads and checks the lock `text` names; see [`crate::lock::locate::locate`].
pub(super) fn locate(
    context: &Context,
    text: &str,
    accept: Accept,
    prefer: Option<&str>,
) -> Result<Lockfile, LocateError> {
    crate::lock::locate::locate(&context.start, text, accept, prefer)
}
