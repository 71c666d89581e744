//! `litcap convert FILE --to dsl|yaml|json`: one policy file in another form, on stdout.
//!
//! The conversion keeps everything the syntax tree holds. Comments: DSL → YAML and YAML → YAML
//! keep them (own-line comments above what follows them, end-of-line comments on their line);
//! YAML → DSL keeps them except the `# yaml-language-server:` line; JSON has no comments, so
//! converting to JSON drops them (said on stderr).

use super::common::{print_human, print_stdout};
use litcap::diag::{exit, Sources};
use litcap::internal::load::{self, PolicyFormat};
use litcap::internal::syntax::{format, yaml};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// The policy file (`.litcap`, `.litcap.yaml`/`.yml` or `.litcap.json`).
    pub file: PathBuf,
    /// The form to write.
    #[arg(long, value_enum)]
    pub to: Target,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    Dsl,
    Yaml,
    Json,
}

pub fn run(args: ConvertArgs) -> u8 {
    let path = &args.file;
    let input = match super::common::read_text(path) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let name = input.name;
    let text = input.text;
    let mut sources = Sources::new();
    let id = sources.add(name.clone(), text.clone());
    let (mut file, diags) = load::parse_text(id, &text, PolicyFormat::from_path(path));
    if diags.has_errors() {
        print_human(&diags, &sources);
        return exit::ERRORS;
    }
    // The source's layout, for placing comments and blank lines.
    let layout = match PolicyFormat::from_path(path) {
        PolicyFormat::Dsl => text.clone(),
        PolicyFormat::Yaml => yaml::layout_text(&text),
        // JSON has no comments, and its line breaks mean nothing in the other forms.
        PolicyFormat::Json => String::new(),
    };
    let converted = match args.to {
        Target::Dsl => {
            file.comments.retain(|c| !yaml::is_modeline(c));
            Ok(format::format(&file, &layout))
        }
        Target::Yaml => yaml::to_yaml(&file, &layout),
        Target::Json => {
            if !file.comments.is_empty() {
                super::common::print_note(format!(
                    "JSON has no comments; the {} comment(s) of `{name}` are not in the output",
                    file.comments.len()
                ));
            }
            yaml::to_json(&file)
        }
    };
    match converted {
        Ok(out) => print_stdout(&out),
        Err(d) => {
            print_human(&d, &sources);
            exit::ERRORS
        }
    }
}
