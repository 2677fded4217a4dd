import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The Studio is served by Homing itself at /studio from dist/studio: everything
 * it loads is in the bundle (no CDN, no fonts or scripts from the network).
 */
export default defineConfig({
  root,
  base: '/studio/',
  // React's automatic JSX runtime, compiled by Vite's own transform (no Babel: dev-only Fast Refresh is not needed).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/studio', import.meta.url)),
    emptyOutDir: true,
    // The whole app in one small entry: first load is a single request for the script.
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      // React Query marks its modules "use client" for server-component bundlers; a client-only bundle has nothing to keep.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
