/**
 * `mailto:`, `tel:` and `sms:` links built from stored contact details. A value is never
 * pasted into a URL as it is: an address like `a@b.c?body=…` or `x@y.z&cc=…` would otherwise add
 * headers or recipients of its own, and a phone number with letters or `;` parameters could
 * reach the OS handler as something else.
 */

/**
 * `mailto:` for one address, each part percent-encoded (RFC 6068); the last `@` separates the
 * domain, as in SMTP, so nothing in the address can become a header, a second recipient or a
 * fragment.
 */
export function mailtoLink(email: string): string {
  const address = email.trim();
  const at = address.lastIndexOf("@");
  if (at <= 0) return `mailto:${encodeURIComponent(address)}`;
  return `mailto:${encodeURIComponent(address.slice(0, at))}@${encodeURIComponent(address.slice(at + 1))}`;
}

/** The digits of a phone number, with its leading `+` if any (RFC 3966's global number). */
function dialable(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, "");
  return trimmed.startsWith("+") ? `+${digits}` : digits;
}

/** `tel:` for a phone number: only `+` and digits survive. */
export function telLink(phone: string): string {
  return `tel:${dialable(phone)}`;
}

/** `sms:` for a phone number: only `+` and digits survive. */
export function smsLink(phone: string): string {
  return `sms:${dialable(phone)}`;
}
