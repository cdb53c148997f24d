//! Migration from the files a collaboration keeps today into a manifest repository.

pub mod alidist;
pub mod lsst;
