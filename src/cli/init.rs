//! `litcap init [--from-authsig FILE [--from-sessionsigs FILE...]] [--name NAME]
//! [--to dsl|yaml|json] [-o FILE [--force]]`
//!
//! With an AuthSig: the policy that reproduces it (see `litcap::infer`), then what `check`
//! says about it on stderr. Without: a commented starter policy.

use super::common::{print_human, print_stdout, usage_error};
use super::convert::Target;
use litcap::diag::{exit, Diagnostics, Sources};
use litcap::internal::infer::{self, Input};
use litcap::internal::load::{self, PolicyFormat};
use litcap::internal::syntax::yaml;
use litcap::internal::verify::check::{self, CheckOptions};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// An AuthSig (JSON) whose grant the policy reproduces.
    #[arg(long, value_name = "FILE")]
    pub from_authsig: Option<PathBuf>,
    /// SessionSigs (JSON) made under that AuthSig: one session per distinct request list.
    #[arg(long, value_name = "FILE", requires = "from_authsig", num_args = 1..)]
    pub from_sessionsigs: Vec<PathBuf>,
    /// The grant's name (default: the SIWE domain); sessions are named after it.
    #[arg(long, requires = "from_authsig")]
    pub name: Option<String>,
    /// The form to write (default: from the `-o` file's extension, else the DSL).
    #[arg(long, value_enum)]
    pub to: Option<Target>,
    /// Write the policy to this file (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the `-o` file if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
}

pub fn run(args: InitArgs) -> u8 {
    if let Some(out) = &args.output {
        if out.exists() && !args.force {
            return usage_error(format!(
                "`{}` exists; pass `--force` to overwrite it",
                out.display()
            ));
        }
    }
    let target = args.to.unwrap_or(match args.output.as_deref() {
        Some(p) => match PolicyFormat::from_path(p) {
            PolicyFormat::Dsl => Target::Dsl,
            PolicyFormat::Yaml => Target::Yaml,
            PolicyFormat::Json => Target::Json,
        },
        None => Target::Dsl,
    });
    let mut sources = Sources::new();
    let (dsl, summary) = match &args.from_authsig {
        None => (infer::STARTER.to_string(), None),
        Some(path) => {
            let mut texts = Vec::new();
            for p in std::iter::once(path).chain(&args.from_sessionsigs) {
                let bytes = match load::read_limited(p) {
                    Ok(b) => b,
                    Err(e) => return usage_error(e),
                };
                let name = p.display().to_string();
                match load::decode_utf8(&name, bytes) {
                    Ok(t) => texts.push((name, t)),
                    Err(d) => {
                        print_human(&Diagnostics(vec![d]), &sources);
                        return exit::ERRORS;
                    }
                }
            }
            for (name, text) in &texts {
                sources.add(name.clone(), text.clone());
            }
            let inputs: Vec<Input> = texts
                .iter()
                .enumerate()
                .map(|(file, (name, text))| Input { file, name, text })
                .collect();
            match infer::infer(inputs[0], &inputs[1..], args.name.as_deref()) {
                Ok(inferred) if inferred.pkp => {
                    let summary = format!(
                        "inferred grant `{}` (signer pkp) and {} session(s) from the PKP session AuthSig `{}`; `litcap check FILE --authsig {} --network-key HEX` proves it fits",
                        inferred.grant,
                        inferred.sessions.len(),
                        inputs[0].name,
                        inputs[0].name,
                    );
                    (inferred.text, Some(summary))
                }
                Ok(inferred) => {
                    let summary = format!(
                        "inferred grant `{}` and {} session(s) from `{}`; `litcap compile FILE {}` gives back its SIWE message",
                        inferred.grant,
                        inferred.sessions.len(),
                        inputs[0].name,
                        inferred.compile_flags()
                    );
                    (inferred.text, Some(summary))
                }
                Err(d) => {
                    print_human(&d, &sources);
                    return exit::ERRORS;
                }
            }
        }
    };
    let out_name = args
        .output
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "<stdout>".to_string());
    let rendered = match render(&dsl, target) {
        Ok(r) => r,
        Err(d) => {
            print_human(&d, &sources);
            return exit::ERRORS;
        }
    };
    let code = match &args.output {
        Some(path) => match litcap::internal::fsutil::write_atomic(path, rendered.as_bytes(), None)
        {
            Ok(()) => exit::OK,
            Err(e) => usage_error(format!("cannot write `{}`: {e}", path.display())),
        },
        None => print_stdout(&rendered),
    };
    if code != exit::OK {
        return code;
    }
    if let Some(s) = summary {
        eprintln!("{s}");
    }
    // What `check` says about the written policy.
    let format = match target {
        Target::Dsl => PolicyFormat::Dsl,
        Target::Yaml => PolicyFormat::Yaml,
        Target::Json => PolicyFormat::Json,
    };
    let mut loaded = load::load_inputs(vec![(out_name, format, rendered.into_bytes())]);
    loaded.diagnostics.apply_suppressions(&loaded.sources);
    let report = check::check_policy(&loaded, &CheckOptions::default());
    print_human(&report.diagnostics, &loaded.sources);
    eprintln!("check: {}", report.summary());
    report.exit_code(false)
}

/// The DSL text in the requested form (comments kept in YAML, dropped in JSON).
fn render(dsl: &str, target: Target) -> Result<String, Diagnostics> {
    if target == Target::Dsl {
        return Ok(dsl.to_string());
    }
    let (file, diags) = litcap::internal::syntax::parse(0, dsl);
    if diags.has_errors() {
        return Err(diags);
    }
    match target {
        Target::Yaml => yaml::to_yaml(&file, dsl),
        _ => yaml::to_json(&file),
    }
}
