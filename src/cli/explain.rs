//! `litcap explain FILE... --session NAME "<ability> on <resource>"`, and
//! `litcap explain --authsig FILE [--network-key HEX | --handshake URL] [--at T]`: an AuthSig
//! in words (for a PKP / Lit Action session, its auth context).

use super::common;
use litcap::diag::{exit, Diagnostics};
use litcap::internal::verify::explain;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(
    override_usage = "litcap explain [OPTIONS] --session <SESSION> <FILE>... <QUESTION>\n       litcap explain --authsig <FILE> [--network-key <HEX> | --handshake <URL>] [--at <T>]"
)]
pub struct ExplainArgs {
    /// The policy files, read together (each may be several joined with commas), then the
    /// request: `"<ability> on <resource>"`, e.g. `"pkp-signing on lit-pkp://0x..."`.
    #[arg(
        required_unless_present = "authsig",
        num_args = 1..,
        value_name = "FILE... QUESTION"
    )]
    pub args: Vec<String>,
    /// The session to ask about.
    #[arg(long, required_unless_present = "authsig")]
    pub session: Option<String>,
    /// Explain this AuthSig instead: who signed it, whether its signature holds, what it
    /// grants, and for a PKP / Lit Action session (`lit.bls`) which PKP, Lit Actions and auth
    /// methods minted it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["args", "session"])]
    pub authsig: Option<PathBuf>,
    /// With `--authsig`: the instant to judge its time window at (RFC 3339; default now).
    #[arg(long, value_name = "T", requires = "authsig")]
    pub at: Option<String>,
    #[command(flatten)]
    pub netkey: super::netkey::NetworkKeyArgs,
    #[command(flatten)]
    pub net: super::network::NetworkArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::compile::OutputFormat,
}

pub fn run(args: ExplainArgs) -> u8 {
    if let Some(path) = &args.authsig {
        return explain_authsig(path, &args);
    }
    if args.netkey.network_key.is_some() || args.netkey.handshake.is_some() {
        return common::usage_error_help(
            "`--network-key` and `--handshake` verify an AuthSig: they go with `--authsig FILE`",
            "e.g. `litcap explain --authsig authsig.json --network-key HEX`",
        );
    }
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
    if let Err(code) = super::network::for_policy(args.net.network, &loaded.policy) {
        return code;
    }
    let session_name = args.session.as_deref().unwrap_or_default();
    let session = match litcap::internal::compile::find_session(&loaded.policy, session_name) {
        Ok(s) => s,
        Err(d) => {
            common::print_human(&Diagnostics(vec![*d]), &loaded.sources);
            return exit::ERRORS;
        }
    };
    let (ability, resource) = match explain::parse_question_in(question, loaded.policy.profile()) {
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
                // ERC-5573 has no Lit nodes: the relying party reads the recap.
                let judge = if loaded.policy.profile().is_lit() {
                    "the nodes"
                } else {
                    "the relying party"
                };
                format!(
                    "no: {judge} would refuse `{} on {}` for session `{}`\n\n",
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
                .map(|a| location(&loaded.sources, a.span()));
            let requested_by = e
                .requested_by
                .as_ref()
                .map(|a| location(&loaded.sources, a.span()));
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

/// `explain --authsig FILE`: the AuthSig in words; exit 0 when its signature holds and it is
/// valid at `--at`, 1 otherwise (a `lit.bls` AuthSig without a network key included).
fn explain_authsig(path: &std::path::Path, args: &ExplainArgs) -> u8 {
    use litcap::internal::time::Timestamp;
    let at = match args.at.as_deref().map(Timestamp::parse_rfc3339) {
        None => Timestamp::now(),
        Some(Ok(t)) => t,
        Some(Err(e)) => return common::usage_error(format!("--at: {e}")),
    };
    let text = match common::read_text(path) {
        Ok(t) => t,
        Err(code) => return code,
    };
    // The network decides the shape of a handshake's answer (`--handshake`).
    let network_key = match args.netkey.resolve(args.net.get().profile()) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let mut sources = litcap::diag::Sources::new();
    let id = sources.add(text.name.clone(), text.text.clone());
    let file = match litcap::internal::wire::authsig::AuthSigFile::parse(id, &text.text) {
        Ok(f) => f,
        Err(d) => {
            common::print_human(&d, &sources);
            return exit::ERRORS;
        }
    };
    let e = litcap::internal::verify::explain_authsig::explain_authsig(
        &file.authsig,
        &litcap::internal::profile::DATIL,
        network_key.as_ref(),
        at,
    );
    let verdict = if e.ok { "usable" } else { "NOT usable" };
    let printed = match args.format {
        super::compile::OutputFormat::Human => common::print_stdout(&format!(
            "AuthSig `{}` ({verdict}):\n{}",
            text.name,
            e.text
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
        )),
        super::compile::OutputFormat::Json => common::print_json(&serde_json::json!({
            "authSig": text.name,
            "ok": e.ok,
            "explanation": e.text.lines().collect::<Vec<_>>(),
        })),
    };
    if printed != exit::OK {
        return printed;
    }
    if e.ok {
        exit::OK
    } else {
        exit::ERRORS
    }
}
