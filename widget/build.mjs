// Bundles src/main.ts into ONE self-contained, minified IIFE: dist/widget.js. The server embeds
// that exact file at compile time and serves it at /livechat/{channel_id}/widget.js.
// `node build.mjs --size` also prints its raw and gzipped size.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const outfile = new URL("./dist/widget.js", import.meta.url).pathname;
await build({
  entryPoints: [new URL("./src/main.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "none",
  banner: { js: "/* Switchboard live chat widget */" },
  logLevel: "warning",
});
const bytes = readFileSync(outfile);
const gz = gzipSync(bytes, { level: 9 }).length;
if (process.argv.includes("--size")) {
  console.log(`dist/widget.js: ${bytes.length} bytes, ${gz} bytes gzipped (${(gz / 1024).toFixed(1)} KiB)`);
} else {
  console.log(`built dist/widget.js (${bytes.length} B, ${gz} B gzipped)`);
}
if (gz > 30 * 1024) {
  console.error("widget.js is over the 30 KiB gzipped budget");
  process.exit(1);
}
