//! Any family, any bytes: the first byte picks the family (and the file-name
//! spelling), the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minesafe_formats::Family;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let family = Family::ALL[pick as usize % Family::ALL.len()];
    minesafe_formats_fuzz::dispatch(family, pick / Family::ALL.len() as u8, body);
});
