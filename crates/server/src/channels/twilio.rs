//! Twilio Messaging: inbound SMS/MMS and status callbacks (form-encoded), and `Messages.json`.

use serde_json::Value;
use switchboard_protocol::MessageStatus;

use super::{MediaSource, ParseError, Received, ReceivedMessage};
use crate::engine::SendOutcome;

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// WhatsApp-via-Twilio prefixes addresses with `whatsapp:`; the number is what matters.
fn address(value: &str) -> String {
    value.trim().trim_start_matches("whatsapp:").to_string()
}

/// An inbound SMS or MMS. Media is fetched with the account's credentials.
pub fn parse_inbound(
    params: &[(String, String)],
    account_sid: &str,
    auth_token: &str,
) -> Result<Vec<Received>, ParseError> {
    let sid = param(params, "MessageSid")
        .or_else(|| param(params, "SmsMessageSid"))
        .ok_or_else(|| ParseError("MessageSid is missing".into()))?;
    let from = param(params, "From").ok_or_else(|| ParseError("From is missing".into()))?;
    let count: usize = param(params, "NumMedia")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let media = (0..count.min(10))
        .filter_map(|i| {
            let url = param(params, &format!("MediaUrl{i}"))?;
            Some(MediaSource::Url {
                url: url.to_string(),
                mime: param(params, &format!("MediaContentType{i}")).map(str::to_string),
                filename: None,
                basic_auth: Some((account_sid.to_string(), auth_token.to_string())),
            })
        })
        .collect();
    Ok(vec![Received::Message(ReceivedMessage {
        sender: address(from),
        display_name: None,
        provider_id: sid.to_string(),
        body: param(params, "Body").unwrap_or_default().to_string(),
        media,
        sent_at: None,
    })])
}

/// A status callback for one of our messages.
pub fn parse_status(params: &[(String, String)]) -> Result<Vec<Received>, ParseError> {
    let sid = param(params, "MessageSid")
        .or_else(|| param(params, "SmsSid"))
        .ok_or_else(|| ParseError("MessageSid is missing".into()))?;
    let reported = param(params, "MessageStatus")
        .or_else(|| param(params, "SmsStatus"))
        .ok_or_else(|| ParseError("MessageStatus is missing".into()))?;
    let status = match reported {
        "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" => MessageStatus::Read,
        "failed" | "undelivered" => MessageStatus::Failed,
        // queued, accepted, sending, scheduled: still on its way.
        _ => return Ok(Vec::new()),
    };
    let error = (status == MessageStatus::Failed).then(|| {
        let code = param(params, "ErrorCode").unwrap_or("unknown");
        let known = match code {
            "30003" => "the phone is unreachable or off",
            "30004" => "the recipient blocked the message",
            "30005" => "the number is unknown or no longer exists",
            "30006" => "the number cannot receive SMS (a landline?)",
            "30007" => "the carrier filtered the message",
            "30008" => "unknown delivery error",
            "30010" => "the message price exceeded the maximum",
            "21610" => "the recipient unsubscribed (replied STOP)",
            _ => "see the Twilio error reference",
        };
        let message = param(params, "ErrorMessage").unwrap_or(known);
        format!("Not delivered: {message} (Twilio error {code})")
    });
    Ok(vec![Received::Status {
        provider_id: sid.to_string(),
        status,
        error,
    }])
}

/// Twilio's answer to `Messages.json`.
pub fn outcome(status: reqwest::StatusCode, body: &Value) -> SendOutcome {
    if status.is_success() {
        return match body["sid"].as_str() {
            Some(sid) => SendOutcome::Sent {
                provider_id: sid.to_string(),
            },
            None => SendOutcome::Transient("Twilio accepted the message without a sid".into()),
        };
    }
    let code = body["code"].as_i64().unwrap_or_default();
    let message = body["message"].as_str().unwrap_or("no reason given");
    let reason = format!("Twilio refused the message: {message} (error {code})");
    if code == 21610 {
        SendOutcome::OptedOut(
            "The customer opted out of messages from this number (Twilio error 21610: they texted STOP); nothing can be sent until they text START."
                .to_string(),
        )
    } else if status.is_server_error()
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || code == 20429
    {
        SendOutcome::Transient(reason)
    } else {
        SendOutcome::Permanent(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/providers")
                .join(name),
        )
        .unwrap();
        let map: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
        map.into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect()
    }

    #[test]
    fn mms_media_and_whatsapp_prefixes() {
        let mms = parse_inbound(&fixture("twilio-mms-02.json"), "AC1", "t").unwrap();
        assert!(matches!(&mms[0], Received::Message(m) if m.media.len() == 3));
        let wa = parse_inbound(&fixture("twilio-mms-04.json"), "AC1", "t").unwrap();
        assert!(matches!(&wa[0], Received::Message(m) if m.sender.starts_with('+')));
        let sms = parse_inbound(&fixture("twilio-sms-03.json"), "AC1", "t").unwrap();
        assert!(
            matches!(&sms[0], Received::Message(m) if m.body == "hi there, 2+3=4"),
            "{sms:?}"
        );
    }

    #[test]
    fn status_callbacks_carry_their_errors() {
        let failed = parse_status(&fixture("twilio-status-failed-02.json")).unwrap();
        assert!(
            matches!(&failed[0], Received::Status { status: MessageStatus::Failed, error: Some(e), .. } if e.contains("21610"))
        );
        let delivered = parse_status(&fixture("twilio-status-delivered-01.json")).unwrap();
        assert!(matches!(
            &delivered[0],
            Received::Status {
                status: MessageStatus::Delivered,
                ..
            }
        ));
    }
}
