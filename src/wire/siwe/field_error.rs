//! Why one SIWE field's value is not what EIP-4361 (or the nodes' parser) accepts: the typed
//! answers of the field checks in `parse` and `uri`. A [`SiweParseError`](super::SiweParseError)
//! carries one as its message, with the field and its span; every one is `siwe-syntax`.
//!
//! The messages are lowercase and name the value in backticks (`quote` shortens and escapes
//! it); they are the text users see in `check --authsig`, `verify` and the golden tests, so
//! changing one changes output.

use super::{quote, show_char};
use crate::diag::Code;
use crate::wire::siwe::SiweField;
use std::fmt;

/// Where in a URI a character is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriPart {
    UserInfo,
    Host,
    Query,
    Fragment,
    Path,
}

impl UriPart {
    fn phrase(self) -> &'static str {
        match self {
            UriPart::UserInfo => "the user information",
            UriPart::Host => "a host name",
            UriPart::Query => "the query",
            UriPart::Fragment => "the fragment",
            UriPart::Path => "the path",
        }
    }
}

/// Why a scheme, an authority (the SIWE domain) or a URI is not RFC 3986.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UriError {
    EmptyScheme,
    SchemeStart { scheme: String },
    SchemeChar { scheme: String, found: char },
    NotAllowed { part: UriPart, found: char },
    UnclosedIpLiteral,
    NotIpv6 { literal: String },
    Port { port: String },
    AfterHost { rest: String },
    NoScheme,
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UriError::EmptyScheme => f.write_str("the scheme is empty"),
            UriError::SchemeStart { scheme } => {
                write!(f, "the scheme {} must start with a letter", quote(scheme))
            }
            UriError::SchemeChar { scheme, found } => write!(
                f,
                "{} is not allowed in the scheme {}",
                show_char(*found),
                quote(scheme)
            ),
            UriError::NotAllowed { part, found } => {
                write!(
                    f,
                    "{} is not allowed in {}",
                    show_char(*found),
                    part.phrase()
                )
            }
            UriError::UnclosedIpLiteral => {
                f.write_str("the IP literal opened by `[` is not closed")
            }
            UriError::NotIpv6 { literal } => write!(f, "{} is not an IPv6 address", quote(literal)),
            UriError::Port { port } => write!(f, "the port {} is not a number", quote(port)),
            UriError::AfterHost { rest } => write!(f, "unexpected {} after the host", quote(rest)),
            UriError::NoScheme => f.write_str("it has no scheme (such as `https:` or `lit:`)"),
        }
    }
}

impl std::error::Error for UriError {}

/// Why a field value fails its EIP-4361 rule (under the SDK's or the nodes' flavour).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldError {
    /// A line break in the statement (both flavours).
    StatementLineBreak,
    /// A character EIP-4361 does not allow in a statement (the SDK's flavour).
    StatementChar {
        found: char,
    },
    NonceChar {
        nonce: String,
        found: char,
    },
    NonceLineBreak {
        nonce: String,
    },
    NonceTooShort {
        nonce: String,
    },
    TimeSyntax {
        field: SiweField,
        value: String,
    },
    TimeOutOfRange {
        field: SiweField,
        value: String,
    },
    AddressChecksum {
        address: String,
        expected: String,
    },
    AddressEmpty,
    NotAnAddress {
        address: String,
    },
    ChainIdSyntax {
        chain_id: String,
    },
    ChainIdTooLarge {
        chain_id: String,
    },
    RequestIdChar {
        request_id: String,
        found: char,
    },
    RequestIdLineBreak {
        request_id: String,
    },
}

impl FieldError {
    /// The diagnostic code a failing field is reported with.
    pub fn code(&self) -> Code {
        Code::SiweSyntax
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::StatementLineBreak => {
                write!(f, "the statement contains {}", show_char('\n'))
            }
            FieldError::StatementChar { found } => write!(
                f,
                "the statement contains {}, which EIP-4361 does not allow in a statement",
                show_char(*found)
            ),
            FieldError::NonceChar { nonce, found } => write!(
                f,
                "nonce {} contains {}; a SIWE nonce is letters and digits only",
                quote(nonce),
                show_char(*found)
            ),
            FieldError::NonceLineBreak { nonce } => {
                write!(f, "nonce {} contains a line break", quote(nonce))
            }
            FieldError::NonceTooShort { nonce } => write!(
                f,
                "nonce {} has {} characters; a SIWE nonce has at least 8",
                quote(nonce),
                nonce.chars().count()
            ),
            FieldError::TimeSyntax { field, value } => write!(
                f,
                "`{}` value {} is not an RFC 3339 date-time",
                field.label(),
                quote(value)
            ),
            FieldError::TimeOutOfRange { field, value } => write!(
                f,
                "`{}` value {} names a day or time that does not exist",
                field.label(),
                quote(value)
            ),
            FieldError::AddressChecksum { address, expected } => write!(
                f,
                "address {} is not EIP-55 checksummed (expected `{expected}`)",
                quote(address)
            ),
            FieldError::AddressEmpty => f.write_str("the address line is empty"),
            FieldError::NotAnAddress { address } => write!(
                f,
                "{} is not an Ethereum address (`0x` and 40 hex digits)",
                quote(address)
            ),
            FieldError::ChainIdSyntax { chain_id } => {
                write!(f, "chain id {} is not a decimal number", quote(chain_id))
            }
            FieldError::ChainIdTooLarge { chain_id } => write!(
                f,
                "chain id {} is larger than {}",
                quote(chain_id),
                u64::MAX
            ),
            FieldError::RequestIdChar { request_id, found } => write!(
                f,
                "request id {} contains {}, which is not an RFC 3986 path character",
                quote(request_id),
                show_char(*found)
            ),
            FieldError::RequestIdLineBreak { request_id } => {
                write!(f, "request id {} contains a line break", quote(request_id))
            }
        }
    }
}

impl std::error::Error for FieldError {}
