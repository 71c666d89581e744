//! `litcap recap decode URN` / `litcap recap encode JSON`

use super::common::{print_human, print_json, print_stdout};
use clap::Subcommand;
use litcap::diag::{exit, Code, Diagnostic, Diagnostics, Sources};
use litcap::Recap;

/// Prints one diagnostic that has no place in a file; returns exit code 1 for errors.
fn report(d: Diagnostic) -> u8 {
    let code = if d.is_error() { exit::ERRORS } else { exit::OK };
    print_human(&Diagnostics(vec![d]), &Sources::new());
    code
}

#[derive(clap::Args, Debug)]
pub struct RecapArgs {
    #[command(subcommand)]
    pub action: RecapAction,
}

#[derive(Subcommand, Debug)]
pub enum RecapAction {
    /// Decode a `urn:recap:` resource into its `{att, prf}` object (checks as the SDK does).
    #[command(after_help = "Example:\n  litcap recap decode urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ")]
    Decode {
        /// The `urn:recap:...` string.
        urn: String,
        /// Print the statement sentence instead of the object.
        #[arg(long)]
        statement: bool,
    },
    /// Encode an `{att, prf}` JSON object (`-` reads standard input) as a `urn:recap:` resource.
    #[command(after_help = "Example:\n  echo '{\"att\":{},\"prf\":[]}' | litcap recap encode -")]
    Encode {
        /// The JSON object, or `-` for standard input.
        json: String,
    },
}

pub fn run(args: RecapArgs) -> u8 {
    match args.action {
        RecapAction::Decode { urn, statement } => match Recap::decode(urn.trim()) {
            Ok(d) => {
                if !d.canonical {
                    report(
                        Diagnostic::new(
                            Code::RecapNotCanonical,
                            "the recap is accepted by the SDK but is not in canonical form",
                        )
                        .help(format!("the canonical form is `{}`", d.recap.encode())),
                    );
                }
                if statement {
                    print_stdout(&d.recap.statement())
                } else {
                    print_json(&d.recap.to_value())
                }
            }
            Err(e) => report(
                Diagnostic::new(Code::RecapInvalid, format!("cannot decode the recap: {e}")).help(
                    "pass the `urn:recap:...` resource exactly as it appears in the SIWE message",
                ),
            ),
        },
        RecapAction::Encode { json } => {
            let text = if json == litcap::internal::load::STDIN {
                match super::common::read_text(std::path::Path::new(litcap::internal::load::STDIN))
                {
                    Ok(t) => t.text,
                    Err(code) => return code,
                }
            } else {
                json
            };
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    let shown: String = text.trim().chars().take(60).collect();
                    let looks_like_path = !text.trim_start().starts_with(['{', '['])
                        && std::path::Path::new(text.trim()).is_file();
                    let help = if looks_like_path {
                        format!("`recap encode` takes the JSON object itself, or `-` for standard input; to encode the file run `litcap recap encode - < {}`", text.trim())
                    } else {
                        "pass the `{\"att\": {...}, \"prf\": [...]}` object itself (quoted for the shell), or `-` to read it from standard input".to_string()
                    };
                    return report(
                        Diagnostic::new(
                            Code::InvalidJson,
                            format!("the recap argument `{shown}` is not JSON: {e}"),
                        )
                        .help(help),
                    );
                }
            };
            match Recap::from_value_checked(&value, false) {
                Ok(r) => print_stdout(&r.encode()),
                Err(e) => report(
                    Diagnostic::new(Code::RecapInvalid, format!("the recap object cannot be encoded: {e}"))
                        .help("a recap is `{\"att\": {\"<resource>\": {\"<namespace>/<ability>\": [{}]}}, \"prf\": []}`"),
                ),
            }
        }
    }
}
