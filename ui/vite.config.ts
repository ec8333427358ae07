import { defineConfig } from "vitest/config";
import pkg from "./package.json";

export default defineConfig({
  // Relative asset URLs, so the same dist works under Tauri's custom protocol and from any path.
  base: "./",
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
  server: {
    // The logo is imported from ../assets/icons, outside this package.
    fs: { allow: [".."] },
  },
  test: {
    environment: "happy-dom",
    include: ["tests/**/*.test.ts"],
  },
});
