// The web app (React SPA). `npm run dev:web` serves it with the API proxied to a running
// service (`npm start`, or TATU_API_URL); `npm run build:web` writes web/dist, which the
// service serves with client-side routing fallback (service/web/static.ts).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = process.env.TATU_API_URL ?? "http://127.0.0.1:3000";
// Optional build-time settings read by index.html; empty = the app's defaults (OpenStreetMap tiles).
process.env.VITE_TILE_URL ??= "";
process.env.VITE_TILE_ATTRIBUTION ??= "";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // zod without its eval probe (the CSP refuses eval): see src/validation-runtime.ts.
  resolve: { alias: [{ find: /^zod$/, replacement: `${import.meta.dirname}/src/validation-runtime.ts` }] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Budget: initial JS of the public search page ≤ 200 KB gzipped (see the README section).
    chunkSizeWarningLimit: 400,
    sourcemap: false,
    rolldownOptions: {
      // Leaflet in its own chunk: only map screens load it, and it caches across releases.
      output: {
        codeSplitting: {
          groups: [
            { name: "leaflet", test: /node_modules[\\/]leaflet/ },
            { name: "zod", test: /node_modules[\\/]zod/ },
          ],
        },
      },
    },
  },
  server: {
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    proxy: {
      "/api": { target: api, changeOrigin: false },
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
});
