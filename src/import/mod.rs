//! Migration from the files a collaboration keeps today into a manifest repository.

pub mod alidist;
pub mod lsst;

use std::path::Path;

use crate::fsutil::{IoError, write_atomic};

/// Writes the `distrib.yaml` of a manifest repository an import starts at `root`, unless it
/// has one.
pub fn config_if_missing(root: &Path) -> Result<(), IoError> {
    let config = root.join(crate::manifest::ROOT_FILE);
    if config.exists() {
        return Ok(());
    }
    write_atomic(
        &config,
        b"# Settings of this manifest repository; see `distrib schema config`.\nrules: {}\n",
    )
    .map_err(|e| IoError::new(&config, e))
}
