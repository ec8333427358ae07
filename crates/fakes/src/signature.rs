//! Webhook signatures exactly as Meta and Twilio compute them.
//!
//! The fakes sign what they send with these functions, and tests use the `verify_*` functions to
//! check what a server under test would accept. Both providers use HMAC; the keys are the Meta
//! app secret and the Twilio auth token.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// The header Meta (WhatsApp Cloud API and Messenger) puts its SHA-256 signature in.
pub const META_SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The legacy SHA-1 header Meta still sends next to [`META_SIGNATURE_HEADER`].
pub const META_SHA1_SIGNATURE_HEADER: &str = "X-Hub-Signature";
/// The header Twilio puts its signature in.
pub const TWILIO_SIGNATURE_HEADER: &str = "X-Twilio-Signature";

/// Meta's `X-Hub-Signature-256` value for `body`: `sha256=` and the lowercase hex
/// HMAC-SHA256 of the raw body bytes keyed with the app secret.
pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = hmac_sha256(app_secret.as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Meta's legacy `X-Hub-Signature` value for `body`: `sha1=` and the hex HMAC-SHA1.
pub fn meta_signature_sha1(app_secret: &str, body: &[u8]) -> String {
    let mut mac = hmac_sha1(app_secret.as_bytes());
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is a valid `X-Hub-Signature-256` for `body`, compared in constant time.
pub fn verify_meta_signature(app_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_digest) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    let mut mac = hmac_sha256(app_secret.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Twilio's `X-Twilio-Signature` value: base64 of HMAC-SHA1 keyed with the auth token over the
/// full URL Twilio was configured with (scheme, host, path and query), followed by every POST
/// parameter sorted by name, each name immediately followed by its value.
///
/// Repeated names are ordered by value, as Twilio's own helper libraries do; inbound webhooks
/// and status callbacks never repeat a name, so this only matters for hand-made forms.
pub fn twilio_signature(auth_token: &str, full_url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = hmac_sha1(auth_token.as_bytes());
    mac.update(full_url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `header` is a valid `X-Twilio-Signature` for this URL and these params, compared in
/// constant time.
pub fn verify_twilio_signature(
    auth_token: &str,
    full_url: &str,
    params: &[(String, String)],
    header: &str,
) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(header) else {
        return false;
    };
    let expected = twilio_signature(auth_token, full_url, params);
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(expected) else {
        return false;
    };
    // Equal length is public (always 20 bytes); the byte comparison must not leak where it stops.
    given.len() == expected.len()
        && given
            .iter()
            .zip(&expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC hashes long keys and pads short ones, so no key length is ever rejected.
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

fn hmac_sha1(key: &[u8]) -> Hmac<Sha1> {
    match Hmac::<Sha1>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC hashes long keys and pads short ones, so no key length is ever rejected.
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn meta_signature_matches_the_published_test_vector() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        assert_eq!(
            meta_signature("app_secret", body),
            "sha256=c236c758c9b2bd40b388a550eeca09eaca72384dd0aa5e7c31d19cddac5bba46",
            "the vector in TESTING.md is what Meta sends for this body"
        );
    }

    #[test]
    fn meta_signature_verifies_only_the_exact_bytes() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = meta_signature("app_secret", body);
        assert!(verify_meta_signature("app_secret", body, &header));
        // Re-serialising JSON (here: one added space) must break the signature.
        let reformatted = br#"{"object": "whatsapp_business_account","entry":[]}"#;
        assert!(!verify_meta_signature("app_secret", reformatted, &header));
        assert!(!verify_meta_signature("other_secret", body, &header));
        assert!(!verify_meta_signature("app_secret", body, "sha1=abc"));
    }

    #[test]
    fn meta_sha1_signature_has_the_legacy_prefix_and_length() {
        let signature = meta_signature_sha1("app_secret", b"{}");
        assert!(signature.starts_with("sha1="));
        assert_eq!(
            signature.len(),
            "sha1=".len() + 40,
            "SHA-1 is 20 bytes of hex"
        );
    }

    #[test]
    fn twilio_signature_matches_the_published_test_vector() {
        let params = pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(
            twilio_signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params
            ),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
            "the vector in TESTING.md is Twilio's documented example"
        );
    }

    #[test]
    fn twilio_signature_does_not_depend_on_parameter_order() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let ordered = pairs(&[("CallSid", "CA1234567890ABCDE"), ("To", "+18005551212")]);
        let shuffled = pairs(&[("To", "+18005551212"), ("CallSid", "CA1234567890ABCDE")]);
        assert_eq!(
            twilio_signature("12345", url, &ordered),
            twilio_signature("12345", url, &shuffled)
        );
    }

    #[test]
    fn twilio_signature_verifies_only_the_signed_url_and_params() {
        let url = "https://example.com/webhooks/sms/sms-main";
        let params = pairs(&[("Body", "hi there, 2+3=4"), ("From", "+16505558893")]);
        let header = twilio_signature("token", url, &params);
        assert!(verify_twilio_signature("token", url, &params, &header));
        assert!(!verify_twilio_signature(
            "token",
            "http://example.com/webhooks/sms/sms-main",
            &params,
            &header
        ));
        let tampered = pairs(&[("Body", "hi there, 2+3=5"), ("From", "+16505558893")]);
        assert!(!verify_twilio_signature("token", url, &tampered, &header));
        assert!(!verify_twilio_signature(
            "token",
            url,
            &params,
            "not base64!"
        ));
    }
}
