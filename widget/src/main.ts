// Entry point of widget.js: `<script src="https://chat.example.com/livechat/{channel_id}/widget.js" async>`.
// Finds its own <script> to learn the server and the channel, and mounts one widget per page even
// when the page loads the script twice.

import { type Endpoint, parseScriptSrc } from "./api";
import { chooseLang } from "./i18n";
import { ChatWidget } from "./widget";

declare global {
  interface Window {
    SwitchboardChat?: { open(): void; close(): void; widget: ChatWidget };
    __switchboardChatLoaded?: boolean;
  }
}

function findEndpoint(): Endpoint | null {
  const current = document.currentScript as HTMLScriptElement | null;
  const fromCurrent = current?.src ? parseScriptSrc(current.src) : null;
  if (fromCurrent) return fromCurrent;
  for (const s of Array.from(document.querySelectorAll<HTMLScriptElement>('script[src*="/livechat/"]'))) {
    const e = /\/widget\.js(\?|#|$)/.test(s.src) ? parseScriptSrc(s.src) : null;
    if (e) return e;
  }
  return null;
}

function boot(): void {
  if (window.__switchboardChatLoaded || document.querySelector("switchboard-chat")) return;
  const endpoint = findEndpoint();
  if (!endpoint) {
    console.warn("Switchboard chat: can't tell the server from the script's address (…/livechat/{channel}/widget.js).");
    return;
  }
  window.__switchboardChatLoaded = true;
  const widget = new ChatWidget(endpoint, {
    lang: chooseLang(navigator.languages, navigator.language),
  });
  window.SwitchboardChat = {
    open: () => widget.toggle(true),
    close: () => widget.toggle(false),
    widget,
  };
  const mount = () => widget.mount(document.body ?? document.documentElement);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
}

boot();
