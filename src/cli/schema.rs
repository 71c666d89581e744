//! `litcap schema NAME`: prints one of the published JSON Schemas.

use super::common::{print_stdout, usage_error};
use litcap::Schema;

#[derive(clap::Args, Debug)]
pub struct SchemaArgs {
    /// Which schema: `policy`, `authsig`, `sessionsigs`, `recap`, `check-report` or
    /// `verify-report`.
    #[arg(value_parser = schema_name)]
    pub name: Schema,
}

/// A schema name `litcap schema` does not know (clap prints it as the usage error).
#[derive(Debug, thiserror::Error)]
#[error("unknown schema `{name}`{}; the schemas are {}", .suggestion.map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default(), names().join(", "))]
struct UnknownSchema {
    name: String,
    suggestion: Option<&'static str>,
}

fn names() -> Vec<&'static str> {
    Schema::ALL.iter().map(|s| s.name()).collect()
}

fn schema_name(s: &str) -> Result<Schema, UnknownSchema> {
    Schema::parse(s).ok_or_else(|| UnknownSchema {
        name: s.to_string(),
        suggestion: litcap::internal::suggest::closest(s, names()),
    })
}

pub fn run(args: SchemaArgs) -> u8 {
    let text = args.name.text();
    if text.trim().is_empty() {
        return usage_error(format!(
            "the `{}` schema is missing from this build",
            args.name.name()
        ));
    }
    print_stdout(text)
}
