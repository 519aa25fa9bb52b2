import { defineConfig } from "vite";

// Built into the Python package so `pip install` ships the console; nothing from a CDN.
// Two pages: the console (index.html, served at /) and GraphiQL (graphiql.html, which the
// hub's GraphQL view serves at GET /graphql). public/ (the offline boundaries) is copied as is.
export default defineConfig({
  base: "/",
  build: {
    outDir: "../hub/static/console",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
    rollupOptions: {
      input: { console: "index.html", graphiql: "graphiql.html" },
      // React libraries' "use client" directives mean nothing outside a server framework.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
