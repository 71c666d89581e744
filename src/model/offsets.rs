//! Spans of model items as 32-bit offsets: a policy file is at most `MAX_FILE_BYTES` (16 MiB),
//! so a start and an end fit 8 bytes where a [`Span`] takes 24 (issue #13: a large policy's
//! model holds millions of spans). `diag::Span` itself is unchanged; items rebuild it on
//! demand.

use crate::diag::{FileId, Span};

/// A span's start and end in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Offsets {
    start: u32,
    end: u32,
}

impl Offsets {
    pub(super) const NONE: Offsets = Offsets {
        start: u32::MAX,
        end: u32::MAX,
    };

    pub(super) fn of(span: Span) -> Offsets {
        Offsets {
            start: narrow(span.start),
            end: narrow(span.end),
        }
    }

    pub(super) fn span(self, file: u32) -> Span {
        Span::new(file as FileId, self.start as usize, self.end as usize)
    }

    /// `None` for [`Offsets::NONE`].
    pub(super) fn of_opt(span: Option<Span>) -> Offsets {
        span.map_or(Offsets::NONE, Offsets::of)
    }

    pub(super) fn span_opt(self, file: u32) -> Option<Span> {
        (self != Offsets::NONE).then(|| self.span(file))
    }
}

/// Offsets and file ids fit 32 bits (files are at most 16 MiB); saturates otherwise.
pub(super) fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX - 1)
}
