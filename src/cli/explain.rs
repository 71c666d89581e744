//! `litcap explain FILE... --session NAME "<ability> on <resource>"`

use super::common;
use litcap::diag::{exit, Diagnostics};
use litcap::internal::verify::explain;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(override_usage = "litcap explain [OPTIONS] --session <SESSION> <FILE>... <QUESTION>")]
pub struct ExplainArgs {
    /// The policy files, read together (each may be several joined with commas), then the
    /// request: `"<ability> on <resource>"`, e.g. `"pkp-signing on lit-pkp://0x..."`.
    #[arg(required = true, num_args = 1.., value_name = "FILE... QUESTION")]
    pub args: Vec<String>,
    /// The session to ask about.
    #[arg(long)]
    pub session: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::compile::OutputFormat,
}

pub fn run(args: ExplainArgs) -> u8 {
    let (question, files) = match args.args.split_last() {
        Some((q, files)) if !files.is_empty() => (q, files),
        _ => return common::usage_error_help(
            "`explain` needs the policy files and then the question",
            "e.g. `litcap explain policy.litcap --session NAME \"pkp-signing on lit-pkp://0x...\"`",
        ),
    };
    let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    let loaded = match common::load_policy(&files) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if loaded.diagnostics.has_errors() {
        return exit::ERRORS;
    }
    let session = match litcap::internal::compile::find_session(&loaded.policy, &args.session) {
        Ok(s) => s,
        Err(d) => {
            common::print_human(&Diagnostics(vec![*d]), &loaded.sources);
            return exit::ERRORS;
        }
    };
    let (ability, resource) = match explain::parse_question(question) {
        Ok(q) => q,
        Err(e) => return common::usage_error(e),
    };
    let e = explain::explain(&loaded.policy, session, ability, resource);
    let status = if e.ok() { exit::OK } else { exit::ERRORS };
    match args.format {
        super::compile::OutputFormat::Human => {
            let diags = Diagnostics(e.to_diagnostics());
            let text = common::render_human(&diags, &loaded.sources);
            let verdict = if e.ok() {
                format!(
                    "yes: session `{}` may use `{} on {}`\n\n",
                    e.session, e.ability, e.resource
                )
            } else {
                format!(
                    "no: the nodes would refuse `{} on {}` for session `{}`\n\n",
                    e.ability, e.resource, e.session
                )
            };
            let printed = common::print_stdout(&format!("{verdict}{text}"));
            if printed != exit::OK {
                return printed;
            }
        }
        super::compile::OutputFormat::Json => {
            let allowed_by = e
                .allowed_by
                .as_ref()
                .map(|a| location(&loaded.sources, a.span));
            let requested_by = e
                .requested_by
                .as_ref()
                .map(|a| location(&loaded.sources, a.span));
            let reason = match &e.verdict {
                litcap::internal::coverage::Verdict::NotCovered(gap) => {
                    Some(explain::gap_reason(gap))
                }
                _ => None,
            };
            let printed = common::print_json(&serde_json::json!({
                "session": e.session,
                "grant": e.grant,
                "ability": e.ability.as_str(),
                "resource": e.resource.key(),
                "ok": e.ok(),
                "requested": e.requested_by.is_some(),
                "requestedBy": requested_by,
                "covered": e.verdict.is_covered(),
                "allowedBy": allowed_by,
                "reason": reason,
                "fix": e.fix,
            }));
            if printed != exit::OK {
                return printed;
            }
        }
    }
    status
}

fn location(sources: &litcap::diag::Sources, span: litcap::diag::Span) -> serde_json::Value {
    let Some(f) = sources.get(span.file) else {
        return serde_json::Value::Null;
    };
    let (line, column) = f.line_col(span.start);
    let text = f.text().get(span.start..span.end).unwrap_or_default();
    serde_json::json!({"file": f.name(), "line": line, "column": column, "text": text})
}
