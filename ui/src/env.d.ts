/** The UI's version from package.json, inlined by Vite (see vite.config.ts). */
declare const __APP_VERSION__: string;
