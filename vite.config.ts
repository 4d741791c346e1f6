import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web application: built into dist/web, which the server serves at `/`. `npm run dev:web` serves it
 * with hot reload and forwards /api to a running `npm start` (port 3000).
 */
export default defineConfig({
  root: 'src/web',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: true,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
