//! Twilio's inbound-message and status-callback parameters.
//!
//! The input is read two ways: as an `application/x-www-form-urlencoded` body (what Twilio
//! posts), and, when it is a JSON object of strings, as those fields in order — the shape of
//! the shared provider fixtures, so they seed the corpus as they are.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_server::channels::twilio;

fn check(params: &[(String, String)]) {
    let _ = twilio::parse_inbound(params, "AC00000000000000000000000000000000", "token");
    let _ = twilio::parse_status(params);
}

fuzz_target!(|body: &[u8]| {
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    check(&form);
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body) {
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect();
        check(&fields);
    }
});
