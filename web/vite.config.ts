import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// In development, the Rust server (bash scripts/run.sh) answers /api and /socket.io.
const server = process.env.REBLOOM_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // The shell (React, the router, Socket.IO, i18next, the chat) is ~500 kB minified, 160 kB gzip;
  // other areas are split off and load when first opened.
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 550 },
  server: {
    proxy: {
      '/api': server,
      '/socket.io': { target: server, ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
