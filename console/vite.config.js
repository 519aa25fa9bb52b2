import { defineConfig } from "vite";

// Built into the Python package so `pip install` ships the console; nothing from a CDN.
export default defineConfig({
  base: "/",
  build: {
    outDir: "../hub/static/console",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
});
