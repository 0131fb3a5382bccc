//! Arbitrary bytes as a migration file (and, split at the first 0xFF byte, as two files):
//! read, split, parse, fold, every rule (all enabled), and every report format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pgaudit_lint::fuzzing::check_bytes(data);
});
