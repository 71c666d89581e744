//! litcap: least privilege for Lit Protocol session signatures, declared in policy files,
//! compiled byte-identically to the Lit JS SDK v7, verified statically with the nodes' rules,
//! and signed.
//!
//! The pipeline, one module per stage: [`syntax`] (policy files → AST) → [`model`] (checked
//! grants and sessions) → [`recap`] / [`siwe`] (wire formats) → [`verify`] → [`sign`].

#![forbid(unsafe_code)]
#![recursion_limit = "256"]
// Diagnostics are large and only built on failure paths; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod acc;
pub mod authsig;
pub mod compile;
pub mod coverage;
pub mod diag;
pub mod eth;
pub mod fsutil;
pub mod json;
pub mod lit;
pub mod load;
pub mod lsp;
pub mod model;
pub mod recap;
pub mod schema;
pub mod sign;
pub mod siwe;
pub mod suggest;
pub mod syntax;
pub mod time;
pub mod verify;
