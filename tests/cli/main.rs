//! The integration tests, in one binary: each module drives the real `distrib` binary (or the
//! library) on repositories, servers and files built in temp dirs. One binary links once.

mod support;

mod alidist;
mod check;
mod closure;
mod ecosystem;
mod examples;
mod fetch;
mod files;
mod fuzz;
mod identity;
mod impact;
mod json;
mod lock;
mod mirror;
mod notes;
mod output;
mod release;
mod report;
mod schema;
mod shell;
mod site;
mod tag;
mod workflow;
