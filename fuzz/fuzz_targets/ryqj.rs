//! The Ryqj family: the input as a whole file and as the records of a valid file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| minesafe_formats_fuzz::family(minesafe_formats::Family::Ryqj, data));
