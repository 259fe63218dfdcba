//! The automerge-repo frame decoder: any bytes a socket delivers either
//! decode or are refused, never panic; what decodes re-encodes to a message
//! that decodes to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntm_core::sync::WireMessage;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(message) = WireMessage::decode(bytes) {
        let again = WireMessage::decode(&message.encode()).expect("own encoding decodes");
        assert_eq!(again, message);
        let _ = message.document_id();
    }
});
