import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is served by the Gatehouse server from web/dist at `/` with an SPA fallback.
// `vite` (dev) proxies the API to a running server: GATEHOUSE_URL, default http://127.0.0.1:8080.
const root = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env['GATEHOUSE_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Keep the output compatible with a strict CSP: no inline module-preload polyfill script.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: { '/v1': { target: apiTarget, changeOrigin: false } },
  },
  preview: {
    proxy: { '/v1': { target: apiTarget, changeOrigin: false } },
    // The policy the Gatehouse server sends, so a preview shows any violation the real one would.
    headers: {
      'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    },
  },
});
