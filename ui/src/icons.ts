/**
 * Channel icons, drawn for Switchboard (simple glyphs in each channel's colour, not the
 * providers' artwork), built as SVG nodes so the CSP needs no inline markup.
 */
import type { ChannelKind } from "./api";

const SVG = "http://www.w3.org/2000/svg";

interface Glyph {
  colour: string;
  /** Path data on a 24×24 grid, drawn in white over a filled circle. */
  paths: string[];
}

const GLYPHS: Record<Exclude<ChannelKind, "internal">, Glyph> = {
  // A speech bubble: chat on the website.
  livechat: {
    colour: "#2563eb",
    paths: ["M6.5 7.5h11a1.5 1.5 0 0 1 1.5 1.5v5a1.5 1.5 0 0 1-1.5 1.5H11l-3.5 3v-3h-1A1.5 1.5 0 0 1 5 14V9a1.5 1.5 0 0 1 1.5-1.5z"],
  },
  // A handset inside a round bubble.
  whatsapp: {
    colour: "#16a34a",
    paths: [
      "M12 5.2a6.8 6.8 0 0 0-5.9 10.2L5.2 18.8l3.5-.9A6.8 6.8 0 1 0 12 5.2zm0 1.5a5.3 5.3 0 1 1-2.8 9.8l-.3-.2-1.6.4.4-1.5-.2-.3A5.3 5.3 0 0 1 12 6.7z",
      "M9.8 9.1c.2-.3.5-.3.7-.1l.6 1.2c.1.2 0 .4-.1.6l-.3.4c.4.8 1.1 1.5 1.9 1.9l.4-.3c.2-.1.4-.2.6-.1l1.2.6c.2.1.2.4.1.7-.3.7-1 1-1.7.8a5.6 5.6 0 0 1-3.9-3.9c-.2-.7.1-1.4.5-1.8z",
    ],
  },
  // A lightning bolt in a bubble: Messenger.
  facebook: {
    colour: "#7c3aed",
    paths: ["M12 5.5c-3.8 0-6.8 2.8-6.8 6.4 0 2 1 3.8 2.5 5v2.6l2.3-1.3c.6.2 1.3.3 2 .3 3.8 0 6.8-2.8 6.8-6.5S15.8 5.5 12 5.5zm.7 8.6-1.8-1.9-3.4 1.9 3.7-4 1.8 1.9 3.4-1.9-3.7 4z"],
  },
  // A phone with a text line: SMS.
  sms: {
    colour: "#ea580c",
    paths: ["M9 5h6a1.5 1.5 0 0 1 1.5 1.5v11A1.5 1.5 0 0 1 15 19H9a1.5 1.5 0 0 1-1.5-1.5v-11A1.5 1.5 0 0 1 9 5zm0 2v9h6V7H9zm2 10.2a1 1 0 1 0 2 0 1 1 0 0 0-2 0z"],
  },
};

/** The icon for a channel, labelled for screen readers; `null` for internal chats. */
export function channelIcon(channel: ChannelKind, label: string): SVGSVGElement | null {
  if (channel === "internal") return null;
  const glyph = GLYPHS[channel];
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "22");
  svg.setAttribute("height", "22");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("class", `channel-icon channel-${channel}`);
  svg.setAttribute("data-testid", "channel-icon");
  svg.setAttribute("data-channel", channel);
  const title = document.createElementNS(SVG, "title");
  title.textContent = label;
  const circle = document.createElementNS(SVG, "circle");
  circle.setAttribute("cx", "12");
  circle.setAttribute("cy", "12");
  circle.setAttribute("r", "12");
  circle.setAttribute("fill", glyph.colour);
  svg.append(title, circle);
  for (const d of glyph.paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "#fff");
    path.setAttribute("fill-rule", "evenodd");
    svg.append(path);
  }
  return svg;
}

/** A paperclip in the text colour, for the Attach button (emoji fonts are not everywhere). */
export function paperclipIcon(): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "button-icon");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute(
    "d",
    "M16.5 6.5 8.8 14.2a2 2 0 0 0 2.8 2.8l7.4-7.4a3.6 3.6 0 0 0-5.1-5.1L6.4 12a5.2 5.2 0 0 0 7.4 7.4l6-6",
  );
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "1.8");
  path.setAttribute("stroke-linecap", "round");
  path.setAttribute("stroke-linejoin", "round");
  svg.append(path);
  return svg;
}
