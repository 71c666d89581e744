//! `litcap man [--out-dir DIR]`: the manual page (roff), on stdout or one page per command.

use clap::CommandFactory;
use litcap::diag::exit;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write `litcap.1` and one `litcap-<command>.1` per command into this directory instead
    /// of printing `litcap.1`.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

pub fn run(args: ManArgs) -> u8 {
    let cmd = super::Cli::command();
    if let Some(dir) = &args.out_dir {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return super::common::usage_error(format!("cannot create `{}`: {e}", dir.display()));
        }
        return match clap_mangen::generate_to(cmd, dir) {
            Ok(()) => exit::OK,
            Err(e) => {
                super::common::usage_error(format!("cannot write into `{}`: {e}", dir.display()))
            }
        };
    }
    let mut buf = Vec::new();
    if let Err(e) = clap_mangen::Man::new(cmd).render(&mut buf) {
        return super::common::usage_error(format!("cannot render the manual page: {e}"));
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(&buf).and_then(|_| out.flush()) {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => super::common::usage_error(format!("could not write output: {e}")),
    }
}
