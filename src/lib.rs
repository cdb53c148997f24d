//! distrib: validated, reproducible, checksummed release lockfiles for software distributions
//! made of many products living in many git repositories.

pub mod check;
pub mod cli;
pub mod deploy;
pub mod diagnostic;
pub mod escape;
pub mod fetch;
pub mod fsutil;
pub mod git;
pub mod identity;
pub mod impact;
pub mod import;
pub mod init;
pub mod json;
pub mod lock;
pub mod manifest;
pub mod naming;
pub mod parallel;
pub mod progress;
pub mod records;
pub mod release;
pub mod report;
pub mod resolve;
pub mod schema;
pub mod site;
pub mod tag;
pub mod url;
pub mod validate;
pub mod verify;
pub mod workspace;
