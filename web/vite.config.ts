/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The C++ server (`riverlink serve`) listens here in development; RIVERLINK_URL overrides it.
const server = process.env.RIVERLINK_URL || 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
  },
  server: {
    proxy: {
      '/api': { target: server, changeOrigin: false },
      '/healthz': { target: server },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Element Plus imports the CommonJS async-validator by its default export; processing
    // Element Plus through Vite gives the same interop as the production bundle.
    server: { deps: { inline: ['element-plus'] } },
  },
});
