//! Contact details as people type them, brought to one form so they can be matched: phone
//! numbers to E.164 (with the `phonenumber` library, never regexes), e-mails to lower case,
//! channel identities to what each provider sends.

use phonenumber::country::Id as Country;
use phonenumber::Mode;
use switchboard_protocol::ChannelKind;

/// An ISO 3166 country code (`BR`, `US`) for numbers written without `+`.
pub fn parse_country(code: &str) -> Option<Country> {
    code.trim().to_uppercase().parse().ok()
}

/// `+55 11 98765-4321`, `(011) 98765-4321` or `011 98765 4321` → `+5511987654321`.
pub fn normalize_phone(input: &str, default_country: Country) -> Option<String> {
    let input = input.trim();
    if input.is_empty() || input.chars().filter(|c| c.is_ascii_digit()).count() < 3 {
        return None;
    }
    let number = phonenumber::parse(Some(default_country), input).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
}

/// The longest e-mail address, in bytes (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Lower-cased address if it looks like one: `local@domain.tld`, one `@`, at most
/// [`MAX_EMAIL_BYTES`], no spaces, control or invisible characters, and none of the characters
/// that would change a `mailto:` link or a header around it (`? & # < > " \ , ; : ( ) [ ]`).
pub fn normalize_email(input: &str) -> Option<String> {
    let email = input.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && email.len() <= MAX_EMAIL_BYTES
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || crate::attachments::is_invisible_format(c)
                || matches!(
                    c,
                    '?' | '&'
                        | '#'
                        | '<'
                        | '>'
                        | '"'
                        | '\\'
                        | ','
                        | ';'
                        | ':'
                        | '('
                        | ')'
                        | '['
                        | ']'
                )
        })
        && email.matches('@').count() == 1;
    ok.then_some(email)
}

/// The form an identity is stored and matched in, or why it is not one.
///
/// WhatsApp ids are the number's digits without `+` (what the Cloud API sends as `wa_id`); SMS
/// senders are E.164; Messenger PSIDs and live-chat visitor ids are opaque.
pub fn normalize_identity(
    kind: ChannelKind,
    value: &str,
    country: Country,
) -> Result<String, String> {
    let value = value.trim();
    match kind {
        ChannelKind::Whatsapp => normalize_phone(&with_plus(value), country)
            .map(|e164| e164.trim_start_matches('+').to_string())
            .ok_or_else(|| format!("{value:?} is not a WhatsApp number")),
        ChannelKind::Sms => normalize_phone(value, country)
            .ok_or_else(|| format!("{value:?} is not a phone number")),
        ChannelKind::Facebook | ChannelKind::Livechat
            if !value.is_empty() && value.len() <= 200 =>
        {
            Ok(value.to_string())
        }
        ChannelKind::Facebook | ChannelKind::Livechat => {
            Err("the identity is empty or too long".into())
        }
        ChannelKind::Internal => Err("internal chats have no customer identity".into()),
    }
}

/// The E.164 phone number behind a WhatsApp or SMS identity, if it is one.
pub fn identity_phone(kind: ChannelKind, value: &str, country: Country) -> Option<String> {
    match kind {
        ChannelKind::Whatsapp => normalize_phone(&with_plus(value), country),
        ChannelKind::Sms => normalize_phone(value, country),
        _ => None,
    }
}

/// WhatsApp ids carry the country code without `+`.
fn with_plus(value: &str) -> String {
    if value.starts_with('+') {
        value.to_string()
    } else {
        format!("+{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn br() -> Country {
        parse_country("br").unwrap()
    }

    #[test]
    fn phones_in_any_formatting_become_e164() {
        let table = [
            ("+55 11 98765-4321", Some("+5511987654321")),
            ("011 98765-4321", Some("+5511987654321")),
            ("(11) 98765-4321", Some("+5511987654321")),
            ("11987654321", Some("+5511987654321")),
            ("+1 (415) 555-2671", Some("+14155552671")),
            ("+44 20 7946 0958", Some("+442079460958")),
            ("12", None),
            ("not a phone", None),
            ("", None),
        ];
        for (input, expected) in table {
            assert_eq!(
                normalize_phone(input, br()).as_deref(),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn identities_take_each_providers_form() {
        assert_eq!(
            normalize_identity(ChannelKind::Whatsapp, "+55 11 98765-4321", br()).unwrap(),
            "5511987654321"
        );
        assert_eq!(
            normalize_identity(ChannelKind::Whatsapp, "5511987654321", br()).unwrap(),
            "5511987654321"
        );
        assert_eq!(
            normalize_identity(
                ChannelKind::Sms,
                "(415) 555-2671",
                parse_country("US").unwrap()
            )
            .unwrap(),
            "+14155552671"
        );
        assert_eq!(
            normalize_identity(ChannelKind::Facebook, " 6789012345 ", br()).unwrap(),
            "6789012345"
        );
        assert!(normalize_identity(ChannelKind::Whatsapp, "hello", br()).is_err());
        assert!(normalize_identity(ChannelKind::Livechat, "", br()).is_err());
        assert!(normalize_identity(ChannelKind::Internal, "x", br()).is_err());
        assert_eq!(
            identity_phone(ChannelKind::Whatsapp, "5511987654321", br()).as_deref(),
            Some("+5511987654321")
        );
        assert_eq!(
            identity_phone(ChannelKind::Facebook, "5511987654321", br()),
            None
        );
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            normalize_email(" Ana@Example.COM ").as_deref(),
            Some("ana@example.com")
        );
        for bad in ["ana", "ana@", "@x.com", "a b@x.com", "a@b", "a@@b.com"] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL_BYTES - 12));
        assert_eq!(long.len(), MAX_EMAIL_BYTES);
        assert!(normalize_email(&long).is_some(), "254 bytes is the limit");
        assert_eq!(
            normalize_email(&format!("a{long}")),
            None,
            "255 bytes is too long"
        );
        for bad in [
            "a@b.c?body=hi",
            "x&cc=y@evil.com",
            "a#b@example.com",
            "a@example.com#x",
            "a\tb@example.com",
            "a\u{202E}b@example.com",
            "a<b>@example.com",
            "a,b@example.com",
            "a;b@example.com",
            "a@b..com",
            "a@b@c.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
        assert_eq!(
            normalize_email("maria.silva+loja@example.com.br").as_deref(),
            Some("maria.silva+loja@example.com.br")
        );
    }
}
