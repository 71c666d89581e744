//! `litcap fmt [--check] FILE...` (`-`: standard input to standard output)

use super::common::usage_error;
use litcap::diag::{exit, Diagnostics, Sources};
use litcap::internal::load::{self, PolicyFormat};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Only report files that are not formatted (exit 1); change nothing.
    #[arg(long)]
    pub check: bool,
    /// Policy files in the litcap language; `-` reads standard input and writes the formatted
    /// text to standard output.
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
        let input = match load::read_text(path) {
            Ok(t) => t,
            Err(load::ReadError::Io(e)) => return super::common::io_error(&e),
            Err(load::ReadError::NotUtf8(d)) => {
                super::common::print_human(&Diagnostics(vec![*d]), &Sources::new());
                status = exit::ERRORS;
                continue;
            }
        };
        let name = input.name.clone();
        let text = input.text.clone();
        let mut sources = Sources::new();
        let id = sources.add(name.clone(), text.clone());
        let (file, diags) = litcap::internal::syntax::parse(id, &text);
        if diags.has_errors() {
            super::common::print_human(&diags, &sources);
            status = exit::ERRORS;
            continue;
        }
        let formatted = litcap::internal::syntax::format::format(&file, &text);
        // `fmt` writes UTF-8 without a byte order mark, with LF line endings.
        let encoding = match (input.had_crlf, input.had_bom) {
            (true, true) => Some("the line endings (CRLF) and the byte order mark differ; `litcap fmt` writes LF and no byte order mark"),
            (true, false) => Some("the line endings differ (CRLF; `litcap fmt` writes LF)"),
            (false, true) => Some("the byte order mark differs (`litcap fmt` writes UTF-8 without one)"),
            (false, false) => None,
        };
        let stdin = path.as_os_str() == load::STDIN;
        if stdin && !args.check {
            // `fmt -` (editors' format-on-save): the formatted text on stdout, always.
            let printed = super::common::print_stdout(&formatted);
            if printed != exit::OK {
                return printed;
            }
            continue;
        }
        if formatted == text && encoding.is_none() {
            continue;
        }
        if args.check {
            let why = match encoding {
                Some(e) if formatted == text => format!(": only {e}"),
                _ => String::new(),
            };
            eprintln!("{name}: not formatted{why} (run `litcap fmt {name}`)");
            status = exit::ERRORS;
            continue;
        }
        let mode = file_mode(path);
        if let Err(e) = litcap::internal::fsutil::write_atomic(path, formatted.as_bytes(), mode) {
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
