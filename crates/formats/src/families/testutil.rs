//! Helpers for the family unit tests: parse a sample file the way `open` would.

use crate::container::{decode, Document, FileName, ParseOptions, Parsed, Record};
use crate::error::FileError;

/// Splits and parses a G2 sample; panics (tests only) when the file as a whole fails.
pub(crate) fn parse_sample<R: Record<'static>>(name: &str, text: &'static str) -> Parsed<R> {
    match try_sample::<R>(name, text) {
        Ok(p) => p,
        Err(e) => panic!("sample {name} rejected as a whole: {e}"),
    }
}

pub(crate) fn try_sample<R: Record<'static>>(name: &str, text: &'static str) -> Result<Parsed<R>, FileError> {
    let fname = FileName::parse(name)?;
    // Record-level tests mix many bad records into small files; the whole-file
    // bad-record ratio has its own tests, so it is switched off here.
    let opts = ParseOptions { max_bad_ratio: 1.0, ..ParseOptions::default() };
    // The samples are plain UTF-8 without CR/LF, so decoding must not change them.
    let decoded = decode(text.as_bytes())?;
    assert_eq!(decoded.text, text);
    Document::split(&fname, text, &opts)?.parse(&opts)
}
