//! `litcap fmt [--check] FILE...`

use super::common::usage_error;
use litcap::diag::{exit, Diagnostics, Sources};
use litcap::load::{self, PolicyFormat};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Only report files that are not formatted (exit 1); change nothing.
    #[arg(long)]
    pub check: bool,
    /// Policy files in the litcap language.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(args: FmtArgs) -> u8 {
    let mut status = exit::OK;
    for path in &args.files {
        if PolicyFormat::from_path(path) != PolicyFormat::Dsl {
            return usage_error(format!(
                "`{}` is YAML or JSON; `fmt` formats the litcap language (use `convert` to turn it into `.litcap`)",
                path.display()
            ));
        }
        let bytes = match load::read_limited(path) {
            Ok(b) => b,
            Err(e) => return usage_error(e),
        };
        let name = path.display().to_string();
        let mut sources = Sources::new();
        let text = match load::decode_utf8(&name, bytes) {
            Ok(t) => t,
            Err(d) => {
                super::common::print_human(&Diagnostics(vec![d]), &sources);
                status = exit::ERRORS;
                continue;
            }
        };
        let id = sources.add(name.clone(), text.clone());
        let (file, diags) = litcap::syntax::parse(id, &text);
        if diags.has_errors() {
            super::common::print_human(&diags, &sources);
            status = exit::ERRORS;
            continue;
        }
        let formatted = litcap::syntax::format::format(&file, &text);
        if formatted == text {
            continue;
        }
        if args.check {
            eprintln!("{}: not formatted (run `litcap fmt {}`)", name, name);
            status = exit::ERRORS;
            continue;
        }
        let mode = file_mode(path);
        if let Err(e) = litcap::fsutil::write_atomic(path, formatted.as_bytes(), mode) {
            return usage_error(format!("cannot write `{}`: {e}", path.display()));
        }
    }
    status
}

#[cfg(unix)]
fn file_mode(path: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &std::path::Path) -> Option<u32> {
    None
}
