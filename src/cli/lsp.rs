//! `litcap lsp`: the language server, over standard input and output.

#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: LspArgs) -> u8 {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    match litcap::internal::lsp::serve(stdin.lock(), stdout.lock()) {
        Ok(code) => code,
        Err(e) => super::common::usage_error(format!("language server: {e}")),
    }
}
