//! Twilio's webhook forms: inbound SMS/MMS and message status callbacks, with the fields,
//! order and string values Twilio puts on the wire (see the `twilio-*` fixtures).

use crate::delivery::StatusReport;
use crate::ids;
use crate::twilio::{segments, TwilioSend};
use crate::webhook::FormParams;

/// An inbound message as Twilio posts it to the number's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwilioInbound {
    /// The account that owns the receiving number.
    pub account_sid: String,
    /// `MessageSid` (`SM…`, or `MM…` when media is attached); redeliveries repeat it.
    pub message_sid: String,
    /// The customer's number (`+1…`, or `whatsapp:+1…`).
    pub from: String,
    /// The business number.
    pub to: String,
    /// The text; empty for picture-only MMS.
    pub body: String,
    /// `MediaUrlN` and `MediaContentTypeN`.
    pub media: Vec<(String, String)>,
    /// Set when the number belongs to a Messaging Service.
    pub messaging_service_sid: Option<String>,
}

impl TwilioInbound {
    /// A text message with a fresh `SM…` sid.
    pub fn sms(
        account_sid: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            account_sid: account_sid.into(),
            message_sid: ids::twilio_sid("SM"),
            from: from.into(),
            to: to.into(),
            body: body.into(),
            media: Vec::new(),
            messaging_service_sid: None,
        }
    }

    /// Adds a media item; the message becomes an MMS with an `MM…` sid.
    pub fn with_media(mut self, url: impl Into<String>, content_type: impl Into<String>) -> Self {
        if let Some(rest) = self.message_sid.strip_prefix("SM") {
            self.message_sid = format!("MM{rest}");
        }
        self.media.push((url.into(), content_type.into()));
        self
    }

    /// The same message with a chosen sid.
    pub fn with_sid(mut self, sid: impl Into<String>) -> Self {
        self.message_sid = sid.into();
        self
    }

    /// The same message arriving through a Messaging Service.
    pub fn via_messaging_service(mut self, sid: impl Into<String>) -> Self {
        self.messaging_service_sid = Some(sid.into());
        self
    }

    /// The form fields in Twilio's wire order. WhatsApp-via-Twilio messages carry no
    /// geographic fields, SMS do (empty where unknown, as Twilio sends them).
    pub fn to_params(&self) -> FormParams {
        let geo = !self.from.starts_with("whatsapp:");
        let mut params = Vec::new();
        let mut push = |name: &str, value: &str| params.push((name.to_owned(), value.to_owned()));
        if geo {
            push("ToCountry", "US");
        }
        for (i, (_, content_type)) in self.media.iter().enumerate() {
            push(&format!("MediaContentType{i}"), content_type);
        }
        if geo {
            push("ToState", "");
        }
        push("SmsMessageSid", &self.message_sid);
        push("NumMedia", &self.media.len().to_string());
        if geo {
            push("ToCity", "");
            push("FromZip", "");
        }
        push("SmsSid", &self.message_sid);
        if geo {
            push("FromState", "");
        }
        push("SmsStatus", "received");
        if geo {
            push("FromCity", "");
        }
        push("Body", &self.body);
        if geo {
            push("FromCountry", "US");
        }
        push("To", &self.to);
        if let Some(service) = &self.messaging_service_sid {
            push("MessagingServiceSid", service);
        }
        if geo {
            push("ToZip", "");
        }
        push("NumSegments", &segments(&self.body).to_string());
        push("MessageSid", &self.message_sid);
        push("AccountSid", &self.account_sid);
        push("From", &self.from);
        for (i, (url, _)) in self.media.iter().enumerate() {
            push(&format!("MediaUrl{i}"), url);
        }
        push("ApiVersion", "2010-04-01");
        params
    }
}

/// The statuses Twilio reports for an outbound message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwilioStatus {
    /// Accepted and waiting to go out.
    Queued,
    /// Being handed to the carrier.
    Sending,
    /// Handed to the carrier.
    Sent,
    /// The carrier confirmed delivery.
    Delivered,
    /// The carrier could not deliver it (carries an `ErrorCode`).
    Undelivered,
    /// It never left Twilio (carries an `ErrorCode`).
    Failed,
    /// Read (WhatsApp via Twilio only).
    Read,
}

impl TwilioStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Read => "read",
        }
    }
}

/// One status callback (`StatusCallback` URL of a send).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwilioStatusCallback {
    /// The sending account.
    pub account_sid: String,
    /// The outbound message's sid, as the send API returned it.
    pub message_sid: String,
    /// The business number (`None` when sent through a Messaging Service without one).
    pub from: Option<String>,
    /// The customer's number.
    pub to: String,
    /// The reported status.
    pub status: TwilioStatus,
    /// `ErrorCode` (a string on the wire), for `failed` and `undelivered`.
    pub error_code: Option<String>,
    /// `MessagingServiceSid`, when the send used one.
    pub messaging_service_sid: Option<String>,
}

impl TwilioStatusCallback {
    /// A callback about a recorded send. `failed` gets error 30008 (unknown error) and
    /// `undelivered` 30003 (unreachable handset) unless [`Self::with_error`] says otherwise.
    pub fn for_send(send: &TwilioSend, status: TwilioStatus) -> Self {
        let error_code = match status {
            TwilioStatus::Failed => Some("30008".to_owned()),
            TwilioStatus::Undelivered => Some("30003".to_owned()),
            _ => None,
        };
        Self {
            account_sid: send.account_sid.clone(),
            message_sid: send.sid.clone().unwrap_or_default(),
            from: send.from.clone(),
            to: send.to.clone(),
            status,
            error_code,
            messaging_service_sid: send.messaging_service_sid.clone(),
        }
    }

    /// The same callback with `ErrorCode` set to `code`.
    pub fn with_error(mut self, code: impl Into<String>) -> Self {
        self.error_code = Some(code.into());
        self
    }

    /// The callbacks a send passes through up to `last`: `queued`, `sent`, then `delivered`
    /// (and `read`) or `undelivered`; `failed` follows `queued` directly.
    pub fn progression(send: &TwilioSend, last: TwilioStatus) -> Vec<Self> {
        use TwilioStatus::{Delivered, Failed, Queued, Read, Sending, Sent, Undelivered};
        let steps: &[TwilioStatus] = match last {
            Queued => &[Queued],
            Sending => &[Queued, Sending],
            Sent => &[Queued, Sent],
            Delivered => &[Queued, Sent, Delivered],
            Read => &[Queued, Sent, Delivered, Read],
            Undelivered => &[Queued, Sent, Undelivered],
            Failed => &[Queued, Failed],
        };
        steps.iter().map(|&s| Self::for_send(send, s)).collect()
    }

    /// The form fields in Twilio's wire order.
    pub fn to_params(&self) -> FormParams {
        let mut params = Vec::new();
        let mut push = |name: &str, value: &str| params.push((name.to_owned(), value.to_owned()));
        if matches!(
            self.status,
            TwilioStatus::Delivered | TwilioStatus::Undelivered
        ) {
            // The carrier's delivery-report time, YYMMDDhhmm without a zone.
            push(
                "RawDlrDoneDate",
                &chrono::Utc::now().format("%y%m%d%H%M").to_string(),
            );
        }
        if let Some(code) = &self.error_code {
            push("ErrorCode", code);
        }
        push("SmsSid", &self.message_sid);
        push("SmsStatus", self.status.as_str());
        push("MessageStatus", self.status.as_str());
        push("To", &self.to);
        if let Some(service) = &self.messaging_service_sid {
            push("MessagingServiceSid", service);
        }
        push("MessageSid", &self.message_sid);
        push("AccountSid", &self.account_sid);
        if let Some(from) = &self.from {
            push("From", from);
        }
        push("ApiVersion", "2010-04-01");
        params
    }
}

impl StatusReport for TwilioStatusCallback {
    fn is_delivered(&self) -> bool {
        self.status == TwilioStatus::Delivered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(params: &FormParams) -> Vec<&str> {
        params.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn inbound_mms_has_the_fields_of_a_real_capture_in_wire_order() {
        let inbound = TwilioInbound::sms("ACx", "+18015550116", "+18445550130", "")
            .with_media("https://example/Media/ME1", "image/jpeg");
        assert!(
            inbound.message_sid.starts_with("MM"),
            "MMS sids start with MM"
        );
        let params = inbound.to_params();
        assert_eq!(
            names(&params),
            [
                "ToCountry",
                "MediaContentType0",
                "ToState",
                "SmsMessageSid",
                "NumMedia",
                "ToCity",
                "FromZip",
                "SmsSid",
                "FromState",
                "SmsStatus",
                "FromCity",
                "Body",
                "FromCountry",
                "To",
                "ToZip",
                "NumSegments",
                "MessageSid",
                "AccountSid",
                "From",
                "MediaUrl0",
                "ApiVersion"
            ],
            "the same fields as fixture twilio-mms-01, minus the Messaging Service"
        );
        assert!(params.contains(&("NumMedia".to_owned(), "1".to_owned())));
    }

    #[test]
    fn whatsapp_inbound_has_no_geographic_fields() {
        let params = TwilioInbound::sms(
            "ACx",
            "whatsapp:+31612345678",
            "whatsapp:+14123456789",
            "hi",
        )
        .to_params();
        assert!(!names(&params).contains(&"FromCity"));
    }

    #[test]
    fn failed_status_callback_carries_its_error_code_as_a_string() {
        let send = TwilioSend::example();
        let callback = TwilioStatusCallback::for_send(&send, TwilioStatus::Failed);
        let params = callback.to_params();
        assert_eq!(params[0], ("ErrorCode".to_owned(), "30008".to_owned()));
        assert!(params.contains(&("MessageStatus".to_owned(), "failed".to_owned())));
    }
}
