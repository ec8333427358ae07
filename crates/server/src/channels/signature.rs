//! Webhook signatures, checked on the raw bytes in constant time, and the signed expiring
//! links providers use to fetch the files agents send.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

fn mac256(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, body)>` (WhatsApp, Messenger).
pub fn meta_valid(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(given) else {
        return false;
    };
    let mut mac = mac256(app_secret.as_bytes());
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// `X-Twilio-Signature`: base64 HMAC-SHA1(auth_token, url + each param name and value, sorted
/// by name).
pub fn twilio_valid(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> bool {
    let Some(given) = header.and_then(|h| {
        base64::engine::general_purpose::STANDARD
            .decode(h.trim())
            .ok()
    }) else {
        return false;
    };
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac.verify_slice(&given).is_ok()
}

/// Signature of a media link: who may fetch which file until when.
pub fn media_link_signature(key: &[u8], attachment: &str, expires: i64) -> String {
    let mut mac = mac256(key);
    mac.update(attachment.as_bytes());
    mac.update(b"|");
    mac.update(expires.to_string().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn media_link_valid(key: &[u8], attachment: &str, expires: i64, signature: &str) -> bool {
    let Ok(given) = hex::decode(signature) else {
        return false;
    };
    let mut mac = mac256(key);
    mac.update(attachment.as_bytes());
    mac.update(b"|");
    mac.update(expires.to_string().as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_test_vector_from_testing_md() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = "sha256=c236c758c9b2bd40b388a550eeca09eaca72384dd0aa5e7c31d19cddac5bba46";
        assert!(meta_valid("app_secret", body, Some(header)));
        assert!(!meta_valid("other", body, Some(header)));
        assert!(!meta_valid("app_secret", b"{}", Some(header)));
        assert!(!meta_valid("app_secret", body, None));
        assert!(!meta_valid("app_secret", body, Some("sha1=abc")));
    }

    #[test]
    fn twilio_test_vector_from_testing_md() {
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert!(twilio_valid(
            "12345",
            url,
            &params,
            Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        ));
        assert!(!twilio_valid(
            "12345",
            "https://mycompany.com/other",
            &params,
            Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        ));
        assert!(!twilio_valid("12345", url, &params, None));
    }

    #[test]
    fn media_links_are_bound_to_file_and_expiry() {
        let key = b"k";
        let sig = media_link_signature(key, "abc", 100);
        assert!(media_link_valid(key, "abc", 100, &sig));
        assert!(!media_link_valid(key, "abc", 101, &sig));
        assert!(!media_link_valid(key, "abd", 100, &sig));
        assert!(!media_link_valid(b"other", "abc", 100, &sig));
    }
}
