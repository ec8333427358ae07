//! A Messenger Platform webhook body (`object=page`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_server::channels::messenger;

fuzz_target!(|body: &[u8]| {
    let _ = messenger::parse(body);
});
