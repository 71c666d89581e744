//! Stage 1: policy text → syntax tree. The DSL is parsed with the pest grammar in
//! `grammar/policy.pest` (plain blocks by the equivalent hand-written `fast` parser first);
//! every error of a file is collected.

pub mod ast;
mod cut;
mod fast;
pub mod format;
pub mod index;
pub mod parse_error;
pub mod parser;
pub mod yaml;
pub mod yaml_write;

pub use ast::PolicyFile;
pub use parser::parse;
