// Bundles the Electron main process and preload to CommonJS in dist/electron/ (Electron loads
// them; the sandboxed preload must be a single file). Native modules stay external.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: true,
  external: ['electron', 'better-sqlite3', 'serialport', '@serialport/*'],
  logLevel: 'info',
};

await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
// The headless command line (bin/flashdeck.mjs runs it when built): ESM, so it finds the project
// root from import.meta.url as the source does (dist/cli/ sits as deep as electron/cli/).
await build({
  ...common,
  format: 'esm',
  entryPoints: ['electron/cli/flashdeck.ts'],
  outfile: 'dist/cli/flashdeck.mjs',
  // Aliased: a bundled module imports createRequire itself, and two top-level declarations would not load.
  banner: { js: "import { createRequire as flashdeckCreateRequire } from 'node:module'; const require = flashdeckCreateRequire(import.meta.url);" },
});
