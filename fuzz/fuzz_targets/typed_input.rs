//! What people type and what devices send over HTTP: amounts, decimals,
//! blob names, enrolment-era ids. Never a panic; parsed values print back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntm_core::blobs::{BlobHash, BlobLimits};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Some(v) = ntm_core::format::parse_vnd(text) {
        let _ = ntm_core::format::vnd(v);
    }
    let _ = ntm_core::format::parse_decimal(text);
    if let Ok(hash) = text.parse::<BlobHash>() {
        assert_eq!(hash.to_string(), text);
    }
    let _ = text.parse::<ntm_core::DocumentId>();
    // Chunk arithmetic on arbitrary numbers never overflows or panics.
    if bytes.len() >= 32 {
        let n = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap());
        let _ = BlobLimits::default().check_chunk(n(0), n(8), n(16), n(24));
    }
});
