//! A WhatsApp Cloud API webhook body, as the provider (or anyone who knows the secret) posts it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_server::channels::whatsapp;

fuzz_target!(|body: &[u8]| {
    // Errors are fine (the handler answers 400); a panic would take the request down. Once as
    // addressed to the number most published fixtures name, once to another channel's.
    for phone_number_id in ["106540352242922", "1"] {
        let _ = whatsapp::parse(body, phone_number_id);
    }
});
