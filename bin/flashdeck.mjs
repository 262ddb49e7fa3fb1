#!/usr/bin/env node
// `flashdeck` (package.json "bin"): the bundled command line when it was built (npm run build:main
// writes dist/cli/flashdeck.mjs), else the TypeScript source through tsx, as in a checkout after `npm ci`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundled = fileURLToPath(new URL('../dist/cli/flashdeck.mjs', import.meta.url));
let cli;
if (existsSync(bundled)) {
  cli = await import(pathToFileURL(bundled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../electron/cli/flashdeck.ts');
}
await cli.main();
