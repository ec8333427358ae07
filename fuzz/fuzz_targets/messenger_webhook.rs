//! A Messenger Platform webhook body (`object=page`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_server::channels::messenger;

fuzz_target!(|body: &[u8]| {
    // As addressed to the page of the published fixtures, and to another page.
    for page_id in ["1717527131834678", "1"] {
        let _ = messenger::parse(body, page_id);
    }
});
