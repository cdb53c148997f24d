//! distrib: validated, reproducible, checksummed release lockfiles for software distributions
//! made of many products living in many git repositories.

pub mod manifest;
pub mod diagnostic;
pub mod url;
pub mod validate;
pub mod git;
pub mod schema;
pub mod cli;
pub mod fsutil;
pub mod import;
