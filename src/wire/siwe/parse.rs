//! The EIP-4361 parser: SIWE message text → [`SiweMessage`] with the byte range of every
//! field ([`SiweSpans`]), and the grammar of each field value (statement, nonce, times,
//! address, chain id, request id) that the parser and [`super::validate`] share.
//!
//! Two flavors, because the two implementations on the path disagree:
//! - [`Flavor::Sdk`] is siwe 2.3.2 (what the Lit JS SDK v7 runs): the EIP-4361 ABNF, with the
//!   optional `scheme://` before the domain, statement and nonce by the grammar, dates that
//!   must exist;
//! - [`Flavor::Node`] is siwe-rs 0.5 as the Lit nodes run it: any statement without a line
//!   feed, any nonce of 8 or more characters, any request id, no `scheme://`.
//!
//! The RFC 3986 pieces (scheme, authority, URI) come from [`super::uri`].

use super::field_error::FieldError;
use super::uri::{
    check_authority, check_scheme, check_uri, is_gen_delim, is_pchar, is_sub_delim, is_unreserved,
    scan,
};
use super::{quote, Flavor, SiweMessage, PREAMBLE};
use crate::eth::{Address, AddressError};
use crate::time::{TimeError, Timestamp};
use std::ops::Range;

/// A part of a SIWE message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiweField {
    /// The first line, `<domain> wants you to sign in with your Ethereum account:`.
    Preamble,
    Scheme,
    Domain,
    Address,
    Statement,
    Uri,
    Version,
    ChainId,
    Nonce,
    IssuedAt,
    ExpirationTime,
    NotBefore,
    RequestId,
    Resources,
    /// Empty lines, line order, trailing text.
    Layout,
}

impl SiweField {
    /// The fields that hold a value of the message (all but `Preamble` and `Layout`).
    pub const ALL_VALUE_FIELDS: [SiweField; 13] = [
        SiweField::Scheme,
        SiweField::Domain,
        SiweField::Address,
        SiweField::Statement,
        SiweField::Uri,
        SiweField::Version,
        SiweField::ChainId,
        SiweField::Nonce,
        SiweField::IssuedAt,
        SiweField::ExpirationTime,
        SiweField::NotBefore,
        SiweField::RequestId,
        SiweField::Resources,
    ];

    /// The name siwe uses for the field in its JSON form (`chainId`, `issuedAt`).
    pub fn as_str(self) -> &'static str {
        match self {
            SiweField::Preamble => "preamble",
            SiweField::Scheme => "scheme",
            SiweField::Domain => "domain",
            SiweField::Address => "address",
            SiweField::Statement => "statement",
            SiweField::Uri => "uri",
            SiweField::Version => "version",
            SiweField::ChainId => "chainId",
            SiweField::Nonce => "nonce",
            SiweField::IssuedAt => "issuedAt",
            SiweField::ExpirationTime => "expirationTime",
            SiweField::NotBefore => "notBefore",
            SiweField::RequestId => "requestId",
            SiweField::Resources => "resources",
            SiweField::Layout => "layout",
        }
    }

    /// How the field is written in the message (`Chain ID`).
    pub fn label(self) -> &'static str {
        match self {
            SiweField::Preamble => "header",
            SiweField::Scheme => "scheme",
            SiweField::Domain => "domain",
            SiweField::Address => "address",
            SiweField::Statement => "statement",
            SiweField::Uri => "URI",
            SiweField::Version => "Version",
            SiweField::ChainId => "Chain ID",
            SiweField::Nonce => "Nonce",
            SiweField::IssuedAt => "Issued At",
            SiweField::ExpirationTime => "Expiration Time",
            SiweField::NotBefore => "Not Before",
            SiweField::RequestId => "Request ID",
            SiweField::Resources => "Resources",
            SiweField::Layout => "layout",
        }
    }

    /// siwe 2.3.2's `SiweErrorType` text for a field that fails validation.
    pub(super) fn sdk_message(self) -> &'static str {
        match self {
            SiweField::Domain => "Invalid domain.",
            SiweField::Address => "Invalid address.",
            SiweField::Uri => "URI does not conform to RFC 3986.",
            SiweField::Version => "Invalid message version.",
            SiweField::Nonce => "Nonce size smaller then 8 characters or is not alphanumeric.",
            SiweField::IssuedAt | SiweField::ExpirationTime | SiweField::NotBefore => {
                "Invalid time format."
            }
            _ => "Unable to parse the message.",
        }
    }

    /// How to fix a field that failed.
    pub fn help(self) -> &'static str {
        match self {
            SiweField::Preamble => "the first line must be `<domain> wants you to sign in with your Ethereum account:`",
            SiweField::Scheme => "write the scheme as a letter followed by letters, digits, `+`, `-` or `.` (e.g. `https://`), or drop it",
            SiweField::Domain => "use the RFC 3986 authority of the site asking for the signature, e.g. `app.example.com` or `localhost:3000`",
            SiweField::Address => "write the address in its EIP-55 checksummed form (what `ethers.utils.getAddress` returns)",
            SiweField::Statement => "keep the statement on one line, using letters, digits, spaces and `-._~:/?#[]@!$&'()*+,;=`",
            SiweField::Uri => "use an absolute RFC 3986 URI such as `lit:session:<session public key>` or `https://app.example.com/login`",
            SiweField::Version => "write `Version: 1`",
            SiweField::ChainId => "write the EIP-155 chain id as a decimal number, e.g. `Chain ID: 1`",
            SiweField::Nonce => "use at least 8 letters or digits (the Lit SDK uses the latest block hash)",
            SiweField::IssuedAt | SiweField::ExpirationTime | SiweField::NotBefore => "write an RFC 3339 date-time that exists, such as `2024-09-19T13:07:33.606Z` (what `new Date().toISOString()` returns)",
            SiweField::RequestId => "use only RFC 3986 path characters in the request id",
            SiweField::Resources => "list each resource on its own line as `- <RFC 3986 URI>`",
            SiweField::Layout => "EIP-4361 fixes the layout: header, address, an empty line, an optional one-line statement and an empty line, then `URI`, `Version`, `Chain ID`, `Nonce`, `Issued At`, then the optional `Expiration Time`, `Not Before`, `Request ID` and `Resources`, with no line break after the last line",
        }
    }
}

impl std::fmt::Display for SiweField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a SIWE message did not parse or validate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SiweParseError {
    /// The field that failed.
    pub field: SiweField,
    /// Lowercase; names the offending text in backticks.
    pub message: String,
    /// Byte range of the offending text in the message text (for [`SiweMessage::validate`],
    /// in [`SiweMessage::to_message`]; empty when built from fields that never had text).
    pub span: Range<usize>,
}

impl SiweParseError {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        self.field.help()
    }
}

/// Byte ranges of the field values in a message text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiweSpans {
    pub scheme: Option<Range<usize>>,
    pub domain: Range<usize>,
    pub address: Range<usize>,
    pub statement: Option<Range<usize>>,
    pub uri: Range<usize>,
    pub version: Range<usize>,
    pub chain_id: Range<usize>,
    pub nonce: Range<usize>,
    pub issued_at: Range<usize>,
    pub expiration_time: Option<Range<usize>>,
    pub not_before: Option<Range<usize>>,
    pub request_id: Option<Range<usize>>,
    /// One per resource, without the `- ` prefix.
    pub resources: Vec<Range<usize>>,
}

impl SiweSpans {
    /// The range of a field's value (the first resource for [`SiweField::Resources`]).
    pub fn get(&self, field: SiweField) -> Option<Range<usize>> {
        match field {
            SiweField::Scheme => self.scheme.clone(),
            SiweField::Domain | SiweField::Preamble => Some(self.domain.clone()),
            SiweField::Address => Some(self.address.clone()),
            SiweField::Statement => self.statement.clone(),
            SiweField::Uri => Some(self.uri.clone()),
            SiweField::Version => Some(self.version.clone()),
            SiweField::ChainId => Some(self.chain_id.clone()),
            SiweField::Nonce => Some(self.nonce.clone()),
            SiweField::IssuedAt => Some(self.issued_at.clone()),
            SiweField::ExpirationTime => self.expiration_time.clone(),
            SiweField::NotBefore => self.not_before.clone(),
            SiweField::RequestId => self.request_id.clone(),
            SiweField::Resources => self.resources.first().cloned(),
            SiweField::Layout => None,
        }
    }
}

pub(super) fn err(
    field: SiweField,
    span: Range<usize>,
    message: impl std::fmt::Display,
) -> SiweParseError {
    SiweParseError {
        field,
        message: message.to_string(),
        span,
    }
}

/// EIP-4361 `statement = *( reserved / unreserved / " " )`.
pub(super) fn check_statement(s: &str, flavor: Flavor) -> Result<(), FieldError> {
    if s.contains('\n') {
        return Err(FieldError::StatementLineBreak);
    }
    if flavor == Flavor::Node {
        return Ok(());
    }
    // Byte by byte: every allowed character is ASCII, so the first byte refused starts the
    // first character refused.
    let allowed = |b: u8| is_unreserved(b) || is_gen_delim(b) || is_sub_delim(b) || b == b' ';
    match s.bytes().position(|b| !allowed(b)) {
        Some(i) => Err(FieldError::StatementChar {
            found: s[i..].chars().next().unwrap_or('\u{fffd}'),
        }),
        None => Ok(()),
    }
}

pub(super) fn check_nonce(s: &str, flavor: Flavor) -> Result<(), FieldError> {
    let nonce = || s.to_string();
    match flavor {
        Flavor::Sdk => {
            if let Some(found) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
                return Err(FieldError::NonceChar {
                    nonce: nonce(),
                    found,
                });
            }
        }
        Flavor::Node => {
            if s.contains('\n') {
                return Err(FieldError::NonceLineBreak { nonce: nonce() });
            }
        }
    }
    if s.len() < 8 {
        return Err(FieldError::NonceTooShort { nonce: nonce() });
    }
    Ok(())
}

pub(super) fn check_time(field: SiweField, s: &str) -> Result<(), FieldError> {
    let value = s.to_string();
    match Timestamp::parse_rfc3339(s) {
        Ok(_) => Ok(()),
        Err(TimeError::Syntax(_)) => Err(FieldError::TimeSyntax { field, value }),
        Err(TimeError::OutOfRange(_)) => Err(FieldError::TimeOutOfRange { field, value }),
    }
}

pub(super) fn check_address(s: &str) -> Result<(), FieldError> {
    match Address::parse_checksummed(s) {
        Ok(_) => Ok(()),
        Err(AddressError::Checksum { expected, .. }) => Err(FieldError::AddressChecksum {
            address: s.to_string(),
            expected,
        }),
        Err(AddressError::Syntax(_)) if s.is_empty() => Err(FieldError::AddressEmpty),
        Err(AddressError::Syntax(_)) => Err(FieldError::NotAnAddress {
            address: s.to_string(),
        }),
    }
}

pub(super) fn check_chain_id(s: &str) -> Result<u64, FieldError> {
    let chain_id = || s.to_string();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::ChainIdSyntax {
            chain_id: chain_id(),
        });
    }
    s.parse::<u64>().map_err(|_| FieldError::ChainIdTooLarge {
        chain_id: chain_id(),
    })
}

pub(super) fn check_request_id(s: &str, flavor: Flavor) -> Result<(), FieldError> {
    let request_id = || s.to_string();
    match flavor {
        Flavor::Sdk => scan(s, is_pchar).map_err(|found| FieldError::RequestIdChar {
            request_id: request_id(),
            found,
        }),
        Flavor::Node if s.contains('\n') => Err(FieldError::RequestIdLineBreak {
            request_id: request_id(),
        }),
        Flavor::Node => Ok(()),
    }
}

// -------------------------------------------------------------------- parser ---

pub(super) const MANDATORY: [(SiweField, &str); 5] = [
    (SiweField::Uri, "URI: "),
    (SiweField::Version, "Version: "),
    (SiweField::ChainId, "Chain ID: "),
    (SiweField::Nonce, "Nonce: "),
    (SiweField::IssuedAt, "Issued At: "),
];
pub(super) const OPTIONAL: [(SiweField, &str); 4] = [
    (SiweField::ExpirationTime, "Expiration Time: "),
    (SiweField::NotBefore, "Not Before: "),
    (SiweField::RequestId, "Request ID: "),
    (SiweField::Resources, "Resources:"),
];

/// The field whose tag (`Nonce:`) starts the line, if any.
fn tag_of(line: &str) -> Option<SiweField> {
    MANDATORY
        .iter()
        .chain(OPTIONAL.iter())
        .find(|(_, tag)| line.starts_with(tag.trim_end()))
        .map(|(f, _)| *f)
}

fn describe(line: &str) -> String {
    if line.is_empty() {
        "an empty line".to_string()
    } else if let Some(f) = tag_of(line) {
        format!("the `{}:` line", f.label())
    } else {
        quote(line)
    }
}

pub(super) fn parse(
    text: &str,
    flavor: Flavor,
) -> Result<(SiweMessage, SiweSpans), SiweParseError> {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut start = 0;
    for l in text.split('\n') {
        lines.push((start, l));
        start += l.len() + 1;
    }
    let end = text.len();
    let line_span = |(s, l): (usize, &str)| s..s + l.len();
    let at = |i: usize| lines.get(i).copied();
    let mut msg = SiweMessage::default();
    let mut spans = SiweSpans::default();

    parse_header(at(0).unwrap_or((0, "")), flavor, &mut msg, &mut spans)?;
    // Address.
    let Some(addr) = at(1) else {
        return Err(err(
            SiweField::Address,
            end..end,
            "the message ends after its first line; the address is missing",
        ));
    };
    check_address(addr.1).map_err(|m| err(SiweField::Address, line_span(addr), m))?;
    msg.address = addr.1.to_string();
    spans.address = line_span(addr);

    let i = parse_statement(&lines, end, flavor, &mut msg, &mut spans)?;
    let i = parse_mandatory(&lines, i, end, flavor, &mut msg, &mut spans)?;
    parse_optional(&lines, i, flavor, &mut msg, &mut spans)?;
    Ok((msg, spans))
}

/// The first line: `[ scheme "://" ] domain " wants you to sign in with your Ethereum account:"`.
fn parse_header(
    first: (usize, &str),
    flavor: Flavor,
    msg: &mut SiweMessage,
    spans: &mut SiweSpans,
) -> Result<(), SiweParseError> {
    let line_span = |(s, l): (usize, &str)| s..s + l.len();
    let head = first.1.strip_suffix(PREAMBLE).ok_or_else(|| {
        err(
            SiweField::Preamble,
            line_span(first),
            format!(
                "the first line must end with `{}`, found {}",
                PREAMBLE.trim_start(),
                quote(first.1)
            ),
        )
    })?;
    let mut domain_start = 0;
    let mut domain = head;
    if let Some(i) = head.find("://") {
        if flavor == Flavor::Node {
            return Err(err(
                SiweField::Scheme,
                0..i + 3,
                format!(
                    "the Lit nodes' SIWE parser (siwe-rs 0.5) does not accept the scheme {} before the domain",
                    quote(&head[..i + 3])
                ),
            ));
        }
        let scheme = &head[..i];
        check_scheme(scheme).map_err(|m| err(SiweField::Scheme, 0..i, m))?;
        msg.scheme = Some(scheme.to_string());
        spans.scheme = Some(0..i);
        domain_start = i + 3;
        domain = &head[i + 3..];
    }
    spans.domain = domain_start..domain_start + domain.len();
    if domain.is_empty() {
        return Err(err(
            SiweField::Domain,
            spans.domain.clone(),
            "the domain before ` wants you to sign in with your Ethereum account:` is empty",
        ));
    }
    check_authority(domain).map_err(|m| {
        err(
            SiweField::Domain,
            spans.domain.clone(),
            format!("domain {} is not an RFC 3986 authority: {m}", quote(domain)),
        )
    })?;
    msg.domain = domain.to_string();

    Ok(())
}

/// `LF [ statement LF ] LF` after the address; returns the index of the `URI:` line.
fn parse_statement(
    lines: &[(usize, &str)],
    end: usize,
    flavor: Flavor,
    msg: &mut SiweMessage,
    spans: &mut SiweSpans,
) -> Result<usize, SiweParseError> {
    let line_span = |(s, l): (usize, &str)| s..s + l.len();
    let at = |i: usize| lines.get(i).copied();
    match at(2) {
        Some((_, "")) => {}
        Some(l) => {
            return Err(err(
                SiweField::Layout,
                line_span(l),
                format!(
                    "expected an empty line after the address, found {}",
                    describe(l.1)
                ),
            ))
        }
        None => {
            return Err(err(
                SiweField::Uri,
                end..end,
                "the message ends after the address; the `URI:` line is missing",
            ))
        }
    }
    let mut i = 3;
    match at(3) {
        None => {
            return Err(err(
                SiweField::Uri,
                end..end,
                "the message ends after the address; the `URI:` line is missing",
            ))
        }
        Some((_, "")) => i += 1,
        Some(stmt) => {
            let next = at(4);
            if stmt.1.starts_with("URI: ") && next.is_some_and(|(_, l)| !l.is_empty()) {
                return Err(err(
                    SiweField::Layout,
                    line_span(stmt),
                    "expected an empty line before the `URI:` line",
                ));
            }
            check_statement(stmt.1, flavor)
                .map_err(|m| err(SiweField::Statement, line_span(stmt), m))?;
            match next {
                Some((_, "")) => {}
                Some(l) => {
                    return Err(err(
                        SiweField::Statement,
                        line_span(l),
                        format!(
                            "the statement must be a single line followed by an empty line, found {} after it",
                            describe(l.1)
                        ),
                    ))
                }
                None => {
                    return Err(err(
                        SiweField::Uri,
                        end..end,
                        "the message ends after the statement; the `URI:` line is missing",
                    ))
                }
            }
            msg.statement = Some(stmt.1.to_string());
            spans.statement = Some(line_span(stmt));
            i += 2;
        }
    }

    Ok(i)
}

/// The mandatory fields from line `i`, in order; returns the index after them.
fn parse_mandatory(
    lines: &[(usize, &str)],
    mut i: usize,
    end: usize,
    flavor: Flavor,
    msg: &mut SiweMessage,
    spans: &mut SiweSpans,
) -> Result<usize, SiweParseError> {
    let line_span = |(s, l): (usize, &str)| s..s + l.len();
    let at = |i: usize| lines.get(i).copied();
    for (field, tag) in MANDATORY {
        let Some(line) = at(i) else {
            return Err(err(
                field,
                end..end,
                format!(
                    "the message ends where the `{}:` line is expected",
                    field.label()
                ),
            ));
        };
        i += 1;
        let Some(value) = line.1.strip_prefix(tag) else {
            let order = if tag_of(line.1).is_some() {
                " (EIP-4361 fixes the order of the fields)"
            } else {
                ""
            };
            return Err(err(
                field,
                line_span(line),
                format!(
                    "expected the `{}:` line, found {}{order}",
                    field.label(),
                    describe(line.1)
                ),
            ));
        };
        let span = line.0 + tag.len()..line.0 + line.1.len();
        let fail = |m: String| err(field, span.clone(), m);
        match field {
            SiweField::Uri => {
                check_uri(value).map_err(|m| {
                    fail(format!(
                        "the URI {} is not an RFC 3986 URI: {m}",
                        quote(value)
                    ))
                })?;
                msg.uri = value.to_string();
                spans.uri = span.clone();
            }
            SiweField::Version => {
                if value != "1" {
                    return Err(fail(format!(
                        "version {} is not `1`, the only EIP-4361 version",
                        quote(value)
                    )));
                }
                msg.version = value.to_string();
                spans.version = span.clone();
            }
            SiweField::ChainId => {
                msg.chain_id = check_chain_id(value).map_err(|e| fail(e.to_string()))?;
                spans.chain_id = span.clone();
            }
            SiweField::Nonce => {
                check_nonce(value, flavor).map_err(|e| fail(e.to_string()))?;
                msg.nonce = value.to_string();
                spans.nonce = span.clone();
            }
            _ => {
                check_time(field, value).map_err(|e| fail(e.to_string()))?;
                msg.issued_at = value.to_string();
                spans.issued_at = span.clone();
            }
        }
    }

    Ok(i)
}

/// The optional fields from line `i`, in order, then the resource list up to the end.
fn parse_optional(
    lines: &[(usize, &str)],
    mut i: usize,
    flavor: Flavor,
    msg: &mut SiweMessage,
    spans: &mut SiweSpans,
) -> Result<(), SiweParseError> {
    let line_span = |(s, l): (usize, &str)| s..s + l.len();
    let at = |i: usize| lines.get(i).copied();
    let mut stage = 0;
    let mut last = SiweField::IssuedAt;
    let mut resources: Option<Vec<String>> = None;
    while let Some(line) = at(i) {
        i += 1;
        let span_all = line_span(line);
        if resources.is_some() {
            if let Some(uri) = line.1.strip_prefix("- ") {
                let span = line.0 + 2..line.0 + line.1.len();
                check_uri(uri).map_err(|m| {
                    err(
                        SiweField::Resources,
                        span.clone(),
                        format!("resource {} is not an RFC 3986 URI: {m}", quote(uri)),
                    )
                })?;
                resources.get_or_insert_with(Vec::new).push(uri.to_string());
                spans.resources.push(span);
                continue;
            }
        }
        let optional = OPTIONAL
            .iter()
            .position(|(_, tag)| line.1.starts_with(tag.trim_end()));
        match optional {
            Some(k) if k >= stage && resources.is_none() => {
                let (field, tag) = OPTIONAL[k];
                stage = k + 1;
                last = field;
                if field == SiweField::Resources {
                    if line.1 != tag {
                        return Err(err(
                            field,
                            span_all,
                            format!(
                                "`Resources:` must be alone on its line, found {}",
                                quote(line.1)
                            ),
                        ));
                    }
                    resources = Some(Vec::new());
                    continue;
                }
                let Some(value) = line.1.strip_prefix(tag) else {
                    return Err(err(
                        field,
                        span_all,
                        format!(
                            "expected `{tag}` followed by a value, found {}",
                            quote(line.1)
                        ),
                    ));
                };
                let span = line.0 + tag.len()..line.0 + line.1.len();
                let fail = |m: String| err(field, span.clone(), m);
                match field {
                    SiweField::ExpirationTime => {
                        check_time(field, value).map_err(|e| fail(e.to_string()))?;
                        msg.expiration_time = Some(value.to_string());
                        spans.expiration_time = Some(span.clone());
                    }
                    SiweField::NotBefore => {
                        check_time(field, value).map_err(|e| fail(e.to_string()))?;
                        msg.not_before = Some(value.to_string());
                        spans.not_before = Some(span.clone());
                    }
                    _ => {
                        check_request_id(value, flavor).map_err(|e| fail(e.to_string()))?;
                        msg.request_id = Some(value.to_string());
                        spans.request_id = Some(span.clone());
                    }
                }
            }
            Some(k) => {
                let field = OPTIONAL[k].0;
                return Err(err(
                    field,
                    span_all,
                    format!(
                        "the `{}:` line comes after the `{}:` line; EIP-4361 orders them `Expiration Time`, `Not Before`, `Request ID`, `Resources`",
                        field.label(),
                        last.label()
                    ),
                ));
            }
            None => {
                if let Some(field) = tag_of(line.1) {
                    return Err(err(
                        field,
                        span_all,
                        format!("a second `{}:` line", field.label()),
                    ));
                }
                if resources.is_some() {
                    return Err(err(
                        SiweField::Resources,
                        span_all,
                        format!(
                            "expected a resource line `- <uri>`, found {}",
                            describe(line.1)
                        ),
                    ));
                }
                if line.1.is_empty() && i == lines.len() {
                    return Err(err(
                        SiweField::Layout,
                        line.0.saturating_sub(1)..line.0,
                        "the message ends with a line break; nothing may follow its last line",
                    ));
                }
                return Err(err(
                    SiweField::Layout,
                    span_all,
                    format!(
                        "unexpected {} after the `{}:` line",
                        describe(line.1),
                        last.label()
                    ),
                ));
            }
        }
    }
    msg.resources = resources;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_shortens_and_escapes() {
        assert_eq!(quote("a\nb"), "`a\\nb`");
        assert!(quote(&"x".repeat(100)).ends_with("…`"));
    }

    #[test]
    fn statement_characters_first_refused() {
        let found = |s: &str| match check_statement(s, Flavor::Sdk) {
            Err(FieldError::StatementChar { found }) => Some(found),
            _ => None,
        };
        assert_eq!(
            found("I agree: (1) 'a/b' for 'x://*'. ~!$&*+,;=?#[]@-_."),
            None
        );
        assert_eq!(found("caf\u{e9} ok"), Some('\u{e9}'));
        assert_eq!(found("a\tb\u{e9}"), Some('\t'));
        assert_eq!(found("ok \u{1f600}"), Some('\u{1f600}'));
        assert_eq!(found("say \"hi\""), Some('"'));
        assert_eq!(found("50%"), Some('%'));
        assert!(check_statement("caf\u{e9}", Flavor::Node).is_ok());
    }
}
