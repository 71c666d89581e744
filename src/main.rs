//! The `litcap` command line: a thin layer over the library.

#![forbid(unsafe_code)]
#![allow(clippy::result_large_err)]

mod cli;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cli::main())
}
