// The widget's two languages. The visitor's browser language decides: any Portuguese variant
// gets Brazilian Portuguese, everything else English.

import { dateFormat } from "../../web/shared/format";
import { pickLocale } from "../../web/shared/i18n";

export type Lang = "en" | "pt-BR";
const LANGS: readonly Lang[] = ["en", "pt-BR"];

export interface Catalog {
  title: string;
  greeting: string;
  offline: string;
  open: string;
  close: string;
  unread: (n: number) => string;
  startIntro: string;
  name: string;
  email: string;
  start: string;
  nameRequired: string;
  emailInvalid: string;
  composer: string;
  send: string;
  attach: string;
  remove: (file: string) => string;
  uploading: string;
  typing: (agent: string) => string;
  with: (agent: string) => string;
  agent: string;
  you: string;
  sending: string;
  failed: string;
  retry: string;
  endedTitle: string;
  ended: string;
  blockedTitle: string;
  blocked: string;
  rateLimited: string;
  tooLong: (max: number) => string;
  notAccepted: (file: string, list: string) => string;
  tooLarge: (file: string, size: string, max: string) => string;
  empty: (file: string) => string;
  reconnecting: string;
  unavailable: string;
  tryAgain: string;
  messages: string;
  dropHere: string;
}

const en: Catalog = {
  title: "Chat with us",
  greeting: "Hi! How can we help you today?",
  offline: "We're away right now. Leave a message and we'll get back to you as soon as we can.",
  open: "Open chat",
  close: "Close chat",
  unread: (n) => (n === 1 ? "1 unread message" : `${n} unread messages`),
  startIntro: "Tell us who you are so we can help you better.",
  name: "Your name",
  email: "Your e-mail",
  start: "Start chat",
  nameRequired: "Please enter your name.",
  emailInvalid: "Please enter a valid e-mail address.",
  composer: "Type your message…",
  send: "Send",
  attach: "Attach a file",
  remove: (f) => `Remove ${f}`,
  uploading: "Uploading…",
  typing: (a) => `${a} is typing…`,
  with: (a) => `You're talking to ${a}`,
  agent: "Agent",
  you: "You",
  sending: "Sending…",
  failed: "Not sent.",
  retry: "Retry",
  endedTitle: "This chat has ended",
  ended: "Send a message to start a new conversation.",
  blockedTitle: "Chat unavailable",
  blocked: "You can't use this chat.",
  rateLimited: "You are sending too fast. Wait a moment and try again.",
  tooLong: (max) => `This message is too long: at most ${max} characters. Send it in parts.`,
  notAccepted: (f, l) => `“${f}” can't be sent: only ${l} files are accepted.`,
  tooLarge: (f, s, m) => `“${f}” is ${s}; files can be at most ${m}.`,
  empty: (f) => `“${f}” is empty.`,
  reconnecting: "Reconnecting…",
  unavailable: "The chat is unavailable right now. Please try again in a moment.",
  tryAgain: "Try again",
  messages: "Messages",
  dropHere: "Drop the file to attach it",
};

const ptBR: Catalog = {
  title: "Fale conosco",
  greeting: "Olá! Como podemos ajudar?",
  offline:
    "No momento não estamos disponíveis. Deixe sua mensagem e responderemos assim que possível.",
  open: "Abrir chat",
  close: "Fechar chat",
  unread: (n) => (n === 1 ? "1 mensagem não lida" : `${n} mensagens não lidas`),
  startIntro: "Conte-nos quem é você para podermos ajudar melhor.",
  name: "Seu nome",
  email: "Seu e-mail",
  start: "Iniciar conversa",
  nameRequired: "Informe seu nome.",
  emailInvalid: "Informe um e-mail válido.",
  composer: "Digite sua mensagem…",
  send: "Enviar",
  attach: "Anexar arquivo",
  remove: (f) => `Remover ${f}`,
  uploading: "Enviando arquivo…",
  typing: (a) => `${a} está digitando…`,
  with: (a) => `Você está falando com ${a}`,
  agent: "Atendente",
  you: "Você",
  sending: "Enviando…",
  failed: "Não enviada.",
  retry: "Tentar de novo",
  endedTitle: "Esta conversa foi encerrada",
  ended: "Envie uma mensagem para iniciar uma nova conversa.",
  blockedTitle: "Chat indisponível",
  blocked: "Você não pode usar este chat.",
  rateLimited: "Você está enviando rápido demais. Aguarde um momento e tente de novo.",
  tooLong: (max) => `Esta mensagem é longa demais: no máximo ${max} caracteres. Envie em partes.`,
  notAccepted: (f, l) => `“${f}” não pode ser enviado: só aceitamos arquivos ${l}.`,
  tooLarge: (f, s, m) => `“${f}” tem ${s}; o limite é ${m}.`,
  empty: (f) => `“${f}” está vazio.`,
  reconnecting: "Reconectando…",
  unavailable: "O chat está indisponível no momento. Tente de novo daqui a pouco.",
  tryAgain: "Tentar de novo",
  messages: "Mensagens",
  dropHere: "Solte o arquivo para anexá-lo",
};

/** Picks the language from the browser's preferences (first match wins), then `fallback`. */
export function chooseLang(languages: readonly string[] | undefined, fallback?: string): Lang {
  return pickLocale(LANGS, [...(languages ?? []), ...(fallback ? [fallback] : [])], "en");
}

export function catalog(lang: Lang): Catalog {
  return lang === "pt-BR" ? ptBR : en;
}

/** "1.5 MB", "800 KB" in the visitor's locale (binary units, as the server counts). */
export { formatBytes } from "../../web/shared/format";

/** Short time (and the date when it isn't today) in the visitor's locale. */
export function formatTime(iso: string, lang: Lang, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const sameDay = date.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return dateFormat(lang, options).format(date);
}

/** "PDF, DOC, …" in the visitor's language ("and"/"e" before the last one is not needed). */
export function listExtensions(exts: readonly string[]): string {
  return exts.map((e) => e.toUpperCase()).join(", ");
}
