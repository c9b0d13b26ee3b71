//! The relay's frame decoder on arbitrary bytes: never a panic, and whatever
//! it accepts encodes and decodes back to the same message.
#![no_main]

use accord_shared::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| {
    let Ok(message) = Message::decode(frame) else {
        return;
    };
    let _ = message.kind();
    // What the connection does next: the document id must parse or be refused.
    let _ = message.document_id();
    let again = Message::decode(&message.encode()).expect("an encoded message decodes");
    assert_eq!(again, message);
});
