//! litcap: least privilege for Lit Protocol session signatures, declared in policy files,
//! compiled byte-identically to the Lit JS SDK v7, verified statically with the nodes' rules,
//! and signed.
//!
//! The pipeline, one module per stage: [`syntax`] (policy files → AST) → [`model`] (checked
//! grants and sessions) → [`wire`] (ReCap, SIWE, AuthSig: the wire formats) → [`verify`] →
//! [`sign`].

#![forbid(unsafe_code)]
#![recursion_limit = "256"]
// Diagnostics are large and only built on failure paths; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod diag;
pub mod eth;
pub mod fit;
pub mod fsutil;
pub mod infer;
pub mod json;
pub mod load;
pub mod lsp;
pub mod model;
pub mod profile;
pub mod schema;
pub mod schema_gen;
pub mod sign;
pub mod suggest;
pub mod syntax;
pub mod time;
pub mod verify;
pub mod wire;

// Transitional: the wire-format modules lived at the crate root until the layout step of
// issue #9. These re-exports keep `crate::siwe::…` / `litcap::authsig::…` paths (other
// branches, the fuzz crate, benches, tests) compiling; the public-API step decides what stays.
pub use wire::{acc, authsig, bls, compile, coverage, lit, recap, siwe};
