//! Arbitrary text as a policy or default expression read back from a catalog: parsed,
//! normalised for drift, and judged by the policy analysis.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        pgaudit_lint::fuzzing::live_expression(text);
    }
});
