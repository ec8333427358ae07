/**
 * Pure helpers for what the screens show: times in the agent's locale, the conversation's
 * name, SMS segments, the reply-window countdown, file sizes.
 */
import { dateFormat } from "../../web/shared/format";
import type { Conversation, Message } from "./api";

/** What the list and the chat header call a conversation. */
export function conversationName(conversation: Conversation): string {
  return conversation.title || conversation.contact.display_name || conversation.channel_id;
}

/** "14:05" today, "Mon" this week, "03/11/2026" before that — in the agent's locale. */
export function listTime(iso: string, locale: string, now = new Date()): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === now.toDateString();
  if (sameDay) return dateFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(at);
  const days = (now.getTime() - at.getTime()) / 86_400_000;
  if (days < 6) return dateFormat(locale, { weekday: "short" }).format(at);
  return dateFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric" }).format(at);
}

export function timeOfDay(iso: string, locale: string): string {
  return dateFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

/** "Dec 5, 2025, 2:05 PM": a moment named in a sentence (when a window closed, an opt-out). */
export function dateTime(iso: string, locale: string): string {
  return dateFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** The date separator above a day's first message. */
export function dayLabel(iso: string, locale: string): string {
  return dateFormat(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(
    new Date(iso),
  );
}

/** Messages grouped by calendar day, in order. */
export function byDay(messages: Message[]): { day: string; messages: Message[] }[] {
  const groups: { day: string; messages: Message[] }[] = [];
  for (const message of messages) {
    const day = new Date(message.created_at).toDateString();
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.messages.push(message);
    else groups.push({ day, messages: [message] });
  }
  return groups;
}

// The GSM 03.38 basic set and its extension (which costs two septets).
const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€";

/** How many SMS parts a text takes: GSM-7 160/153 per part, otherwise UCS-2 70/67. */
export function smsSegments(text: string): number {
  if (text.length === 0) return 0;
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXTENDED.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  // UCS-2 counts UTF-16 code units.
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}

/**
 * "5 h 12 min" left in the reply window ("6 d 23 h" in Messenger's 7-day window for human
 * agents), or `null` once it has closed.
 */
export function windowLeft(endsAt: string, now = new Date()): string | null {
  const ms = new Date(endsAt).getTime() - now.getTime();
  if (ms <= 0) return null;
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  if (hours >= 24) return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

/**
 * "29 B", "2,9 KB", "25 MB" in the agent's locale, in the binary units the server's limit and
 * the live-chat widget use (web/shared/format.ts).
 */
export { formatBytes as fileSize } from "../../web/shared/format";

/** Calling codes whose customers most likely write in one of the template languages. */
const LANGUAGE_BY_CALLING_CODE: [string, string][] = [
  ["+55", "pt-BR"],
  ["+351", "pt-PT"],
  ["+244", "pt"],
  ["+258", "pt"],
  ["+1", "en"],
  ["+44", "en"],
  ["+61", "en"],
  ["+64", "en"],
  ["+353", "en"],
];

/**
 * The customer's language where it can be told: from a phone number's calling code
 * (WhatsApp, SMS). `null` when unknown (live chat, Messenger, internal chats).
 */
export function conversationLanguage(conversation: Conversation): string | null {
  const identity = conversation.contact.identity;
  if (!identity || (identity.kind !== "whatsapp" && identity.kind !== "sms")) return null;
  return phoneLanguage(identity.value);
}

/** The language a phone number's calling code suggests (`+55…` → `pt-BR`), or `null`. */
export function phoneLanguage(number: string): string | null {
  const digits = number.replace(/[^\d+]/g, "");
  const phone = digits.startsWith("+") ? digits : `+${digits}`;
  // The longest matching code wins (+351 before +3…).
  const match = LANGUAGE_BY_CALLING_CODE.filter(([code]) => phone.startsWith(code)).sort(
    (a, b) => b[0].length - a[0].length,
  )[0];
  return match ? match[1] : null;
}

/**
 * The template language to pre-select for a wanted language: an exact match, else one of the
 * same base language (`pt` for `pt-BR`), else `null`. Meta's codes (`pt_BR`) match BCP 47
 * tags (`pt-BR`) too.
 */
export function pickLanguage(available: string[], wanted: string | null): string | null {
  if (!wanted) return null;
  const tag = (language: string) => language.toLowerCase().replace(/_/g, "-");
  const lower = tag(wanted);
  const base = lower.split("-")[0];
  return (
    available.find((l) => tag(l) === lower) ?? available.find((l) => tag(l).split("-")[0] === base) ?? null
  );
}

/** Two phone numbers are the same when their digits are. */
export function samePhone(a: string, b: string): boolean {
  const digits = (s: string) => s.replace(/\D/g, "");
  return digits(a) !== "" && digits(a) === digits(b);
}
