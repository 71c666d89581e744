//! `litcap diff OLD NEW [--fail-on-widen]`

use super::common;
use litcap::diag::exit;
use litcap::internal::verify::diff;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The policy before the change (a file, or several joined with commas).
    pub old: PathBuf,
    /// The policy after the change (a file, or several joined with commas).
    pub new: PathBuf,
    /// Exit with 1 when the change widens privileges.
    #[arg(long)]
    pub fail_on_widen: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::compile::OutputFormat,
}

pub fn run(args: DiffArgs) -> u8 {
    let old = match common::load_policy(std::slice::from_ref(&args.old)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let new = match common::load_policy(std::slice::from_ref(&args.new)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if old.diagnostics.has_errors() || new.diagnostics.has_errors() {
        eprintln!("not compared: the policies have the errors above; fix them first");
        return exit::ERRORS;
    }
    let changes = diff::diff(&old.policy, &new.policy);
    let printed = match args.format {
        super::compile::OutputFormat::Human => common::print_stdout(&diff::render(&changes)),
        super::compile::OutputFormat::Json => common::print_json(&diff::to_json(&changes)),
    };
    if printed != exit::OK {
        return printed;
    }
    if args.fail_on_widen && changes.iter().any(|c| c.widens) {
        return exit::ERRORS;
    }
    exit::OK
}
