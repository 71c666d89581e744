//! A pest error of the policy grammar → one `syntax` diagnostic: the rules it expected, named
//! as the user writes them (`` `domain` ``, "a quoted string"), what was found instead, and a
//! did-you-mean for a misspelt keyword.

use super::parser::Rule;
use crate::diag::{Code, Diagnostic, FileId, Span};

/// What a grammar rule is called in messages.
fn describe(rule: &Rule) -> &'static str {
    match rule {
        Rule::item_at | Rule::grant | Rule::session | Rule::kw_grant | Rule::kw_session => {
            "`grant`, `session` or `network`"
        }
        Rule::domain | Rule::kw_domain => "`domain`",
        Rule::statement | Rule::kw_statement => "`statement`",
        Rule::chain_id | Rule::kw_chain_id => "`chain-id`",
        Rule::max_ttl | Rule::kw_max_ttl => "`max-ttl`",
        Rule::allow | Rule::kw_allow => "`allow`",
        Rule::signer | Rule::kw_signer => "`signer`",
        Rule::signer_kind => "a signer kind such as `pkp`",
        Rule::auth_action | Rule::kw_auth_action => "`auth-action`",
        Rule::ttl | Rule::kw_ttl => "`ttl`",
        Rule::request | Rule::kw_request => "`request`",
        Rule::kw_from => "`from`",
        Rule::kw_on => "`on`",
        Rule::where_clause | Rule::kw_where => "`where`",
        Rule::open | Rule::object => "`{`",
        Rule::close => "`}`",
        Rule::name | Rule::string | Rule::string_inner => "a quoted string",
        Rule::ability | Rule::ability_word | Rule::quoted_ability => {
            "an ability such as `pkp-signing` or `\"crud/read\"`"
        }
        Rule::network | Rule::kw_network => "`network`",
        Rule::integer => "a number",
        Rule::duration => "a duration such as `24h`",
        Rule::pair | Rule::key | Rule::identifier => "a key",
        Rule::value | Rule::number | Rule::json_true | Rule::json_false | Rule::json_null => {
            "a JSON value"
        }
        Rule::array => "`[`",
        _ => "something else",
    }
}

/// The keyword a rule stands for, for did-you-mean suggestions.
fn keyword(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::item_at | Rule::grant | Rule::kw_grant => "grant",
        Rule::session | Rule::kw_session => "session",
        Rule::domain | Rule::kw_domain => "domain",
        Rule::statement | Rule::kw_statement => "statement",
        Rule::chain_id | Rule::kw_chain_id => "chain-id",
        Rule::max_ttl | Rule::kw_max_ttl => "max-ttl",
        Rule::allow | Rule::kw_allow => "allow",
        Rule::signer | Rule::kw_signer => "signer",
        Rule::auth_action | Rule::kw_auth_action => "auth-action",
        Rule::ttl | Rule::kw_ttl => "ttl",
        Rule::request | Rule::kw_request => "request",
        Rule::kw_from => "from",
        Rule::kw_on => "on",
        Rule::where_clause | Rule::kw_where => "where",
        Rule::network | Rule::kw_network => "network",
        _ => return None,
    })
}

/// Whether a `"` at `at` opens a string that the line does not close.
fn unterminated_string_at(text: &str, at: usize) -> bool {
    let Some(rest) = text.get(at..) else {
        return false;
    };
    let Some(after) = rest.strip_prefix('"') else {
        return false;
    };
    let line = after.split('\n').next().unwrap_or("");
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return false,
            _ => escaped = false,
        }
    }
    true
}

/// The token found at `at`, for "found ..." in messages.
fn found_token(text: &str, at: usize) -> (String, usize) {
    let rest = &text[at.min(text.len())..];
    let Some(c) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    if c == '\n' || c == '\r' {
        return ("the end of the line".to_string(), 0);
    }
    if c.is_alphanumeric() || c == '-' || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
            .take(40)
            .collect();
        let len = word.len();
        return (format!("`{word}`"), len);
    }
    (format!("`{c}`"), c.len_utf8())
}

pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    at: usize,
    e: &pest::error::Error<Rule>,
) -> Diagnostic {
    let (found, len) = found_token(text, at);
    let span = Span::new(file, at, at + len);
    if unterminated_string_at(text, at) {
        let line_end = text[at..].find('\n').map(|i| at + i).unwrap_or(text.len());
        return Diagnostic::new(
            Code::Syntax,
            "this string is not closed before the end of the line",
        )
        .at(Span::new(file, at, line_end), "unterminated string")
        .help("strings are written on one line and end with `\"`");
    }
    match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<&str> = positives
                .iter()
                .filter(|r| !matches!(r, Rule::COMMENT | Rule::WHITESPACE))
                .map(describe)
                .collect();
            expected.dedup();
            let mut seen = Vec::new();
            expected.retain(|d| {
                let new = !seen.contains(d);
                seen.push(*d);
                new
            });
            let expected_text = match expected.len() {
                0 => "something else".to_string(),
                1 => expected[0].to_string(),
                n => format!("{} or {}", expected[..n - 1].join(", "), expected[n - 1]),
            };
            let in_string = positives.iter().any(|r| matches!(r, Rule::string_inner));
            let mut d = Diagnostic::new(
                Code::Syntax,
                format!("expected {expected_text}, found {found}"),
            )
            .at(span, "unexpected here");
            let word = found.trim_matches('`');
            let keywords: Vec<&str> = positives.iter().filter_map(keyword).collect();
            if in_string || found == "the end of the line" {
                d = d.help("strings are written on one line and end with `\"`");
            } else if let Some(s) = crate::suggest::closest(word, keywords.iter().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            } else if !keywords.is_empty() {
                d = d.help(format!(
                    "a block holds {}; see the language reference in the README",
                    keywords
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            d
        }
        pest::error::ErrorVariant::CustomError { message } => {
            Diagnostic::new(Code::Syntax, message.to_lowercase()).at(span, "")
        }
    }
}
