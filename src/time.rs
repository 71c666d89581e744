//! Timestamps and durations with the exact semantics the SDK and the nodes use.
//!
//! The JS SDK writes times with `Date.prototype.toISOString` (millisecond precision, `Z`), and
//! the nodes parse RFC 3339 with chrono and compare either whole seconds or full precision
//! depending on the rule. [`Timestamp`] keeps nanoseconds so both kinds of comparison are exact.

use std::fmt;

/// A UTC instant with nanosecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a timestamp did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{0}` is not an RFC 3339 timestamp (expected e.g. `2024-09-19T13:07:33.606Z`)")]
    Syntax(String),
    #[error("`{0}` names a day or time that does not exist")]
    OutOfRange(String),
}

const NANOS_PER_SEC: i64 = 1_000_000_000;

impl Timestamp {
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    pub fn from_unix_millis(ms: i64) -> Timestamp {
        Timestamp {
            secs: ms.div_euclid(1000),
            nanos: (ms.rem_euclid(1000) * 1_000_000) as u32,
        }
    }

    pub fn from_unix_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // JS clocks have millisecond resolution; truncating keeps `now` printable without loss.
        Timestamp::from_unix_millis(d.as_millis() as i64)
    }

    /// Whole seconds since the epoch, rounded towards negative infinity (chrono's `timestamp()`).
    pub fn unix_secs(&self) -> i64 {
        self.secs
    }

    pub fn unix_millis(&self) -> i64 {
        self.secs * 1000 + i64::from(self.nanos / 1_000_000)
    }

    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    pub fn add_secs(&self, secs: i64) -> Timestamp {
        Timestamp {
            secs: self.secs.saturating_add(secs),
            nanos: self.nanos,
        }
    }

    pub fn add_millis(&self, ms: i64) -> Timestamp {
        let total = i128::from(self.secs) * i128::from(NANOS_PER_SEC)
            + i128::from(self.nanos)
            + i128::from(ms) * 1_000_000;
        let secs = total.div_euclid(i128::from(NANOS_PER_SEC));
        let nanos = total.rem_euclid(i128::from(NANOS_PER_SEC)) as u32;
        Timestamp {
            secs: secs.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            nanos,
        }
    }

    /// Signed difference `self - other` in milliseconds (sub-millisecond parts truncated).
    pub fn millis_since(&self, other: &Timestamp) -> i64 {
        let a = i128::from(self.secs) * 1000 + i128::from(self.nanos / 1_000_000);
        let b = i128::from(other.secs) * 1000 + i128::from(other.nanos / 1_000_000);
        (a - b).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// Parses a time as the Lit nodes parse the session payload's `issuedAt` and `expiration`:
    /// chrono 0.4.38 `DateTime::parse_from_rfc3339` (lit-peer `auth/session_sigs.rs` and the
    /// Datil node `rust/lit-node/src/auth/session_sigs.rs`, both
    /// `validate_session_sig_time_parameters`; chrono `format/parse.rs` `parse_rfc3339`).
    /// Beyond [`Timestamp::parse_rfc3339`] it accepts a space between date and time, a
    /// U+2212 minus sign in the offset, and a leap second `:60` at any minute (chrono's
    /// `Parsed::to_naive_time` reads it as second 59 plus one second of nanoseconds; here it
    /// is the last nanosecond of second 59, which orders the same against any other time).
    pub fn parse_node(s: &str) -> Result<Timestamp, TimeError> {
        let mut t = s.to_string();
        if t.as_bytes().get(10) == Some(&b' ') {
            t.replace_range(10..11, "T");
        }
        if let Some(i) = t.get(19..).and_then(|rest| rest.find('\u{2212}')) {
            t.replace_range(19 + i..19 + i + '\u{2212}'.len_utf8(), "-");
        }
        let leap = t.as_bytes().get(16) == Some(&b':') && t.get(17..19) == Some("60");
        if leap {
            t.replace_range(17..19, "59");
        }
        let mut ts = Timestamp::parse_rfc3339(&t).map_err(|e| match e {
            TimeError::Syntax(_) => TimeError::Syntax(s.to_string()),
            TimeError::OutOfRange(_) => TimeError::OutOfRange(s.to_string()),
        })?;
        if leap {
            ts.nanos = 999_999_999;
        }
        Ok(ts)
    }

    /// Parses an RFC 3339 `date-time` (`T`/`t`, `Z`/`z` or a numeric offset, any number of
    /// fractional digits; digits below nanoseconds are dropped).
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, TimeError> {
        let syntax = || TimeError::Syntax(s.to_string());
        let b = s.as_bytes();
        if b.len() < 20 {
            return Err(syntax());
        }
        let num = |range: std::ops::Range<usize>| -> Result<i64, TimeError> {
            let part = b.get(range).ok_or_else(syntax)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(syntax());
            }
            Ok(part
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
        };
        let year = num(0..4)?;
        if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
            return Err(syntax());
        }
        let month = num(5..7)?;
        let day = num(8..10)?;
        if b[13] != b':' || b[16] != b':' {
            return Err(syntax());
        }
        let hour = num(11..13)?;
        let minute = num(14..16)?;
        let second = num(17..19)?;
        let mut i = 19;
        let mut nanos: u32 = 0;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            let digits = i - start;
            if digits == 0 {
                return Err(syntax());
            }
            for _ in digits..9 {
                nanos *= 10;
            }
        }
        let offset_secs = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
                let oh = num(i + 1..i + 3)?;
                let om = num(i + 4..i + 6)?;
                if oh > 23 || om > 59 {
                    return Err(TimeError::OutOfRange(s.to_string()));
                }
                let off = oh * 3600 + om * 60;
                if *sign == b'-' {
                    -off
                } else {
                    off
                }
            }
            _ => return Err(syntax()),
        };
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(TimeError::OutOfRange(s.to_string()));
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        Ok(Timestamp { secs, nanos })
    }

    /// `Date.prototype.toISOString`: `YYYY-MM-DDTHH:MM:SS.sssZ`.
    pub fn to_iso_string(&self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let ms = i64::from(self.nanos / 1_000_000);
        let mut out = String::with_capacity(27);
        if (0..=9999).contains(&y) {
            push_digits(&mut out, y, 4);
        } else {
            out.push(if y < 0 { '-' } else { '+' });
            push_digits(&mut out, y.abs(), 6);
        }
        for (sep, value, width) in [
            ('-', m, 2),
            ('-', d, 2),
            ('T', rem / 3600, 2),
            (':', (rem % 3600) / 60, 2),
            (':', rem % 60, 2),
            ('.', ms, 3),
        ] {
            out.push(sep);
            push_digits(&mut out, value, width);
        }
        out.push('Z');
        out
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso_string())
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_rfc3339(s)
    }
}

/// Appends `value` (non-negative) zero-padded to `width` digits.
fn push_digits(out: &mut String, value: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut v = value.unsigned_abs();
    let mut i = buf.len();
    while v > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = i.min(buf.len() - width);
    out.extend(buf[start..].iter().map(|b| *b as char));
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A lifetime such as `24h` or `90m`, in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ttl(pub u64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TtlError {
    #[error("`{0}` is not a duration (expected a number and a unit: `90s`, `15m`, `24h`, `7d`)")]
    Syntax(String),
    #[error("`{0}` is too large")]
    Overflow(String),
}

impl Ttl {
    pub const SECOND: u64 = 1;
    pub const MINUTE: u64 = 60;
    pub const HOUR: u64 = 3600;
    pub const DAY: u64 = 86_400;
    /// The nodes' `MAX_TIMESTAMP_VALIDITY_DAYS`.
    pub const NODE_MAX: Ttl = Ttl(30 * Ttl::DAY);

    pub fn from_secs(s: u64) -> Ttl {
        Ttl(s)
    }

    pub fn secs(&self) -> u64 {
        self.0
    }

    /// Parses one or more `<digits><unit>` groups with units `d`, `h`, `m`, `s`, e.g. `1h30m`.
    pub fn parse(s: &str) -> Result<Ttl, TtlError> {
        let syntax = || TtlError::Syntax(s.to_string());
        if s.is_empty() {
            return Err(syntax());
        }
        let mut total: u64 = 0;
        let mut digits: Option<u64> = None;
        for c in s.chars() {
            if let Some(d) = c.to_digit(10) {
                let cur = digits.unwrap_or(0);
                digits = Some(
                    cur.checked_mul(10)
                        .and_then(|v| v.checked_add(u64::from(d)))
                        .ok_or_else(|| TtlError::Overflow(s.to_string()))?,
                );
                continue;
            }
            let unit = match c {
                'd' => Ttl::DAY,
                'h' => Ttl::HOUR,
                'm' => Ttl::MINUTE,
                's' => Ttl::SECOND,
                _ => return Err(syntax()),
            };
            let n = digits.take().ok_or_else(syntax)?;
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| TtlError::Overflow(s.to_string()))?;
        }
        if digits.is_some() {
            return Err(syntax());
        }
        Ok(Ttl(total))
    }
}

impl fmt::Display for Ttl {
    /// The shortest canonical spelling: the largest units first, e.g. `1d12h`, `90s` → `1m30s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        if rest == 0 {
            return f.write_str("0s");
        }
        for (unit, suffix) in [
            (Ttl::DAY, 'd'),
            (Ttl::HOUR, 'h'),
            (Ttl::MINUTE, 'm'),
            (1, 's'),
        ] {
            if rest >= unit {
                write!(f, "{}{}", rest / unit, suffix)?;
                rest %= unit;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What chrono 0.4.38 `DateTime::parse_from_rfc3339` accepts and litcap's strict parser
    /// (siwe-rs / `toISOString` flavour) does not: each accepted by [`Timestamp::parse_node`]
    /// with chrono's value; and what both refuse.
    #[test]
    fn node_time_formats_follow_chrono() {
        let strict = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
        for (node, same_as) in [
            ("2025-01-01 00:00:00Z", "2025-01-01T00:00:00Z"),
            ("2025-01-01 00:00:00.5+01:00", "2024-12-31T23:00:00.5Z"),
            ("2025-01-01T01:00:00\u{2212}01:00", "2025-01-01T02:00:00Z"),
            ("2025-01-01t00:00:00z", "2025-01-01T00:00:00Z"),
            (
                "2025-01-01T00:00:00.1234567891234Z",
                "2025-01-01T00:00:00.123456789Z",
            ),
        ] {
            assert_eq!(Timestamp::parse_node(node), Ok(strict(same_as)), "{node}");
        }
        for only_node in ["2025-01-01 00:00:00Z", "2025-01-01T00:00:00\u{2212}01:00"] {
            assert!(Timestamp::parse_rfc3339(only_node).is_err(), "{only_node}");
        }
        // A leap second, at any minute: after :59.999 of that minute, before the next one.
        let leap = Timestamp::parse_node("2016-12-31T23:59:60Z").unwrap();
        assert_eq!(leap.unix_secs(), strict("2016-12-31T23:59:59Z").unix_secs());
        assert!(leap > strict("2016-12-31T23:59:59.999Z"));
        assert!(leap < strict("2017-01-01T00:00:00Z"));
        assert!(Timestamp::parse_node("2025-03-04T05:06:60Z").is_ok());
        assert!(Timestamp::parse_rfc3339("2016-12-31T23:59:60Z").is_err());
        // Refused by both (chrono: no separator, no offset, two spaces, hour 24, offset 24:00,
        // a minus sign in the date).
        for bad in [
            "2025-01-0100:00:00Z",
            "2025-01-01T00:00:00",
            "2025-01-01  00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T00:00:00+24:00",
            "2025\u{2212}01-01T00:00:00Z",
            "2025-01-01T00:00:61Z",
        ] {
            assert!(Timestamp::parse_node(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn iso_round_trip_matches_js() {
        let t = Timestamp::parse_rfc3339("2024-09-19T13:07:33.606Z").unwrap();
        assert_eq!(t.to_iso_string(), "2024-09-19T13:07:33.606Z");
        assert_eq!(t.unix_millis(), 1_726_751_253_606);
        let plus7 = t.add_millis(7 * 86_400_000);
        assert_eq!(plus7.to_iso_string(), "2024-09-26T13:07:33.606Z");
    }

    #[test]
    fn offsets_and_precision() {
        let a = Timestamp::parse_rfc3339("2021-09-30T16:25:24-02:00").unwrap();
        assert_eq!(a.to_iso_string(), "2021-09-30T18:25:24.000Z");
        let b = Timestamp::parse_rfc3339("2021-09-30T16:25:24.123456789Z").unwrap();
        assert_eq!(b.subsec_nanos(), 123_456_789);
        let c = Timestamp::parse_rfc3339("2021-09-30t16:25:24.5z").unwrap();
        assert_eq!(c.unix_millis() % 1000, 500);
    }

    #[test]
    fn rejects_impossible_dates_and_bad_syntax() {
        for bad in [
            "2022-02-31T17:09:38.578Z",
            "2021-13-01T00:00:00Z",
            "2021-01-01T24:00:00Z",
            "2021-01-01 00:00:00Z",
            "2021-01-01T00:00:00",
            "2021-01-01T00:00:00.Z",
            "Wed Oct 05 2011 16:48:00 GMT+0200 (CEST)",
            "",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::parse_rfc3339("2024-02-29T00:00:00Z").is_ok());
        assert!(Timestamp::parse_rfc3339("2023-02-29T00:00:00Z").is_err());
    }

    #[test]
    fn negative_epoch_floor() {
        let t = Timestamp::from_unix_millis(-1);
        assert_eq!(t.unix_secs(), -1);
        assert_eq!(t.to_iso_string(), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn ttl_parse_and_display() {
        assert_eq!(Ttl::parse("24h").unwrap().secs(), 86_400);
        assert_eq!(Ttl::parse("1h30m").unwrap().secs(), 5400);
        assert_eq!(Ttl::parse("90s").unwrap().to_string(), "1m30s");
        assert_eq!(Ttl::parse("30d").unwrap(), Ttl::NODE_MAX);
        for bad in ["", "h", "10", "10x", "1.5h", "-1h", "99999999999999999999d"] {
            assert!(Ttl::parse(bad).is_err(), "{bad}");
        }
        for s in ["1d", "1d1h1m1s", "45m", "0s"] {
            assert_eq!(Ttl::parse(s).unwrap().to_string(), s);
        }
    }
}
