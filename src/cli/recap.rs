//! `litcap recap decode URN` / `litcap recap encode JSON`

use super::common::{print_json, print_stdout, usage_error};
use clap::Subcommand;
use litcap::diag::exit;
use litcap::recap::Recap;

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
                    eprintln!("warning[recap-not-canonical]: the input is accepted by the SDK but is not canonical; canonical form: {}", d.recap.encode());
                }
                if statement {
                    print_stdout(&d.recap.statement())
                } else {
                    print_json(&d.recap.to_value())
                }
            }
            Err(e) => {
                eprintln!("error[recap-invalid]: cannot decode the recap: {e}");
                exit::ERRORS
            }
        },
        RecapAction::Encode { json } => {
            let text = if json == "-" {
                let mut s = String::new();
                if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
                    return usage_error(format!("cannot read standard input: {e}"));
                }
                s
            } else {
                json
            };
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("error[invalid-json]: the recap is not JSON: {e}");
                    return exit::ERRORS;
                }
            };
            match Recap::from_value_checked(&value, false) {
                Ok(r) => print_stdout(&r.encode()),
                Err(e) => {
                    eprintln!("error[recap-invalid]: {e}");
                    exit::ERRORS
                }
            }
        }
    }
}
