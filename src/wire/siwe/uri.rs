//! RFC 3986 as EIP-4361 uses it: `scheme`, `authority` (the SIWE domain) and `URI` (the
//! `URI:` field and every resource), each checked by the RFC's ABNF and answered with the
//! reason it fails, for diagnostics. siwe 2.3.2 validates these with the same grammar
//! (`valid-url` plus its own ABNF), so the verdicts here are the SDK's.

use super::field_error::{UriError, UriPart};

const UNRESERVED: u8 = 1;
const SUB_DELIM: u8 = 2;
const GEN_DELIM: u8 = 4;

/// Each byte's RFC 3986 classes, looked up once per byte: the URI scans read every byte of
/// each resource (a `urn:recap:` is hundreds of bytes) on every AuthSig check (issue #13).
static CLASSES: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            c |= UNRESERVED;
        }
        if matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        ) {
            c |= SUB_DELIM;
        }
        if matches!(b, b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@') {
            c |= GEN_DELIM;
        }
        table[i] = c;
        i += 1;
    }
    table
}

pub(super) fn is_unreserved(b: u8) -> bool {
    CLASSES[b as usize] & UNRESERVED != 0
}

pub(super) fn is_sub_delim(b: u8) -> bool {
    CLASSES[b as usize] & SUB_DELIM != 0
}

pub(super) fn is_gen_delim(b: u8) -> bool {
    CLASSES[b as usize] & GEN_DELIM != 0
}

pub(super) fn is_pchar(b: u8) -> bool {
    CLASSES[b as usize] & (UNRESERVED | SUB_DELIM) != 0 || b == b':' || b == b'@'
}

/// Every character is allowed by `ok` or is a `%XX` escape; returns the first that is not.
pub(super) fn scan(s: &str, ok: impl Fn(u8) -> bool) -> Result<(), char> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hex = |j: usize| b.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return Err('%');
            }
            i += 3;
        } else if c.is_ascii() && ok(c) {
            i += 1;
        } else {
            return Err(s[i..].chars().next().unwrap_or('\u{fffd}'));
        }
    }
    Ok(())
}

/// RFC 3986 `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
pub fn check_scheme(s: &str) -> Result<(), UriError> {
    let mut chars = s.chars();
    match chars.next() {
        None => return Err(UriError::EmptyScheme),
        Some(c) if !c.is_ascii_alphabetic() => {
            return Err(UriError::SchemeStart {
                scheme: s.to_string(),
            })
        }
        _ => {}
    }
    match chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))) {
        Some(found) => Err(UriError::SchemeChar {
            scheme: s.to_string(),
            found,
        }),
        None => Ok(()),
    }
}

fn is_h16(s: &str) -> bool {
    (1..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_dec_octet(s: &str) -> bool {
    let ok_digits = !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    ok_digits && (s.len() == 1 || !s.starts_with('0')) && s.parse::<u16>().is_ok_and(|n| n <= 255)
}

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| is_dec_octet(p))
}

/// RFC 3986 `IPv6address`.
fn is_ipv6(s: &str) -> bool {
    let (head, tail, compressed) = match s.find("::") {
        Some(i) => (&s[..i], &s[i + 2..], true),
        None => (s, "", false),
    };
    if compressed && tail.contains("::") {
        return false;
    }
    let groups = |part: &str| -> Vec<String> {
        if part.is_empty() {
            Vec::new()
        } else {
            part.split(':').map(str::to_string).collect()
        }
    };
    let head_groups = groups(head);
    let tail_groups = groups(tail);
    // The group that may be an IPv4 address: the last one written.
    let last_is_tail = compressed;
    let mut units = 0;
    for (which, list) in [(false, &head_groups), (true, &tail_groups)] {
        for (i, g) in list.iter().enumerate() {
            let is_last = which == last_is_tail && i + 1 == list.len();
            if is_h16(g) {
                units += 1;
            } else if is_last && is_ipv4(g) {
                units += 2;
            } else {
                return false;
            }
        }
    }
    if compressed {
        units <= 7
    } else {
        units == 8
    }
}

fn is_ipvfuture(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(['v', 'V']) else {
        return false;
    };
    let Some((ver, addr)) = rest.split_once('.') else {
        return false;
    };
    !ver.is_empty()
        && ver.bytes().all(|b| b.is_ascii_hexdigit())
        && !addr.is_empty()
        && addr
            .bytes()
            .all(|b| is_unreserved(b) || is_sub_delim(b) || b == b':')
}

/// RFC 3986 `authority = [ userinfo "@" ] host [ ":" port ]`. Returns why not.
pub fn check_authority(s: &str) -> Result<(), UriError> {
    let (userinfo, hostport) = match s.find('@') {
        Some(i) => (Some(&s[..i]), &s[i + 1..]),
        None => (None, s),
    };
    if let Some(u) = userinfo {
        scan(u, |b| is_unreserved(b) || is_sub_delim(b) || b == b':').map_err(|found| {
            UriError::NotAllowed {
                part: UriPart::UserInfo,
                found,
            }
        })?;
    }
    let rest = if let Some(inner) = hostport.strip_prefix('[') {
        let close = inner.find(']').ok_or(UriError::UnclosedIpLiteral)?;
        let literal = &inner[..close];
        if !(is_ipv6(literal) || is_ipvfuture(literal)) {
            return Err(UriError::NotIpv6 {
                literal: literal.to_string(),
            });
        }
        &inner[close + 1..]
    } else {
        let end = hostport.find(':').unwrap_or(hostport.len());
        scan(&hostport[..end], |b| is_unreserved(b) || is_sub_delim(b)).map_err(|found| {
            UriError::NotAllowed {
                part: UriPart::Host,
                found,
            }
        })?;
        &hostport[end..]
    };
    if rest.is_empty() {
        return Ok(());
    }
    match rest.strip_prefix(':') {
        Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        Some(port) => Err(UriError::Port {
            port: port.to_string(),
        }),
        None => Err(UriError::AfterHost {
            rest: rest.to_string(),
        }),
    }
}

/// RFC 3986 `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]`. Returns why not.
pub fn check_uri(s: &str) -> Result<(), UriError> {
    let colon = s.find(':').ok_or(UriError::NoScheme)?;
    check_scheme(&s[..colon])?;
    let rest = &s[colon + 1..];
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    if let Some(f) = fragment {
        scan(f, |b| is_pchar(b) || b == b'/' || b == b'?').map_err(|found| {
            UriError::NotAllowed {
                part: UriPart::Fragment,
                found,
            }
        })?;
    }
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    if let Some(q) = query {
        scan(q, |b| is_pchar(b) || b == b'/' || b == b'?').map_err(|found| {
            UriError::NotAllowed {
                part: UriPart::Query,
                found,
            }
        })?;
    }
    let path = if let Some(after) = hier.strip_prefix("//") {
        let end = after.find('/').unwrap_or(after.len());
        check_authority(&after[..end])?;
        &after[end..]
    } else {
        hier
    };
    scan(path, |b| is_pchar(b) || b == b'/').map_err(|found| UriError::NotAllowed {
        part: UriPart::Path,
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_forms() {
        for ok in [
            "::",
            "::1",
            "::cafe",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1::8",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "fe80::1:2",
        ] {
            assert!(is_ipv6(ok), "{ok}");
        }
        for bad in [
            "",
            ":",
            ":::",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "12345::",
            "1.2.3.4::",
            "::1.2.3",
            "::01.2.3.4",
            "g::",
            "1:2:3:4:5:6:7::8",
        ] {
            assert!(!is_ipv6(bad), "{bad}");
        }
    }

    #[test]
    fn authorities() {
        for ok in [
            "service.org",
            "127.0.0.1",
            "test@127.0.0.1:8080",
            "[::cafe]",
            "localhost:8080",
            "[v1.x]",
            "a%20b",
            "u:p@h",
        ] {
            assert!(check_authority(ok).is_ok(), "{ok}");
        }
        for bad in [
            "#notrfc4501",
            "a b",
            "[::cafe",
            "[zz]",
            "h:8o",
            "a@b@c",
            "é.com",
            "h/x",
        ] {
            assert!(check_authority(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uris() {
        for ok in [
            "https://service.org/login",
            "lit:session:abcd",
            "urn:recap:eyJh",
            "https://[::cafe]",
            "https://127.0.0.1/?query=one#begin",
            "ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu",
            "did:key:z6Mk#z6Mk",
            "a:",
            "mailto:a@b",
        ] {
            assert!(check_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            ":not_a_rfc3986_valid_uri_",
            "https://service.org/login - https://x",
            "no-scheme",
            "1a:b",
            "https://a/b c",
            "h://a%zz",
            "x:a#b#c",
        ] {
            assert!(check_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn byte_classes_are_the_rfc_lists() {
        for b in 0..=255u8 {
            let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
            let sub = b"!$&'()*+,;=".contains(&b);
            let gen = b":/?#[]@".contains(&b);
            assert_eq!(is_unreserved(b), unreserved, "{b}");
            assert_eq!(is_sub_delim(b), sub, "{b}");
            assert_eq!(is_gen_delim(b), gen, "{b}");
            assert_eq!(
                is_pchar(b),
                unreserved || sub || b == b':' || b == b'@',
                "{b}"
            );
        }
    }
}
