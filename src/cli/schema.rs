//! `litcap schema NAME`: prints one of the published JSON Schemas.

use super::common::{print_stdout, usage_error};
use litcap::schema::Schema;

#[derive(clap::Args, Debug)]
pub struct SchemaArgs {
    /// Which schema: `policy`, `authsig`, `sessionsigs`, `recap`, `check-report` or
    /// `verify-report`.
    #[arg(value_parser = schema_name)]
    pub name: Schema,
}

fn schema_name(s: &str) -> Result<Schema, String> {
    Schema::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Schema::ALL.iter().map(|s| s.name()).collect();
        let hint = litcap::suggest::closest(s, names.iter().copied())
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        format!(
            "unknown schema `{s}`{hint}; the schemas are {}",
            names.join(", ")
        )
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
