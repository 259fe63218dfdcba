//! A province's catalog file: any text loads or yields line-precise errors,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Err(errors) = ntm_core::catalog::load_catalog("fuzz.toml", text) {
            let _ = errors.to_string();
        }
    }
});
