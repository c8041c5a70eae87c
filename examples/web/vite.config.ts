// The stack's amplify_outputs.json is imported at build time, as Amplify apps import theirs:
// UGC_OUTPUTS names it (default: the one `make run` writes at the project root).
import { resolve } from 'node:path';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const outputs = resolve(process.env.UGC_OUTPUTS ?? resolve(__dirname, '../../amplify_outputs.json'));

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { 'amplify-outputs': outputs } },
  server: { host: '127.0.0.1', fs: { allow: [__dirname, outputs] } },
  // Amplify Auth is most of the bundle; one chunk keeps the example simple.
  build: { chunkSizeWarningLimit: 1500 },
});
