//! Identifiers in the shapes the providers mint them, so parsers see realistic values.

use base64::Engine as _;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::fill(&mut bytes);
    bytes
}

/// A WhatsApp message id: `wamid.` and base64 (real ones encode a protobuf starting `HBgL`).
pub(crate) fn wamid() -> String {
    let tail = base64::engine::general_purpose::STANDARD.encode(random_bytes::<33>());
    format!("wamid.HBgL{tail}")
}

/// A Graph object id (media, attachments): a 15–16 digit decimal string.
pub(crate) fn graph_object_id() -> String {
    rand::random_range(100_000_000_000_000u64..10_000_000_000_000_000).to_string()
}

/// A Messenger message id as the Send API returns it: `m_` and a long URL-safe token.
pub(crate) fn messenger_mid() -> String {
    let tail = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<66>());
    format!("m_{tail}")
}

/// Graph's `fbtrace_id`: 23 URL-safe characters.
pub(crate) fn fbtrace_id() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<17>())
}

/// A Twilio SID: a two-letter type prefix (`SM`, `MM`, `ME`, `AC`) and 32 lowercase hex digits.
pub(crate) fn twilio_sid(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(random_bytes::<16>()))
}

/// An unguessable token for signed, expiring download URLs.
pub(crate) fn url_token() -> String {
    hex::encode(random_bytes::<20>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_have_the_provider_shapes() {
        assert!(wamid().starts_with("wamid.HBgL"));
        let media = graph_object_id();
        assert!((15..=16).contains(&media.len()) && media.bytes().all(|b| b.is_ascii_digit()));
        assert!(messenger_mid().starts_with("m_"));
        assert_eq!(fbtrace_id().len(), 23);
        let sid = twilio_sid("SM");
        assert_eq!(sid.len(), 34, "Twilio SIDs are 34 characters");
        assert!(sid[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
